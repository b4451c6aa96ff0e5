"""Background work for accounts: sending e-mail outside the request."""

from celery import shared_task
from django.core.mail import send_mail


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(*, to: list[str], subject: str, body: str) -> int:
    """Send one plain-text e-mail; retried with backoff when the mail server is unreachable."""
    return send_mail(subject, body, None, to)
