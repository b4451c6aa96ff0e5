"""Background work for accounts: sending e-mail outside the request."""

from celery import shared_task
from django.core.mail import EmailMultiAlternatives


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(*, to: list[str], subject: str, body: str, html: str | None = None) -> int:
    """Send one e-mail, plain text with an HTML alternative when given; retried with backoff when the mail
    server is unreachable."""
    message = EmailMultiAlternatives(subject, body, None, to)
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()
