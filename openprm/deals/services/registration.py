"""A registration's life: submit (with matching), review, extension, outcome, co-selling participants."""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.lib import clock
from openprm.lib.money import CURRENCIES, format_money, quantize
from openprm.lib.regions import COUNTRIES
from openprm.lib.text import InvalidDomain, parse_domain
from openprm.partners.models import Partner, Stage
from openprm.programs import services as fx
from openprm.programs.exceptions import MissingFxRate

from ..exceptions import (
    DuplicateRegistration,
    InvalidDealTransition,
    NotAllowed,
    ParticipantsFrozen,
    ValidationFailed,
)
from ..models import (
    ConflictCase,
    ConflictNote,
    ConflictStep,
    DealProgram,
    ExtensionStatus,
    Lead,
    LeadStatus,
    MatchLock,
    Participant,
    ParticipantRole,
    Registration,
)
from ..models import RegistrationStatus as Status
from ._common import _check_notes, _check_products, _locked, _notify_manager, _notify_partner, _transition
from .access import REGISTERING_ROLES, can_close, can_register_for, can_review
from .matching import _find_or_create_customer, matching_registrations
from .prevention import territory_flags

# Partners in these stages earn nothing new, so they cannot be added to a deal's participants.
NOT_EARNING_STAGES = (Stage.SUSPENDED, Stage.TERMINATED)


def _clean_submission(data: dict, program: DealProgram) -> dict:
    """A submission's values, normalized, or ValidationFailed naming every field that is wrong."""
    errors: dict[str, list[str]] = {}
    name = (data.get("customer_name") or "").strip()
    if not name:
        errors["customer_name"] = ["Enter the customer's company name."]
    elif len(name) > 200:
        errors["customer_name"] = ["At most 200 characters."]
    try:
        domain = parse_domain(data.get("customer_domain") or "")
    except InvalidDomain:
        domain = ""
        errors["customer_domain"] = ["Enter a domain such as customer.com."]
    country = (data.get("customer_country") or "").upper()
    if country not in COUNTRIES:
        errors["customer_country"] = ["Choose a country (ISO code such as US or DE)."]
    currency = (data.get("currency") or "").upper()
    if currency not in CURRENCIES:
        errors["currency"] = ["Choose a supported currency code such as USD or EUR."]
    amount = data.get("amount")
    try:
        amount = Decimal(str(amount)) if amount not in (None, "") else None
    except InvalidOperation:
        amount = None
        errors["amount"] = ["Enter an amount such as 125000.00."]
    if amount is None and "amount" not in errors:
        errors["amount"] = ["Enter the estimated amount."]
    elif amount is not None and (not amount.is_finite() or amount <= 0):
        errors["amount"] = ["The amount must be greater than zero."]
    elif amount is not None and amount >= Decimal("1e12"):
        errors["amount"] = ["The amount is too large."]
    if amount is not None and "amount" not in errors and "currency" not in errors:
        _check_minimum(amount, currency, program, errors)
    close = data.get("expected_close_date")
    if isinstance(close, str):
        try:
            close = date.fromisoformat(close)
        except ValueError:
            close = None
    if not isinstance(close, date):
        errors["expected_close_date"] = ["Enter the expected close date (YYYY-MM-DD)."]
    elif close < clock.today():
        errors["expected_close_date"] = ["The expected close date is in the past."]
    elif close > (latest := clock.today() + timedelta(days=program.max_close_days)):
        errors["expected_close_date"] = [f"The expected close date is too far ahead: the latest allowed is "
                                         f"{latest.isoformat()}."]
    products = _check_products(data.get("products") or [], errors)
    notes = _check_notes(data.get("notes"), errors)
    contact_email = (data.get("contact_email") or "").strip()
    if contact_email:
        try:
            validate_email(contact_email)
        except DjangoValidationError:
            errors["contact_email"] = ["Enter a valid e-mail address."]
        else:
            if len(contact_email) > 254:  # the validator allows 320; the column holds 254
                errors["contact_email"] = ["At most 254 characters."]
    if errors:
        raise ValidationFailed("Please correct the registration.", errors=errors)
    return {
        "customer_name": name, "customer_domain": domain, "customer_country": country,
        "contact_name": (data.get("contact_name") or "").strip()[:150],
        "contact_email": contact_email,
        "contact_phone": (data.get("contact_phone") or "").strip()[:40],
        "products": products,
        "amount": quantize(amount, currency), "currency": currency, "expected_close_date": close,
        "notes": notes,
    }


def _check_minimum(amount: Decimal, currency: str, program: DealProgram, errors: dict) -> None:
    """The program's minimum deal value, for a deal in any currency: both sides converted to the program
    currency at today's stored FX rate. A currency without a rate is a field error (never skipped, never 1:1)."""
    minimum = program.minimum_amount
    if minimum is None:
        return
    shown = format_money(minimum, program.minimum_currency)
    if currency == program.minimum_currency:
        if amount < minimum:
            errors["amount"] = [f"The program registers deals of at least {shown}."]
        return
    today = clock.today()
    try:
        value = fx.convert(amount, currency, today)
        floor = fx.convert(minimum, program.minimum_currency, today)
    except MissingFxRate as exc:
        missing = exc.extra.get("currency", currency)
        errors["currency"] = [f"No FX rate for {missing} on {today.isoformat()}, so the minimum deal value of "
                              f"{shown} cannot be checked. Register in {program.minimum_currency}, or ask the "
                              "program admin to add the rate."]
        return
    if value < floor:
        errors["amount"] = [f"The program registers deals of at least {shown} "
                            f"(about {format_money(floor / fx.rate_on(currency, today), currency)} at today's rate)."]


# ---------------------------------------------------------------- submit

@transaction.atomic
def register(*, actor, partner: Partner, data: dict) -> Registration:
    """Register an opportunity. First to register wins: a later one for the same customer goes to conflict.

    The same partner registering the same customer again gets DuplicateRegistration naming its existing one.
    """
    if not can_register_for(actor, partner):
        raise NotAllowed("You may not register deals for this partner.")
    if partner.stage != Stage.ACTIVE:
        raise ValidationFailed("Only active partners register deals.",
                               errors={"partner": ["The partner is not active in the program."]})
    program = DealProgram.current()
    clean = _clean_submission(data, program)
    # Serialize matching + insert: the row lock (PostgreSQL) or the immediate write transaction (SQLite)
    # makes the second of two simultaneous submissions see the first.
    MatchLock.objects.select_for_update().get_or_create(pk=1)
    matches = matching_registrations(name=clean["customer_name"], domain=clean["customer_domain"],
                                     country=clean["customer_country"], products=clean["products"],
                                     program=program)
    own = [r for r in matches if r.partner_id == partner.pk]
    if own:
        raise DuplicateRegistration(
            f"You already registered this customer (registration #{own[0].pk}).",
            errors={"customer_name": [f"Already registered by you as #{own[0].pk}."]},
            registration=own[0].pk,
        )
    customer = _find_or_create_customer(clean, matches, program)
    flags = territory_flags(partner=partner, country=clean["customer_country"], customer=customer)
    registration = Registration.objects.create(partner=partner, customer=customer, submitted_by=actor,
                                               outside_territory=bool(flags), **clean)
    Participant.objects.create(registration=registration, partner=partner, role=ParticipantRole.SOURCED,
                               split_percent=Decimal("100"))
    audit.record_create(actor=actor, obj=registration, verb="registration.submitted", partner=partner,
                        fields=["customer_name", "customer_domain", "customer_country", "amount", "currency",
                                "expected_close_date", "products", "status", "outside_territory"],
                        note=" ".join(flags))
    if matches:
        _open_conflict(actor=actor, registration=registration, earlier=matches)  # tells each party itself
    else:
        _notify_partner(registration, "submitted")
    # The channel manager (or, without one, the program admins) hears of every new registration at once: the
    # review target counts from now. A territory flag says so in the same notice.
    if flags:
        _notify_manager(registration, "outside_territory", fallback_to_admins=True, reasons=flags)
    else:
        _notify_manager(registration, "new", fallback_to_admins=True)
    return registration


def _open_conflict(*, actor, registration: Registration, earlier: list[Registration]) -> ConflictCase:
    """Put `registration` and the earlier ones it matches into one open conflict case (a new one if
    none is open), and tell each partner about its own registration."""
    case = next((r.conflict_case for r in earlier if r.conflict_case and r.conflict_case.is_open), None)
    if case is None:
        case = ConflictCase.objects.create(customer=earlier[0].customer)
        ConflictNote.objects.create(case=case, step=ConflictStep.IDENTIFY, author=None,
                                    note=f"Opened automatically: registration #{registration.pk} matches "
                                         + ", ".join(f"#{r.pk}" for r in earlier) + ".")
        audit.record(actor=actor, action=Action.CREATE, verb="conflict.opened", obj=case,
                     note=f"registrations {[r.pk for r in earlier] + [registration.pk]}")
    # Only the newcomer waits in conflict; earlier registrations keep their status and join the case.
    for reg in [*earlier, registration]:
        if reg.conflict_case_id == case.pk:
            continue
        before = {"status": reg.status, "conflict_case": reg.conflict_case_id}
        if reg.pk == registration.pk:
            reg.status = Status.CONFLICT
        reg.conflict_case = case
        reg.save(update_fields=["status", "conflict_case"])
        audit.record(actor=actor, action=Action.TRANSITION, verb="registration.conflict", obj=reg,
                     partner=reg.partner,
                     changes=audit.diff(before, {"status": reg.status, "conflict_case": case.pk}))
        _notify_partner(reg, "conflict")
    return case


@transaction.atomic
def approve(*, actor, registration: Registration, note: str = "") -> Registration:
    """Approve a submitted registration: protection runs for the program's days from today."""
    registration = _locked(registration)
    if not can_review(actor, registration.partner):
        raise NotAllowed("Only the partner's channel manager or a program admin approves registrations.")
    if registration.status != Status.SUBMITTED:
        raise InvalidDealTransition(f"A registration that is {registration.get_status_display().lower()} "
                                    "cannot be approved." + (" Decide its conflict case instead."
                                                             if registration.status == Status.CONFLICT else ""))
    program = DealProgram.current()
    now = clock.moment()
    _transition(actor=actor, registration=registration, verb="registration.approved", note=note,
                status=Status.APPROVED, approved_at=now, decided_at=now, decided_by=actor,
                decision_note=(note or "").strip(),
                protected_until=timezone.localdate(now) + timedelta(days=program.protection_days))
    _notify_partner(registration, "approved")
    return registration


@transaction.atomic
def reject(*, actor, registration: Registration, reason: str) -> Registration:
    """Reject a submitted registration; the reason is required and sent to the partner."""
    registration = _locked(registration)
    if not can_review(actor, registration.partner):
        raise NotAllowed("Only the partner's channel manager or a program admin rejects registrations.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Give the reason.", errors={"reason": ["A reason is required to reject."]})
    if registration.status != Status.SUBMITTED:
        raise InvalidDealTransition(
            f"A registration that is {registration.get_status_display().lower()} cannot be rejected.")
    _transition(actor=actor, registration=registration, verb="registration.rejected", note=reason,
                status=Status.REJECTED, decided_at=clock.moment(), decided_by=actor, decision_note=reason)
    _notify_partner(registration, "rejected")
    return registration


@transaction.atomic
def request_extension(*, actor, registration: Registration, reason: str) -> Registration:
    """The partner asks, once, for more protection time on an approved registration."""
    registration = _locked(registration)
    if not (actor.role in REGISTERING_ROLES and actor.partner_id == registration.partner_id):
        raise NotAllowed("The registering partner asks for extensions.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Give the reason.", errors={"reason": ["Say why the deal needs more time."]})
    if registration.status != Status.APPROVED or registration.protected_until < clock.today():
        raise InvalidDealTransition("Only an approved, still protected registration can be extended.")
    if registration.extension_status != ExtensionStatus.NONE:
        raise InvalidDealTransition("An extension was already requested for this registration.")
    _transition(actor=actor, registration=registration, verb="registration.extension_requested", note=reason,
                extension_status=ExtensionStatus.REQUESTED, extension_reason=reason)
    _notify_manager(registration, "extension_requested")
    return registration


@transaction.atomic
def decide_extension(*, actor, registration: Registration, approve: bool, note: str = "") -> Registration:
    """The manager grants (+ the program's extension days) or declines the requested extension."""
    registration = _locked(registration)
    if not can_review(actor, registration.partner):
        raise NotAllowed("Only the partner's channel manager or a program admin decides extensions.")
    if registration.extension_status != ExtensionStatus.REQUESTED or registration.status != Status.APPROVED:
        raise InvalidDealTransition("There is no pending extension request on this registration.")
    fields = {"extension_status": ExtensionStatus.APPROVED if approve else ExtensionStatus.DECLINED}
    if approve:
        fields["protected_until"] = registration.protected_until + timedelta(days=DealProgram.current().extension_days)
        fields["reminder_sent_on"] = None
    _transition(actor=actor, registration=registration, note=note,
                verb="registration.extension_approved" if approve else "registration.extension_declined", **fields)
    _notify_partner(registration, "extension_approved" if approve else "extension_declined")
    return registration


@transaction.atomic
def close(*, actor, registration: Registration, outcome: str, amount=None, currency: str | None = None,
          closed_on: date | None = None, reason: str = "") -> Registration:
    """Record the outcome of an approved registration: won (final amount, currency, date) or lost (reason).

    The registration returned carries `close_warnings`: sentences for the person closing it — a won deal's
    participant with no commission plan in force on the close date earned nothing, and must not go unnoticed.
    """
    registration = _locked(registration)
    registration.close_warnings = []
    if not can_close(actor, registration.partner):
        raise NotAllowed("Outcomes are entered by the vendor.")
    if registration.status != Status.APPROVED:
        raise InvalidDealTransition(
            f"Only approved registrations close; this one is {registration.get_status_display().lower()}.")
    closed_on = closed_on or clock.today()
    if isinstance(closed_on, str):
        try:
            closed_on = date.fromisoformat(closed_on)
        except ValueError:
            raise ValidationFailed("Invalid date.", errors={"closed_on": ["Use YYYY-MM-DD."]}) from None
    if closed_on > clock.today():
        # One sentence for the summary and the field alike: `error_text` joins them only when they differ.
        future = "The close date cannot be in the future."
        raise ValidationFailed(future, errors={"closed_on": [future]})
    if closed_on < timezone.localdate(registration.submitted_at):
        before = "The close date cannot be before the deal was registered."
        raise ValidationFailed(before, errors={"closed_on": [before]})
    if outcome == "won":
        currency = (currency or registration.currency).upper()
        if currency not in CURRENCIES:
            raise ValidationFailed("Unknown currency.", errors={"currency": ["Choose a currency such as USD."]})
        try:
            value = Decimal(str(amount if amount not in (None, "") else registration.amount))
        except InvalidOperation:
            raise ValidationFailed("Invalid amount.", errors={"amount": ["Enter an amount."]}) from None
        if not value.is_finite() or value <= 0:
            raise ValidationFailed("Invalid amount.", errors={"amount": ["The amount must be greater than zero."]})
        _transition(actor=actor, registration=registration, verb="registration.won", status=Status.WON,
                    won_amount=quantize(value, currency), won_currency=currency, closed_on=closed_on)
        _convert_lead_of(actor=actor, registration=registration)
        # Commissions accrue in the same transaction as the win (ARCHITECTURE: explicit calls, no signals);
        # imported here because commissions builds on deals, not the other way round.
        from openprm.commissions.services import accrue_registration, no_plan_warnings

        accrue_registration(registration=registration)
        registration.close_warnings = no_plan_warnings(registration=registration)
    elif outcome == "lost":
        reason = (reason or "").strip()
        if not reason:
            raise ValidationFailed("Give the reason.", errors={"reason": ["Why was the deal lost?"]})
        _transition(actor=actor, registration=registration, verb="registration.lost", status=Status.LOST,
                    closed_on=closed_on, lost_reason=reason, note=reason)
    else:
        raise ValidationFailed("Unknown outcome.", errors={"outcome": ["Choose won or lost."]})
    _notify_partner(registration, outcome)
    return registration


@transaction.atomic
def set_participants(*, actor, registration: Registration, participants: list[dict]) -> Registration:
    """Replace the co-selling participants: partners with roles and splits that sum to exactly 100.

    Only partners the actor may see (partners.scoping) and that may earn (not suspended or terminated) can
    take part. Once the deal is closed (won or lost) its participants are frozen: commissions, SPIFFs and
    targets were booked for exactly them, so a correction is a refund plus a new registration.
    """
    registration = _locked(registration)
    if not can_review(actor, registration.partner):
        raise NotAllowed("Co-selling splits are set by the partner's channel manager or a program admin.")
    if registration.status in (Status.WON, Status.LOST):
        raise ParticipantsFrozen(
            f"The deal is closed as {registration.get_status_display().lower()}: its participants are frozen. "
            "To correct them, refund the deal and register it again with the right participants.",
            errors={"participants": ["Participants cannot change once the deal is closed."]})
    if registration.status in (Status.REJECTED, Status.EXPIRED, Status.CANCELED):
        raise InvalidDealTransition("Splits cannot change on a closed-out registration.")
    visible = Partner.objects.for_user(actor)
    errors, rows, seen = {}, [], set()
    for index, item in enumerate(participants or []):
        try:
            split = Decimal(str(item.get("split_percent")))
        except (InvalidOperation, TypeError):
            split = None
        try:
            partner = visible.filter(pk=item.get("partner")).first()
        except (ValueError, TypeError, OverflowError):
            partner = None
        if partner is None:
            # A partner the actor may not see answers as one that does not exist (partner isolation).
            errors[f"participants.{index}.partner"] = ["No such partner."]
        elif partner.pk in seen:
            errors[f"participants.{index}.partner"] = ["A partner can appear once."]
        elif partner.stage in NOT_EARNING_STAGES:
            errors[f"participants.{index}.partner"] = [
                f"{partner.name} is {partner.get_stage_display().lower()} and cannot earn on deals."]
        if item.get("role") not in ParticipantRole.values:
            errors[f"participants.{index}.role"] = ["Choose sourced or influenced."]
        valid_split = split is not None and split.is_finite() and 0 < split <= 100
        if not valid_split or split != split.quantize(Decimal("0.01")):
            errors[f"participants.{index}.split_percent"] = ["A percentage above 0, at most 100, two decimals."]
        if partner is not None:
            seen.add(partner.pk)
        rows.append((partner, item.get("role"), split))
    if not participants:
        errors["participants"] = ["Give at least one participant."]
    if not errors:
        total = sum((split for _, _, split in rows), Decimal(0))
        if total != Decimal(100):
            errors["participants"] = [f"Splits must sum to exactly 100; they sum to {total}."]
        if not any(role == ParticipantRole.SOURCED for _, role, _ in rows):
            errors.setdefault("participants", []).append("One participant must be the sourcing partner.")
    if errors:
        raise ValidationFailed("Please correct the participants.", errors=errors)
    before = [[p.partner_id, p.role, str(p.split_percent)] for p in registration.participants.all()]
    registration.participants.all().delete()
    Participant.objects.bulk_create([Participant(registration=registration, partner=partner, role=role,
                                                 split_percent=split) for partner, role, split in rows])
    after = [[p.pk, role, str(split)] for p, role, split in rows]
    audit.record(actor=actor, action=Action.UPDATE, verb="registration.participants_changed", obj=registration,
                 partner=registration.partner, changes={"participants": [before, after]})
    return registration


def _convert_lead_of(*, actor, registration) -> None:
    """A won registration that came from a lead converts that lead."""
    lead = Lead.objects.filter(registration=registration, status=LeadStatus.ACCEPTED).first()
    if lead is not None:
        lead.status = LeadStatus.CONVERTED
        lead.save(update_fields=["status"])
        audit.record(actor=actor, action=Action.TRANSITION, verb="lead.converted", obj=lead, partner=lead.partner,
                     changes={"status": [LeadStatus.ACCEPTED, LeadStatus.CONVERTED]})
