"""An agreement's life after drafting: send, sign, terminate, and the scheduled activation, renewal or
expiry and reminders."""

import ipaddress
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.lib import clock
from openprm.lib.text import fold_person_name

from ..exceptions import AlreadySigned, InvalidAgreementTransition, NotAllowed, ValidationFailed
from ..models import (
    Agreement,
)
from .common import (
    AUDIT_FIELDS,
    EDITABLE_FIELDS,
    EXPIRY_REMINDER_DAYS,
    NOTICE_REMINDER_DAYS,
    Status,
    _locked,
    _notify_manager,
    _notify_partner,
    _require_manager,
    can_sign,
)
from .drafting import default_end

# ---------------------------------------------------------------- lifecycle

def _transition(*, actor, agreement: Agreement, verb: str, note: str = "", ip_address=None, **fields) -> Agreement:
    before = audit.snapshot(agreement, AUDIT_FIELDS)
    for field, value in fields.items():
        setattr(agreement, field, value)
    agreement.save()
    audit.record(actor=actor, action=Action.TRANSITION, verb=verb, obj=agreement, partner=agreement.partner,
                 changes=audit.diff(before, audit.snapshot(agreement, AUDIT_FIELDS)), note=note,
                 ip_address=ip_address)
    return agreement


def _assign_commission_plan(*, actor, agreement: Agreement) -> None:
    """Put the partner on the plan the agreement names, from its start date (idempotent).

    Commissions builds on agreements, so the plan assignment is reached through a dotted-path setting
    (settings.AGREEMENT_PLAN_ASSIGNER) rather than an import, as the tier review asks for its facts."""
    path = getattr(settings, "AGREEMENT_PLAN_ASSIGNER", "")
    if path and agreement.commission_plan_id:
        import_string(path)(actor=actor, agreement=agreement)


@transaction.atomic
def send(*, actor, agreement: Agreement) -> Agreement:
    """Draft → sent: the partner's admins are asked to sign it in the portal."""
    agreement = _locked(agreement)
    _require_manager(actor, agreement.partner)
    if agreement.status != Status.DRAFT:
        raise InvalidAgreementTransition(
            f"Only drafts can be sent; this agreement is {agreement.get_status_display().lower()}.")
    if agreement.ends_on < clock.today():
        raise ValidationFailed("The term is already over.", errors={"ends_on": ["The end date has passed."]})
    _transition(actor=actor, agreement=agreement, verb="agreement.sent", status=Status.SENT, sent_at=clock.moment())
    _notify_partner(agreement, "sent")
    return agreement


def _valid_ip(value) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


@transaction.atomic
def sign(*, actor, agreement: Agreement, signer_name: str, ip_address: str | None = None,
         user_agent: str = "", today: date | None = None) -> Agreement:
    """The partner admin signs by typing their own full name; time, user, e-mail, IP and browser are kept.

    The typed name must be the signer's name on their account (case, accents and spacing aside): a signature
    under another person's name is no signature. The agreement becomes active at once when its term has
    started, else signed until its start date.
    """
    agreement = _locked(agreement)
    if not can_sign(actor, agreement):
        raise NotAllowed("Only a partner admin of this partner can sign its agreement.")
    if agreement.signed_at is not None:
        raise AlreadySigned(f"This agreement was already signed by {agreement.signer_name} "
                            f"on {timezone.localtime(agreement.signed_at):%Y-%m-%d}.")
    if agreement.status != Status.SENT:
        raise InvalidAgreementTransition(
            f"Only agreements sent for signature can be signed; this one is {agreement.get_status_display().lower()}.")
    name = " ".join((signer_name or "").split())
    if not name:
        raise ValidationFailed("Type your full name to sign.", errors={"signer_name": ["Type your full name to sign."]})
    if len(name) > 150:
        raise ValidationFailed("The name is too long.", errors={"signer_name": ["At most 150 characters."]})
    own_name = " ".join((actor.full_name or "").split())
    if not own_name:
        raise ValidationFailed("Add your full name to your account before signing.",
                               errors={"signer_name": ["Your account has no full name yet: add it in My account."]})
    if fold_person_name(name) != fold_person_name(own_name):
        raise ValidationFailed("Sign with your own name.",
                               errors={"signer_name": [f"Type your full name as on your account: {own_name}."]})
    today = today or clock.today()
    if agreement.ends_on < today:
        raise ValidationFailed("The agreement's term is already over; ask your channel manager for a new one.",
                               errors={"ends_on": ["The end date has passed."]})
    now = clock.moment()
    starts = agreement.starts_on <= today
    _transition(actor=actor, agreement=agreement, verb="agreement.signed", ip_address=_valid_ip(ip_address),
                note=f"signed by {name}", status=Status.ACTIVE if starts else Status.SIGNED, signed_at=now,
                signed_by=actor, signer_name=name, signer_ip=_valid_ip(ip_address), signer_email=actor.email,
                signer_user_agent=(user_agent or "")[:300],
                activated_at=now if starts else None)
    _assign_commission_plan(actor=actor, agreement=agreement)
    _notify_manager(agreement, "signed")
    return agreement


@transaction.atomic
def terminate(*, actor, agreement: Agreement, reason: str) -> Agreement:
    """End an agreement before its term is over (or withdraw a draft or unsigned one); the reason is required."""
    agreement = _locked(agreement)
    _require_manager(actor, agreement.partner)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Give the reason for the termination.", errors={"reason": ["Give the reason."]})
    if agreement.is_final:
        raise InvalidAgreementTransition(
            f"This agreement has already ended ({agreement.get_status_display().lower()}).")
    _transition(actor=actor, agreement=agreement, verb="agreement.terminated", note=reason,
                status=Status.TERMINATED, terminated_at=clock.moment(), terminated_on=clock.today(),
                terminated_by=actor, termination_reason=reason)
    _notify_partner(agreement, "terminated")
    return agreement


# ---------------------------------------------------------------- scheduled

def activate_due(*, today: date | None = None) -> int:
    """Signed agreements whose start date has come become active."""
    today = today or clock.today()
    count = 0
    due = Agreement.objects.filter(status=Status.SIGNED, starts_on__lte=today)
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            agreement = Agreement.objects.select_for_update().select_related("partner").get(pk=pk)
            if agreement.status != Status.SIGNED or agreement.starts_on > today:
                continue
            _transition(actor="system", agreement=agreement, verb="agreement.activated", status=Status.ACTIVE,
                        activated_at=clock.moment(), note=f"term started {agreement.starts_on}")
            _assign_commission_plan(actor="system", agreement=agreement)
            count += 1
    return count


def _next_term(agreement: Agreement) -> tuple[date, date]:
    """The next term: it starts the day after this one ends and is as long (whole months when they are)."""
    starts = agreement.ends_on + timedelta(days=1)
    for months in range(1, 121):
        if default_end(agreement.starts_on, months) == agreement.ends_on:
            return starts, default_end(starts, months)
    return starts, starts + (agreement.ends_on - agreement.starts_on)


def end_due(*, today: date | None = None) -> dict[str, int]:
    """Agreements whose term is over (ends_on before today): auto-renewing ones are renewed — the next term
    is a new active agreement pointing back at this one — and the others expire."""
    today = today or clock.today()
    counts = {"renewed": 0, "expired": 0}
    due = Agreement.objects.filter(status__in=[Status.ACTIVE, Status.SIGNED], ends_on__lt=today)
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            agreement = Agreement.objects.select_for_update().select_related("partner", "template").get(pk=pk)
            if agreement.status not in (Status.ACTIVE, Status.SIGNED) or agreement.ends_on >= today:
                continue
            if agreement.auto_renew:
                _renew(agreement)
                counts["renewed"] += 1
            else:
                _transition(actor="system", agreement=agreement, verb="agreement.expired", status=Status.EXPIRED,
                            ended_at=clock.moment(), note=f"term ended {agreement.ends_on}")
                _notify_partner(agreement, "expired")
                counts["expired"] += 1
    return counts


def _renew(agreement: Agreement) -> Agreement:
    starts, ends = _next_term(agreement)
    copied = {field: getattr(agreement, field) for field in EDITABLE_FIELDS if field not in ("starts_on", "ends_on")}
    now = clock.moment()
    renewal = Agreement.objects.create(
        partner=agreement.partner, template=agreement.template, template_version=agreement.template_version,
        starts_on=starts, ends_on=ends, status=Status.ACTIVE, renewed_from=agreement,
        # The renewal continues the signed agreement: same signature, carried over.
        signed_at=agreement.signed_at, signed_by=agreement.signed_by, signer_name=agreement.signer_name,
        signer_ip=agreement.signer_ip, sent_at=agreement.sent_at, activated_at=now, **copied)
    _transition(actor="system", agreement=agreement, verb="agreement.renewed", status=Status.RENEWED, ended_at=now,
                note=f"renewed as #{renewal.pk} for {starts} – {ends}")
    audit.record_create(actor="system", obj=renewal, verb="agreement.created", partner=agreement.partner,
                        fields=AUDIT_FIELDS, note=f"automatic renewal of #{agreement.pk}")
    _assign_commission_plan(actor="system", agreement=renewal)
    _notify_partner(renewal, "renewed")
    _notify_manager(renewal, "renewed")
    return renewal


def send_reminders(*, today: date | None = None) -> int:
    """Remind the partner's admins and its channel manager before the notice date and before the end of the
    term; each reminder goes once per agreement."""
    today = today or clock.today()
    sent = 0
    candidates = Agreement.objects.filter(status__in=[Status.ACTIVE, Status.SIGNED], ends_on__gte=today)
    for agreement in candidates.only("pk", "ends_on", "notice_days", "notice_reminder_sent_on",
                                     "expiry_reminder_sent_on"):
        due = []
        if agreement.notice_reminder_sent_on is None and \
                agreement.notice_date - timedelta(days=NOTICE_REMINDER_DAYS) <= today <= agreement.notice_date:
            due.append("notice")
        if agreement.expiry_reminder_sent_on is None and \
                agreement.ends_on - timedelta(days=EXPIRY_REMINDER_DAYS) <= today <= agreement.ends_on:
            due.append("expiry")
        for which in due:
            with transaction.atomic():
                # of=self: PostgreSQL refuses FOR UPDATE on the nullable side of the manager's outer join.
                locked = (Agreement.objects.select_for_update(of=("self",))
                          .select_related("partner", "partner__manager").get(pk=agreement.pk))
                flag = f"{which}_reminder_sent_on"
                if getattr(locked, flag) is not None or locked.status not in (Status.ACTIVE, Status.SIGNED):
                    continue
                setattr(locked, flag, today)
                locked.save(update_fields=[flag])
                note = f"notice date {locked.notice_date}" if which == "notice" else f"ends {locked.ends_on}"
                audit.record(actor="system", action=Action.UPDATE, verb=f"agreement.{which}_reminder", obj=locked,
                             partner=locked.partner, note=note)
                _notify_partner(locked, f"{which}_reminder")
                _notify_manager(locked, f"{which}_reminder")
                sent += 1
    return sent

