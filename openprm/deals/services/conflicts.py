"""Conflict cases: several partners registered the same customer; identify, decide, communicate, prevent."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.lib import clock
from openprm.partners.models import Partner

from ..exceptions import InvalidDealTransition, NotAllowed, ValidationFailed
from ..models import (
    ConflictCase,
    ConflictDecision,
    ConflictNote,
    ConflictStep,
    DealProgram,
    NamedAccount,
    Registration,
)
from ..models import RegistrationStatus as Status
from ._common import _notify_partner, _transition
from .access import can_work_conflicts
from .registration import set_participants


@transaction.atomic
def advance_conflict(*, actor, case: ConflictCase, step: str, note: str = "") -> ConflictCase:
    """Record a note on a step and move the case to that step (never backwards; prevent needs a decision)."""
    if not can_work_conflicts(actor):
        raise NotAllowed("Conflict cases are worked by channel managers and program admins.")
    case = ConflictCase.objects.select_for_update().get(pk=case.pk)
    if step not in ConflictStep.values:
        raise ValidationFailed("Unknown step.", errors={"step": [f"Choose one of: {', '.join(ConflictStep.values)}."]})
    if not case.is_open:
        raise InvalidDealTransition("The conflict case is closed.")
    order = ConflictStep.values
    if order.index(step) < order.index(case.step):
        raise InvalidDealTransition(f"The case is already at {case.get_step_display()}.")
    if order.index(step) > order.index(ConflictStep.DECIDE) and not case.decision:
        raise InvalidDealTransition("Decide the case before communicating or preventing.")
    note = (note or "").strip()
    before = case.step
    case.step = step
    case.save(update_fields=["step"])
    if note:
        ConflictNote.objects.create(case=case, step=step, note=note, author=actor)
    audit.record(actor=actor, action=Action.TRANSITION, verb="conflict.advanced", obj=case,
                 changes={"step": [before, step]} if before != step else {}, note=note)
    return case


@transaction.atomic
def decide_conflict(*, actor, case: ConflictCase, decision: str, registration: Registration | None = None,
                    participants: list[dict] | None = None, note: str = "") -> ConflictCase:
    """Decide a conflict and apply it to every registration in the case, then notify every party.

    award: the chosen registration is approved (protected), the others rejected or canceled.
    co_sell: the chosen registration is approved with the given participants and splits; the others canceled.
    vendor_direct / reject_all: every open registration in the case is rejected.
    """
    if not can_work_conflicts(actor):
        raise NotAllowed("Conflict cases are decided by channel managers and program admins.")
    case = ConflictCase.objects.select_for_update().get(pk=case.pk)
    if not case.is_open or case.decision:
        raise InvalidDealTransition("This conflict case is already decided.")
    if decision not in ConflictDecision.values:
        raise ValidationFailed("Unknown decision.",
                               errors={"decision": [f"Choose one of: {', '.join(ConflictDecision.values)}."]})
    involved = list(case.registrations.select_for_update().select_related("partner").order_by("submitted_at", "pk"))
    if decision in (ConflictDecision.AWARD, ConflictDecision.CO_SELL):
        if registration is None or registration.pk not in {r.pk for r in involved}:
            raise ValidationFailed("Choose the registration.",
                                   errors={"registration": ["Choose one of the case's registrations."]})
    if decision == ConflictDecision.CO_SELL and not participants:
        raise ValidationFailed("Give the co-selling splits.", errors={"participants": ["Give the participants."]})
    note = (note or "").strip()
    now = clock.moment()
    program = DealProgram.current()
    for reg in involved:
        if reg.status not in (Status.SUBMITTED, Status.CONFLICT, Status.APPROVED):
            continue
        if registration is not None and reg.pk == registration.pk:
            fields = {"status": Status.APPROVED, "decided_at": now, "decided_by": actor,
                      "decision_note": note or "Awarded in the conflict case."}
            if reg.status != Status.APPROVED:
                fields.update(approved_at=now,
                              protected_until=timezone.localdate(now) + timedelta(days=program.protection_days))
            _transition(actor=actor, registration=reg, verb="registration.approved", note=note, **fields)
            _notify_partner(reg, "approved")
        else:
            outcome = Status.CANCELED if decision == ConflictDecision.CO_SELL or reg.status == Status.APPROVED \
                else Status.REJECTED
            reason = {
                ConflictDecision.AWARD: "The customer was awarded to another registration.",
                ConflictDecision.CO_SELL: "Merged into a co-selling registration.",
                ConflictDecision.VENDOR_DIRECT: "The vendor sells to this customer directly.",
                ConflictDecision.REJECT_ALL: "All registrations in the conflict were rejected.",
            }[decision]
            _transition(actor=actor, registration=reg, verb=f"registration.{outcome}", note=note or reason,
                        status=outcome, decided_at=now, decided_by=actor, decision_note=note or reason)
            _notify_partner(reg, "rejected")
    if decision == ConflictDecision.CO_SELL:
        set_participants(actor=actor, registration=registration, participants=participants)
    case.decision, case.decision_note, case.decided_at, case.decided_by = decision, note, now, actor
    case.step = ConflictStep.COMMUNICATE
    case.save()
    ConflictNote.objects.create(case=case, step=ConflictStep.DECIDE, author=actor,
                                note=f"Decision: {ConflictDecision(decision).label}. {note}".strip())
    audit.record(actor=actor, action=Action.TRANSITION, verb="conflict.decided", obj=case,
                 changes={"decision": ["", decision]}, note=note)
    return case


@transaction.atomic
def prevent_conflict(*, actor, case: ConflictCase, note: str, named_account_partner: Partner | None = None
                     ) -> ConflictCase:
    """Close a decided case with its prevention step, optionally assigning the customer as a named account."""
    if not can_work_conflicts(actor):
        raise NotAllowed("Conflict cases are worked by channel managers and program admins.")
    case = ConflictCase.objects.select_for_update().get(pk=case.pk)
    if not case.decision:
        raise InvalidDealTransition("Decide the case before the prevention step.")
    if not case.is_open:
        raise InvalidDealTransition("The conflict case is closed.")
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("Describe the prevention action.", errors={"note": ["What prevents a repeat?"]})
    if named_account_partner is not None:
        NamedAccount.objects.update_or_create(customer=case.customer,
                                              defaults={"partner": named_account_partner, "source_case": case})
        note += f" Named account assigned to {named_account_partner.name}."
    case.step, case.closed_at = ConflictStep.PREVENT, clock.moment()
    case.save(update_fields=["step", "closed_at"])
    ConflictNote.objects.create(case=case, step=ConflictStep.PREVENT, author=actor, note=note)
    audit.record(actor=actor, action=Action.TRANSITION, verb="conflict.closed", obj=case,
                 changes={"step": [ConflictStep.COMMUNICATE, ConflictStep.PREVENT]}, note=note)
    return case
