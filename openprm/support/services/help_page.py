"""The partner-branded public help page: its settings (partner admins), and end customers' requests."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.text import slugify

from openprm.accounts import ratelimit
from openprm.accounts.models import Role
from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.lib import clock

from ..exceptions import NotAllowed, ValidationFailed
from ..models import HelpPage, Level, Source, Ticket
from .tickets import add_comment, open_ticket

# A person needs at least this long to fill the form; a faster post is a bot.
MIN_FILL_SECONDS = 3


def help_page_of(partner) -> HelpPage:
    """The partner's help page settings (unsaved and off when never configured)."""
    page = HelpPage.objects.filter(partner=partner).first()
    return page or HelpPage(partner=partner, slug=_free_slug(partner), enabled=False)


def _free_slug(partner) -> str:
    base = slugify(partner.brand_name or partner.name)[:50] or f"partner-{partner.pk}"
    slug, n = base, 1
    while HelpPage.objects.filter(slug=slug).exclude(partner=partner).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def configure_help_page(*, actor, partner, enabled: bool, slug: str, intro: str = "") -> HelpPage:
    """Switch the help page on or off, and set its address and intro. The partner's admins only."""
    if not (actor is not None and actor.role == Role.PARTNER_ADMIN and actor.partner_id == partner.pk):
        raise NotAllowed("Only your partner admins manage the help page.")
    slug = slugify(slug or "")[:60]
    errors = {}
    if not slug:
        errors["slug"] = ["Use letters, digits and hyphens."]
    elif HelpPage.objects.filter(slug=slug).exclude(partner=partner).exists():
        errors["slug"] = ["This address is taken; choose another."]
    if len(intro or "") > 2000:
        errors["intro"] = ["At most 2000 characters."]
    if enabled and not partner.support_email:
        errors["enabled"] = ["Add a support e-mail to your branding profile first: customers' replies go there."]
    if errors:
        raise ValidationFailed("The help page was not saved.", errors=errors)
    page = help_page_of(partner)
    fields = ["slug", "enabled", "intro"]
    before = audit.snapshot(page, fields) if page.pk else {}
    page.slug, page.enabled, page.intro, page.updated_at = slug, bool(enabled), (intro or "").strip(), clock.moment()
    page.save()
    audit.record(actor=actor, action=Action.UPDATE, verb="support.help_page_changed", obj=page, partner=partner,
                 changes=audit.diff(before, audit.snapshot(page, fields)))
    return page


def token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


@transaction.atomic
def submit_help_request(*, page: HelpPage, data: dict, request=None, started_at: datetime | None = None,
                        follow_url=None) -> tuple[Ticket, str]:
    """An end customer opens an L1 ticket on the partner's help page. Name, e-mail, subject and description
    are required; the form must not come back faster than a person types (`started_at`); each address and
    IP is rate-limited. The customer gets a confirmation in the partner's brand that replies to the partner's
    support address, with a private link to follow the ticket. Returns the ticket and that link's token."""
    if not page.enabled:
        raise NotAllowed("This help page is switched off.")
    errors = {}
    for field in ("customer_name", "customer_email", "subject", "description"):
        if not str(data.get(field) or "").strip():
            errors[field] = ["This field is required."]
    if errors:
        raise ValidationFailed("Please fill in the required fields.", errors=errors)
    now = clock.moment()
    if started_at is None or now - started_at < timedelta(seconds=MIN_FILL_SECONDS) or started_at > now:
        raise ValidationFailed("Please take a moment and send the form again.",
                               errors={"__all__": ["The form was sent too fast. Please check it and send it again."]})
    ratelimit.enforce_public_form(scope="help_page", request=request, address=str(data["customer_email"]))
    clean = {k: data.get(k, "") for k in ("customer_name", "customer_email", "customer_company", "subject",
                                           "description", "product")}
    ticket = open_ticket(actor=None, partner=page.partner, data={**clean, "priority": data.get("priority") or "P3",
                                                                 "level": Level.L1}, source=Source.HELP_PAGE)
    token = secrets.token_urlsafe(24)
    ticket.follow_token_hash = token_hash(token)
    ticket.save(update_fields=["follow_token_hash"])
    link = follow_url(token) if follow_url else ""
    _confirm(ticket, page, link)
    return ticket, token


def _brand(partner) -> str:
    return partner.brand_name or partner.name


def _confirm(ticket: Ticket, page: HelpPage, link: str) -> None:
    """The confirmation e-mail: the partner's brand in the sender name and text, replies to its support address."""
    partner = page.partner
    address = settings.DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].rstrip(">").strip()
    sender = f"{_brand(partner)} Support <{address}>".replace("\n", " ")
    body = render_to_string("support/email/help_confirmation.txt",
                            {"ticket": ticket, "brand": _brand(partner), "link": link,
                             "support_email": partner.support_email})
    message = EmailMessage(subject=f"[{_brand(partner)}] We received your request #{ticket.pk}"[:200], body=body,
                           from_email=sender, to=[ticket.customer_email],
                           reply_to=[partner.support_email] if partner.support_email else None)
    transaction.on_commit(lambda: message.send(fail_silently=True))


def ticket_by_token(page: HelpPage, token: str) -> Ticket | None:
    """The help-page ticket the private link opens (None for a wrong or foreign token)."""
    if not token or len(token) > 100:
        return None
    return Ticket.objects.filter(partner=page.partner, source=Source.HELP_PAGE,
                                 follow_token_hash=token_hash(token)).first()


def customer_reply(*, ticket: Ticket, body: str):
    """The end customer answers through the private link: a public comment in their name."""
    return add_comment(actor=None, ticket=ticket, body=body, customer_name=ticket.customer_name or "Customer")
