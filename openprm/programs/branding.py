"""The program's look in e-mails, read by `accounts.mail` through the `EMAIL_BRANDING` setting."""

from .models import Program


def email_branding() -> dict:
    """The program's name for the e-mail header; the program has no colour or logo of its own yet, so those
    keys are absent and the e-mail keeps OpenPRM's (add them here when the program gets them)."""
    return {"name": Program.current().name}
