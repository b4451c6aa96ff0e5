"""How an e-mail is put together: the plain-text part from the app's template, the HTML part from one branded
base template, and every link absolute on the configured site URL (`settings.SITE_URL`, never the request's
host). Rendering only; sending is `services.send_email_on_commit` / `services.notify`."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.module_loading import import_string

DEFAULT_BRANDING = {"name": "OpenPRM", "color": "#3b5bdb", "logo_url": ""}


def absolute_url(path: str) -> str:
    """`path` on the configured site ("/portal/deals/7/" → "https://prm.example.com/portal/deals/7/")."""
    if not path:
        return ""
    if path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL + ("" if path.startswith("/") else "/") + path


def branding() -> dict:
    """The program's name, colour and logo for the e-mail header.

    The program lives in a higher layer than accounts, so it is asked through the dotted-path setting
    `EMAIL_BRANDING`; anything it leaves out falls back to OpenPRM's own.
    """
    path = getattr(settings, "EMAIL_BRANDING", "")
    found = import_string(path)() if path else {}
    brand = {**DEFAULT_BRANDING, **{k: v for k, v in (found or {}).items() if v}}
    if brand["logo_url"]:
        brand["logo_url"] = absolute_url(brand["logo_url"])
    return brand


def render_email(*, template: str, context: dict, subject: str, link: str = "",
                 link_label: str = "Open in OpenPRM") -> tuple[str, str]:
    """The (plain text, HTML) parts of one e-mail.

    The text part is the app's `.txt` template (autoescape off, so names read as typed), followed by the link
    when there is one. The HTML part wraps the same text, escaped, in `accounts/email/base.html` with the
    program's branding and the link as a button; both parts say the same thing.
    """
    url = absolute_url(link)
    brand = branding()
    body = render_to_string(template, {"brand": brand, **context}).strip()
    text = f"{body}\n\n{link_label}: {url}\n" if url else body + "\n"
    html = render_to_string("accounts/email/base.html", {
        "subject": subject, "paragraphs": [p.strip() for p in body.split("\n\n") if p.strip()],
        "link": url, "link_label": link_label, "brand": brand,
    })
    return text, html
