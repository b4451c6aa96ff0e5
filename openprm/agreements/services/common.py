"""What every agreements module shares: the audited fields, who may do what, and notifications."""

from django.urls import reverse

from openprm.accounts.models import Role
from openprm.accounts.services import notify
from openprm.lib.regions import Region

from ..exceptions import NotAllowed
from ..models import (
    Agreement,
    AgreementStatus,
)

Status = AgreementStatus

# Reminders go this many days before the notice date and before the end of the term.
NOTICE_REMINDER_DAYS = 30
EXPIRY_REMINDER_DAYS = 30

AUDIT_FIELDS = ["status", "kind", "template_version", "starts_on", "ends_on", "auto_renew", "notice_days",
                "territories", "segments", "products", "responsibilities_vendor", "responsibilities_partner",
                "discount_percent", "margin_percent", "payment_terms_days", "support_split", "ip_terms",
                "termination_terms", "commission_plan", "whitelabel", "whitelabel_terms", "signer_name",
                "termination_reason"]
# What a draft's author may set; the rest is the lifecycle's.
EDITABLE_FIELDS = ["kind", "starts_on", "ends_on", "auto_renew", "notice_days", "territories", "segments",
                   "products", "responsibilities_vendor", "responsibilities_partner", "discount_percent",
                   "margin_percent", "payment_terms_days", "support_split", "ip_terms", "termination_terms",
                   "commission_plan", "whitelabel", "whitelabel_terms"]
TEMPLATE_TEXT_FIELDS = ["responsibilities_vendor", "responsibilities_partner", "support_split", "ip_terms",
                        "termination_terms"]
REGION_CODES = {r.value for r in Region}


# ---------------------------------------------------------------- who may do what

def can_manage(actor, partner) -> bool:
    """Program admins and the partner's own channel manager draft, send and terminate its agreements."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    return actor.role == Role.ADMIN or (actor.role == Role.CHANNEL_MANAGER and partner.manager_id == actor.pk)


def can_sign(actor, agreement: Agreement) -> bool:
    """Only a partner admin of the agreement's own partner signs it."""
    return (actor is not None and getattr(actor, "is_authenticated", False) and actor.role == Role.PARTNER_ADMIN
            and actor.partner_id == agreement.partner_id)


def _require_manager(actor, partner) -> None:
    if not can_manage(actor, partner):
        raise NotAllowed("Only program admins and the partner's channel manager manage its agreements.")


def _locked(agreement: Agreement) -> Agreement:
    """The agreement row locked for this transaction, so two changes to one agreement run one after the other."""
    return Agreement.objects.select_for_update().select_related("partner", "template").get(pk=agreement.pk)


# ---------------------------------------------------------------- notifications

_SUBJECTS = {
    "sent": "Please sign your {kind} agreement",
    "signed": "{partner} signed its {kind} agreement",
    "terminated": "Your {kind} agreement was terminated",
    "expired": "Your {kind} agreement has expired",
    "renewed": "The {kind} agreement of {partner} renewed for another term",
    "notice_reminder": "Notice date coming up for the {kind} agreement of {partner}",
    "expiry_reminder": "The {kind} agreement of {partner} ends soon",
}


_SUMMARIES = {
    "sent": "Please review and sign it in the partner portal ({period}).",
    "signed": "{signer} signed it ({period}).",
    "terminated": "It was terminated: {reason}",
    "expired": "It ended on {ends_on}.",
    "renewed": "It renewed on the same terms ({period}).",
    "notice_reminder": "The notice date is {notice_date}; it ends on {ends_on}.",
    "expiry_reminder": "It ends on {ends_on}.",
}


def _subject(agreement: Agreement, event: str) -> str:
    return _SUBJECTS[event].format(kind=agreement.get_kind_display().lower(), partner=agreement.partner.name)


def _summary(agreement: Agreement, event: str) -> str:
    def day(value):
        return f"{value.day} {value:%B %Y}" if value else "—"

    return _SUMMARIES[event].format(
        period=f"{day(agreement.starts_on)} – {day(agreement.ends_on)}", signer=agreement.signer_name or "The partner",
        reason=agreement.termination_reason or "no reason given", ends_on=day(agreement.ends_on),
        notice_date=day(agreement.notice_date) if agreement.ends_on else "—",
    )


def _notify_partner(agreement: Agreement, event: str) -> None:
    """Tell the agreement's own partner admins (never another partner's people)."""
    admins = agreement.partner.users.filter(role=Role.PARTNER_ADMIN, is_active=True)
    notify(users=list(admins), subject=_subject(agreement, event), summary=_summary(agreement, event),
           template="agreements/email/agreement_event.txt",
           context={"agreement": agreement, "event": event, "side": "partner"},
           url=reverse("agreements:portal_detail", args=[agreement.pk]), link_label="Open the agreement")


def _notify_manager(agreement: Agreement, event: str) -> None:
    """Tell the partner's channel manager, when it has one."""
    manager = agreement.partner.manager
    if manager is not None:
        notify(users=[manager], subject=_subject(agreement, event), summary=_summary(agreement, event),
               template="agreements/email/agreement_event.txt",
               context={"agreement": agreement, "event": event, "side": "vendor"},
               url=reverse("agreements:console_detail", args=[agreement.pk]), link_label="Open the agreement")
