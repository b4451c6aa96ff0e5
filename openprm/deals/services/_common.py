"""Helpers shared by the deal services: input checks, the locked transition with its audit event, and the
notices to the partner and its channel manager. Private to the services package."""

from django.urls import reverse

from openprm.accounts.models import Role, User
from openprm.accounts.services import notify
from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.lib.money import format_money

from ..models import MAX_NOTES_LENGTH, MAX_PRODUCT_LENGTH, MAX_PRODUCTS, DealProgram, Registration

AUDIT_FIELDS = ["status", "amount", "currency", "expected_close_date", "protected_until", "extension_status",
                "conflict_case_id", "won_amount", "won_currency", "closed_on", "lost_reason", "decision_note",
                "outside_territory"]


def _check_products(products, errors: dict, field: str = "products") -> list[str]:
    """The products as a sorted list of distinct names, or [] with a message in `errors[field]`."""
    if not isinstance(products, list) or not all(isinstance(p, str) for p in products):
        errors[field] = ["Give the products as a list of names."]
        return []
    names = sorted({p.strip() for p in products if p.strip()})
    if len(names) > MAX_PRODUCTS:
        errors[field] = [f"At most {MAX_PRODUCTS} products."]
    elif any(len(name) > MAX_PRODUCT_LENGTH for name in names):
        errors[field] = [f"Each product name has at most {MAX_PRODUCT_LENGTH} characters."]
    return names


def _check_notes(notes, errors: dict) -> str:
    """The notes, trimmed, or a message in `errors["notes"]` when they are too long."""
    notes = (notes or "").strip()
    if len(notes) > MAX_NOTES_LENGTH:
        errors["notes"] = [f"At most {MAX_NOTES_LENGTH:,} characters."]
    return notes


def _locked(registration: Registration) -> Registration:
    """The registration again, row-locked until the transaction ends, so two decisions cannot cross."""
    return Registration.objects.select_for_update().select_related("partner").get(pk=registration.pk)


def _transition(*, actor, registration: Registration, verb: str, note: str = "", **fields) -> Registration:
    """Set `fields` on the (locked) registration and record the change as one audit event named `verb`."""
    before = audit.snapshot(registration, AUDIT_FIELDS)
    for field, value in fields.items():
        setattr(registration, field, value)
    registration.save()
    audit.record(actor=actor, action=Action.TRANSITION, verb=verb, obj=registration, partner=registration.partner,
                 changes=audit.diff(before, audit.snapshot(registration, AUDIT_FIELDS)), note=note)
    return registration


_SUBJECTS = {
    "submitted": "Deal registration received: {customer}",
    "new": "New deal registration to review: {customer}",
    "conflict": "Deal registration under conflict review: {customer}",
    "approved": "Deal registration approved: {customer}",
    "rejected": "Deal registration rejected: {customer}",
    "extension_requested": "Extension requested: {customer}",
    "extension_approved": "Protection extended: {customer}",
    "extension_declined": "Extension declined: {customer}",
    "expiry_reminder": "Protection ends soon: {customer}",
    "expired": "Deal registration expired: {customer}",
    "won": "Deal won: {customer}",
    "lost": "Deal closed as lost: {customer}",
    "outside_territory": "Registration flagged for review (territory): {customer}",
}

# One readable line per event for the notifications page (the e-mail says more).
_SUMMARIES = {
    "submitted": "Registration #{pk} ({amount}) was received and waits for review.",
    "new": "{partner} registered {customer} ({amount}). Please review it within {hours} hours.",
    "conflict": "Registration #{pk} matches a customer another registration holds; the channel team reviews it.",
    "approved": "Registration #{pk} ({amount}) is approved and protected until {protected_until}.",
    "rejected": "Registration #{pk} ({amount}) was not approved.",
    "extension_requested": "{partner} asks to extend the protection of registration #{pk}.",
    "extension_approved": "Protection of registration #{pk} is extended until {protected_until}.",
    "extension_declined": "The extension of registration #{pk} was declined.",
    "expiry_reminder": "Protection of registration #{pk} ends on {protected_until}.",
    "expired": "Registration #{pk} expired on {protected_until} without an outcome.",
    "won": "Registration #{pk} was won: {won_amount}.",
    "lost": "Registration #{pk} was closed as lost.",
    "outside_territory": "{partner} registered {customer} ({amount}) outside its territory; please review it "
                         "within {hours} hours.",
}


def _summary(registration: Registration, event: str) -> str:
    def day(value):
        return f"{value.day} {value:%B %Y}" if value else "—"

    won = (format_money(registration.won_amount, registration.won_currency)
           if registration.won_amount is not None and registration.won_currency else "")
    return _SUMMARIES[event].format(
        pk=registration.pk, customer=registration.customer_name, partner=registration.partner.name,
        amount=format_money(registration.amount, registration.currency), won_amount=won,
        protected_until=day(registration.protected_until), hours=DealProgram.current().review_target_hours,
    )


def _notify_partner(registration: Registration, event: str) -> None:
    """Tell the registering partner's admins and the submitter (never another partner's people)."""
    people = {u.pk: u for u in registration.partner.users.filter(role=Role.PARTNER_ADMIN, is_active=True)}
    submitter = registration.submitted_by
    if submitter and submitter.partner_id == registration.partner_id:
        people[submitter.pk] = submitter
    notify(users=people.values(), subject=_SUBJECTS[event].format(customer=registration.customer_name),
           summary=_summary(registration, event),
           template="deals/email/registration_event.txt", context={"registration": registration, "event": event},
           url=reverse("deals:portal_detail", args=[registration.pk]), link_label="Open the registration")


def _notify_manager(registration: Registration, event: str, *, fallback_to_admins: bool = False,
                    reasons: list[str] | None = None) -> None:
    """Tell the partner's channel manager; with `fallback_to_admins`, the program admins when it has none."""
    manager = registration.partner.manager
    people = [manager] if manager and manager.is_active else []
    if not people and fallback_to_admins:
        people = list(User.objects.filter(role=Role.ADMIN, is_active=True))
    if people:
        notify(users=people, subject=_SUBJECTS[event].format(customer=registration.customer_name),
               summary=_summary(registration, event),
               template="deals/email/registration_event.txt",
               context={"registration": registration, "event": event, "reasons": reasons or [],
                        "review_hours": DealProgram.current().review_target_hours},
               url=reverse("deals:console_detail", args=[registration.pk]), link_label="Review the registration")
