"""Every change to deal registrations: submit with matching, review, protection, extension, outcome, co-sell."""

import csv
import io
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from openprm.accounts.models import PARTNER_ROLES, Role, User
from openprm.accounts.services import notify
from openprm.agreements.services import active_territories, territories_by_partner
from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.lib.matching import name_similarity, normalize_company_name
from openprm.lib.money import CURRENCIES, quantize
from openprm.lib.regions import COUNTRIES
from openprm.lib.text import InvalidDomain, normalize_domain, parse_domain
from openprm.partners.models import Partner, Stage

from .exceptions import (
    DuplicateRegistration,
    InvalidDealTransition,
    NotAllowed,
    ParticipantsFrozen,
    ValidationFailed,
)
from .models import (
    MAX_NOTES_LENGTH,
    MAX_PRODUCT_LENGTH,
    MAX_PRODUCTS,
    ConflictCase,
    ConflictNote,
    ConflictStep,
    Customer,
    DealProgram,
    ExtensionStatus,
    MatchLock,
    NamedAccount,
    Participant,
    ParticipantRole,
    Registration,
)
from .models import RegistrationStatus as Status

AUDIT_FIELDS = ["status", "amount", "currency", "expected_close_date", "protected_until", "extension_status",
                "conflict_case_id", "won_amount", "won_currency", "closed_on", "lost_reason", "decision_note",
                "outside_territory"]
REGISTERING_ROLES = {Role.PARTNER_ADMIN, Role.PARTNER_SALES}
# Partners in these stages earn nothing new, so they cannot be added to a deal's participants.
NOT_EARNING_STAGES = (Stage.SUSPENDED, Stage.TERMINATED)


# ---------------------------------------------------------------- who may do what

def can_register_for(actor, partner) -> bool:
    """Partner admins and sales reps register for their own partner; program admins and its manager too."""
    if actor.role in PARTNER_ROLES:
        return actor.role in REGISTERING_ROLES and actor.partner_id == partner.pk
    return actor.role == Role.ADMIN or (actor.role == Role.CHANNEL_MANAGER and partner.manager_id == actor.pk)


def can_review(actor, partner) -> bool:
    """Program admins and the partner's channel manager decide on registrations; partners never do."""
    return actor.role == Role.ADMIN or (actor.role == Role.CHANNEL_MANAGER and partner.manager_id == actor.pk)


def can_close(actor, partner) -> bool:
    """Outcomes come from the vendor (staff or the CRM sync acting as an admin)."""
    return can_review(actor, partner)


# ---------------------------------------------------------------- input

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
    notes = (notes or "").strip()
    if len(notes) > MAX_NOTES_LENGTH:
        errors["notes"] = [f"At most {MAX_NOTES_LENGTH:,} characters."]
    return notes


def _clean_submission(data: dict, program: DealProgram) -> dict:
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
    if (amount is not None and "amount" not in errors and currency == program.minimum_currency
            and program.minimum_amount is not None and amount < program.minimum_amount):
        errors["amount"] = [f"The program registers deals of at least {program.minimum_amount} {currency}."]
    close = data.get("expected_close_date")
    if isinstance(close, str):
        try:
            close = date.fromisoformat(close)
        except ValueError:
            close = None
    if not isinstance(close, date):
        errors["expected_close_date"] = ["Enter the expected close date (YYYY-MM-DD)."]
    elif close < timezone.localdate():
        errors["expected_close_date"] = ["The expected close date is in the past."]
    elif close > (latest := timezone.localdate() + timedelta(days=program.max_close_days)):
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


# ---------------------------------------------------------------- matching

def _products_overlap(a: list[str], b: list[str]) -> bool:
    """Same product line: no products named on either side means the whole customer."""
    if not a or not b:
        return True
    return bool({p.casefold() for p in a} & {p.casefold() for p in b})


def matching_registrations(*, name: str, domain: str, country: str, products=None, today=None,
                           program: DealProgram | None = None, exclude_pk=None) -> list[Registration]:
    """Active registrations whose customer is the same as this one under the program's matching rules."""
    program = program or DealProgram.current()
    today = today or timezone.localdate()
    normalized = normalize_company_name(name)
    domain = normalize_domain(domain)
    candidates = Registration.objects.active_on(today).select_related("customer", "partner")
    if exclude_pk:
        candidates = candidates.exclude(pk=exclude_pk)
    found = {}
    if program.match_domains and domain:
        for reg in candidates.filter(customer__domain=domain):
            found[reg.pk] = reg
    if program.match_names and normalized:
        for reg in candidates.filter(customer__country=country):
            if name_similarity(normalized, reg.customer.normalized_name) >= program.name_threshold:
                found[reg.pk] = reg
    return [reg for reg in sorted(found.values(), key=lambda r: (r.submitted_at, r.pk))
            if _products_overlap(products or [], reg.products)]


def is_customer_protected(*, name: str, domain: str, country: str, products=None) -> bool:
    """The partner pre-check: whether someone already holds this customer — never who.

    An unparsable domain is a ValidationFailed on `customer_domain` (the pre-check's parameter name).
    """
    try:
        domain = parse_domain(domain or "")
    except InvalidDomain as exc:
        raise ValidationFailed("Invalid domain.", errors={"customer_domain": ["Enter a domain such as customer.com."]}
                               ) from exc
    return bool(matching_registrations(name=name, domain=domain, country=country, products=products))


def _find_or_create_customer(clean: dict, matches: list[Registration], program: DealProgram) -> Customer:
    if matches:
        return matches[0].customer
    customers = Customer.objects.all()
    if clean["customer_domain"]:
        existing = customers.filter(domain=clean["customer_domain"]).first()
        if existing:
            return existing
    normalized = normalize_company_name(clean["customer_name"])
    for customer in customers.filter(country=clean["customer_country"], normalized_name__startswith=normalized[:1]):
        if name_similarity(normalized, customer.normalized_name) >= program.name_threshold:
            return customer
    return Customer.objects.create(name=clean["customer_name"], normalized_name=normalized,
                                   domain=clean["customer_domain"], country=clean["customer_country"])


# ---------------------------------------------------------------- prevention rules

def territory_flags(*, partner: Partner, country: str, customer: Customer | None = None, on: date | None = None
                    ) -> list[str]:
    """Why a registration of `partner` for a customer in `country` needs the channel manager's eye; [] when
    nothing is wrong. The prevention rules of 2.4:

    - territory: the partner's agreements in force on `on` name territories and `country` is not among them
      (regions expand to their countries; no agreement, or one without territories, limits nothing);
    - named account: the customer is assigned to another partner.

    The reasons never name the other partner: the registering partner reads them in its history too.
    """
    flags = []
    territories = active_territories(partner, on or timezone.localdate())
    if territories and country not in territories:
        flags.append(f"The customer's country ({country}) is outside the partner's agreement territories.")
    if customer is not None and customer.pk:
        if NamedAccount.objects.filter(customer=customer).exclude(partner=partner).exists():
            flags.append("The customer is a named account of another partner.")
    return flags


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
    if flags:
        _notify_manager(registration, "outside_territory", fallback_to_admins=True, reasons=flags)
    return registration


def _open_conflict(*, actor, registration: Registration, earlier: list[Registration]) -> ConflictCase:
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


# ---------------------------------------------------------------- review

def _locked(registration: Registration) -> Registration:
    return Registration.objects.select_for_update().select_related("partner").get(pk=registration.pk)


def _transition(*, actor, registration: Registration, verb: str, note: str = "", **fields) -> Registration:
    before = audit.snapshot(registration, AUDIT_FIELDS)
    for field, value in fields.items():
        setattr(registration, field, value)
    registration.save()
    audit.record(actor=actor, action=Action.TRANSITION, verb=verb, obj=registration, partner=registration.partner,
                 changes=audit.diff(before, audit.snapshot(registration, AUDIT_FIELDS)), note=note)
    return registration


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
    now = timezone.now()
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
                status=Status.REJECTED, decided_at=timezone.now(), decided_by=actor, decision_note=reason)
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
    if registration.status != Status.APPROVED or registration.protected_until < timezone.localdate():
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
    """Record the outcome of an approved registration: won (final amount, currency, date) or lost (reason)."""
    registration = _locked(registration)
    if not can_close(actor, registration.partner):
        raise NotAllowed("Outcomes are entered by the vendor.")
    if registration.status != Status.APPROVED:
        raise InvalidDealTransition(
            f"Only approved registrations close; this one is {registration.get_status_display().lower()}.")
    closed_on = closed_on or timezone.localdate()
    if isinstance(closed_on, str):
        try:
            closed_on = date.fromisoformat(closed_on)
        except ValueError:
            raise ValidationFailed("Invalid date.", errors={"closed_on": ["Use YYYY-MM-DD."]}) from None
    if closed_on > timezone.localdate():
        raise ValidationFailed("The close date is in the future.", errors={"closed_on": ["Not in the future."]})
    if closed_on < timezone.localdate(registration.submitted_at):
        raise ValidationFailed("The close date is before the registration.",
                               errors={"closed_on": ["A deal closes after it was registered."]})
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
        from openprm.commissions.services import accrue_registration

        accrue_registration(registration=registration)
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


# ---------------------------------------------------------------- notifications

_SUBJECTS = {
    "submitted": "Deal registration received: {customer}",
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


def _notify_partner(registration: Registration, event: str) -> None:
    """Tell the registering partner's admins and the submitter (never another partner's people)."""
    people = {u.pk: u for u in registration.partner.users.filter(role=Role.PARTNER_ADMIN, is_active=True)}
    submitter = registration.submitted_by
    if submitter and submitter.partner_id == registration.partner_id:
        people[submitter.pk] = submitter
    notify(users=people.values(), subject=_SUBJECTS[event].format(customer=registration.customer_name),
           template="deals/email/registration_event.txt", context={"registration": registration, "event": event},
           url=f"/portal/deals/{registration.pk}/")


def _notify_manager(registration: Registration, event: str, *, fallback_to_admins: bool = False,
                    reasons: list[str] | None = None) -> None:
    """Tell the partner's channel manager; with `fallback_to_admins`, the program admins when it has none."""
    manager = registration.partner.manager
    people = [manager] if manager else []
    if not people and fallback_to_admins:
        people = list(User.objects.filter(role=Role.ADMIN, is_active=True))
    if people:
        notify(users=people, subject=_SUBJECTS[event].format(customer=registration.customer_name),
               template="deals/email/registration_event.txt",
               context={"registration": registration, "event": event, "reasons": reasons or []},
               url=f"/console/deals/{registration.pk}/")


# ---------------------------------------------------------------- conflict cases

def can_work_conflicts(actor) -> bool:
    """Conflicts span partners, so program admins and channel managers work them."""
    return actor.role in (Role.ADMIN, Role.CHANNEL_MANAGER)


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
    from .models import ConflictDecision

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
    now = timezone.now()
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
    case.step, case.closed_at = ConflictStep.PREVENT, timezone.now()
    case.save(update_fields=["step", "closed_at"])
    ConflictNote.objects.create(case=case, step=ConflictStep.PREVENT, author=actor, note=note)
    audit.record(actor=actor, action=Action.TRANSITION, verb="conflict.closed", obj=case,
                 changes={"step": [ConflictStep.COMMUNICATE, ConflictStep.PREVENT]}, note=note)
    return case


# ---------------------------------------------------------------- scheduled jobs

def send_expiry_reminders(*, today: date | None = None) -> int:
    """Remind partners whose protection ends within the program's reminder days (once per protection end)."""
    today = today or timezone.localdate()
    program = DealProgram.current()
    due = Registration.objects.filter(status=Status.APPROVED, protected_until__gte=today,
                                      protected_until__lte=today + timedelta(days=program.reminder_days),
                                      reminder_sent_on__isnull=True)
    sent = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            reg = Registration.objects.select_for_update().select_related("partner").get(pk=pk)
            if reg.reminder_sent_on is not None or reg.status != Status.APPROVED:
                continue
            reg.reminder_sent_on = today
            reg.save(update_fields=["reminder_sent_on"])
            audit.record(actor="system", action=Action.UPDATE, verb="registration.expiry_reminder", obj=reg,
                         partner=reg.partner, note=f"protection ends {reg.protected_until}")
            _notify_partner(reg, "expiry_reminder")
            sent += 1
    return sent


def expire_registrations(*, today: date | None = None) -> int:
    """Expire approved registrations whose protection ended without an outcome; the customer is free again."""
    today = today or timezone.localdate()
    expired = 0
    ended = Registration.objects.filter(status=Status.APPROVED, protected_until__lt=today)
    for pk in ended.values_list("pk", flat=True):
        with transaction.atomic():
            reg = Registration.objects.select_for_update().select_related("partner").get(pk=pk)
            if reg.status != Status.APPROVED or reg.protected_until >= today:
                continue
            _transition(actor="system", registration=reg, verb="registration.expired", status=Status.EXPIRED,
                        note=f"protection ended {reg.protected_until}")
            _notify_partner(reg, "expired")
            expired += 1
    return expired


# ---------------------------------------------------------------- leads

TIER_RANK = {"platinum": 4, "gold": 3, "silver": 2, "bronze": 1}


def _lead_candidates(lead) -> list[tuple[int, Partner]]:
    """Active partners not yet offered this lead, best first: territory, specialization, tier, then load.

    Territory: a partner whose agreement in force names territories covers exactly those countries (the same
    rule that flags a registration outside them); without one, its home country, then its home region.
    """
    from django.db.models import Count

    from .models import LeadStatus

    tried = set(lead.offers.values_list("partner_id", flat=True))
    region = COUNTRIES[lead.country][1]
    partners = (Partner.objects.filter(stage=Stage.ACTIVE).exclude(pk__in=tried)
                .prefetch_related("specializations")
                .annotate(open_leads=Count("leads", filter=Q(leads__status__in=[LeadStatus.UNOPENED,
                                                                                 LeadStatus.OPENED]))))
    partners = list(partners)
    agreements = territories_by_partner([p.pk for p in partners], timezone.localdate())  # one query for all
    scored = []
    for partner in partners:
        agreed = agreements.get(partner.pk)
        if agreed:
            territory = 100 if lead.country in agreed else 0
        else:
            territory = 100 if partner.country == lead.country else 40 if partner.region == region else 0
        if territory == 0:
            continue  # routing never sends a lead outside the partner's territory
        specialized = 30 if lead.specialization and any(
            s.name.casefold() == lead.specialization.casefold() for s in partner.specializations.all()) else 0
        score = territory + specialized + 5 * TIER_RANK.get(partner.tier, 0) - 3 * partner.open_leads
        scored.append((score, partner))
    scored.sort(key=lambda pair: (-pair[0], pair[1].pk))
    return scored


def _offer_next(*, actor, lead, now, candidates=None) -> bool:
    """Offer the lead to the best remaining partner; False (and the lead ends) when none is left."""
    from .models import LeadOffer, LeadStatus

    candidates = _lead_candidates(lead) if candidates is None else candidates
    if not candidates:
        lead.partner, lead.respond_by = None, None
        lead.status = LeadStatus.EXPIRED if lead.status in (LeadStatus.UNOPENED, LeadStatus.OPENED) else lead.status
        lead.save()
        return False
    score, partner = candidates[0]
    respond_by = now + timedelta(hours=DealProgram.current().lead_response_hours)
    LeadOffer.objects.create(lead=lead, partner=partner, offered_at=now, respond_by=respond_by, score=score)
    lead.partner, lead.status, lead.offered_at, lead.respond_by = partner, LeadStatus.UNOPENED, now, respond_by
    lead.save()
    audit.record(actor=actor, action=Action.TRANSITION, verb="lead.offered", obj=lead, partner=partner,
                 changes={"partner": [None, partner.pk]}, note=f"routing score {score}")
    notify(users=partner.users.filter(role__in=[Role.PARTNER_ADMIN, Role.PARTNER_SALES], is_active=True),
           subject=f"New lead for you: {lead.company_name}", template="deals/email/lead_offered.txt",
           context={"lead": lead}, url=f"/portal/leads/{lead.pk}/")
    return True


LEAD_CREATOR_ROLES = (Role.ADMIN, Role.CHANNEL_MANAGER, Role.MARKETING)
LEAD_FIELDS = ["company_name", "domain", "country", "contact_name", "contact_email", "products", "specialization",
               "amount", "currency", "notes"]


def can_create_leads(actor) -> bool:
    """The vendor's channel and marketing teams (and program admins) share leads."""
    return bool(actor is not None and actor.is_vendor and actor.role in LEAD_CREATOR_ROLES)


def _clean_lead(data: dict) -> tuple[dict, dict[str, list[str]]]:
    """A lead's values, normalized, and the problems with them (field → messages; empty when fine)."""
    errors: dict[str, list[str]] = {}
    name = (data.get("company_name") or "").strip()
    if not name:
        errors["company_name"] = ["Enter the company name."]
    elif len(name) > 200:
        errors["company_name"] = ["At most 200 characters."]
    country = (data.get("country") or "").strip().upper()
    if country not in COUNTRIES:
        errors["country"] = ["Choose a country (ISO code such as US or DE)."]
    try:
        domain = parse_domain(data.get("domain") or "")
    except InvalidDomain:
        domain = ""
        errors["domain"] = ["Enter a domain such as customer.com."]
    currency = (data.get("currency") or "USD").strip().upper()
    if currency not in CURRENCIES:
        errors["currency"] = ["Choose a currency such as USD."]
    amount = data.get("amount")
    if amount in (None, ""):
        amount = None
    else:
        try:
            amount = Decimal(str(amount).strip())
        except InvalidOperation:
            amount = None
            errors["amount"] = ["Enter an amount such as 50000.00, or leave it empty."]
        else:
            if not amount.is_finite() or amount <= 0:
                errors["amount"] = ["The amount must be greater than zero."]
            elif amount >= Decimal("1e12"):
                errors["amount"] = ["The amount is too large."]
            else:
                amount = quantize(amount, currency if currency in CURRENCIES else "USD")
    email = (data.get("contact_email") or "").strip()
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            errors["contact_email"] = ["Enter a valid e-mail address."]
    products = data.get("products") or []
    if isinstance(products, str):
        products = [p for part in products.split(";") for p in part.split(",")]
    # The same limits as a registration: an accepted lead becomes one.
    products = _check_products(products, errors)
    notes = _check_notes(data.get("notes"), errors)
    limits = {"contact_name": 150, "contact_email": 254, "specialization": 80}
    texts = {field: (data.get(field) or "").strip() for field in limits}
    for field, limit in limits.items():
        if len(texts[field]) > limit and field not in errors:
            errors[field] = [f"At most {limit} characters."]
    clean = {"company_name": name, "domain": domain, "country": country, "currency": currency, "amount": amount,
             "products": products, "notes": notes, **texts}
    return clean, errors


def _add_lead(*, actor, clean: dict, note: str = ""):
    from .models import Lead

    lead = Lead.objects.create(created_by=actor, **clean)
    audit.record_create(actor=actor, obj=lead, verb="lead.created", fields=["company_name", "country", "domain"],
                        note=note)
    _offer_next(actor=actor, lead=lead, now=timezone.now())
    return lead


@transaction.atomic
def create_lead(*, actor, data: dict):
    """The vendor adds a lead; it is routed at once to the best partner for it."""
    if not can_create_leads(actor):
        raise NotAllowed("Leads are shared by the vendor's channel and marketing teams.")
    clean, errors = _clean_lead(data)
    if errors:
        raise ValidationFailed("Please correct the lead.", errors=errors)
    return _add_lead(actor=actor, clean=clean)


# ---------------------------------------------------------------- lead import

MAX_IMPORT_ROWS = 1000
MAX_IMPORT_BYTES = 2 * 1024 * 1024
REQUIRED_IMPORT_COLUMNS = ("company_name", "country")


@dataclass
class LeadImportRow:
    """One data row of an import file: its line number, what it says, and what is wrong with it."""

    line: int
    data: dict
    clean: dict = dataclass_field(default_factory=dict)
    errors: dict[str, list[str]] = dataclass_field(default_factory=dict)


def read_leads_csv(content: bytes | str) -> list[LeadImportRow]:
    """The rows of a lead CSV: UTF-8 (a BOM is fine), a header row naming the columns (see LEAD_FIELDS;
    `company_name` and `country` are required), `products` separated by semicolons. Blank lines are skipped.

    Raises ValidationFailed (errors on `file`) when the file as a whole cannot be read.
    """
    size = len(content) if isinstance(content, bytes) else len(content.encode("utf-8", "replace"))
    if size > MAX_IMPORT_BYTES:
        raise ValidationFailed("The file is too large.",
                               errors={"file": [f"At most {MAX_IMPORT_BYTES // (1024 * 1024)} MB."]})
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed("The file is not UTF-8 text.",
                                   errors={"file": ["Save the spreadsheet as “CSV UTF-8” and upload it again."]}
                                   ) from None
    content = content.lstrip("\ufeff")
    try:
        reader = csv.reader(io.StringIO(content, newline=""))
        lines = list(reader)
    except csv.Error as exc:
        raise ValidationFailed("The file is not a valid CSV.", errors={"file": [f"Not a CSV file: {exc}."]}) from None
    if not lines or not any(cell.strip() for cell in lines[0]):
        raise ValidationFailed("The file is empty.", errors={"file": ["The first line must name the columns."]})
    header = [cell.strip().lower().replace(" ", "_") for cell in lines[0]]
    unknown = [name for name in header if name and name not in LEAD_FIELDS]
    missing = [name for name in REQUIRED_IMPORT_COLUMNS if name not in header]
    problems = []
    if missing:
        problems.append(f"Missing column(s): {', '.join(missing)}.")
    if unknown:
        problems.append(f"Unknown column(s): {', '.join(unknown)}. Known columns: {', '.join(LEAD_FIELDS)}.")
    if len(set(header) - {""}) != len([h for h in header if h]):
        problems.append("A column is named twice.")
    if problems:
        raise ValidationFailed("The columns are not right.", errors={"file": problems})
    rows = []
    for number, cells in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        row = LeadImportRow(line=number, data={name: (cells[i] if i < len(cells) else "")
                                               for i, name in enumerate(header) if name})
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            row.errors["__all__"] = [f"{len(cells)} cells, but the header names {len(header)} columns."]
        rows.append(row)
    if not rows:
        raise ValidationFailed("The file has no leads.", errors={"file": ["Add one lead per line under the header."]})
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationFailed("Too many rows.", errors={"file": [
            f"At most {MAX_IMPORT_ROWS} leads per file; this one has {len(rows)}. Split it."]})
    return rows


def check_lead_rows(rows: list[LeadImportRow]) -> list[LeadImportRow]:
    """Validate every row like a single lead, and catch the same company twice in one file."""
    seen: dict[tuple, int] = {}
    for row in rows:
        clean, errors = _clean_lead(row.data)
        row.clean = clean
        for name, messages in errors.items():
            row.errors.setdefault(name, []).extend(messages)
        if not row.errors:
            key = ("domain", clean["domain"]) if clean["domain"] else (
                "name", normalize_company_name(clean["company_name"]), clean["country"])
            if key in seen:
                row.errors["company_name"] = [f"The same company as line {seen[key]}."]
            else:
                seen[key] = row.line
    return rows


@transaction.atomic
def import_leads(*, actor, rows: list[LeadImportRow], source: str = "", dry_run: bool = False) -> list:
    """Add and route every lead of an import, or none: any row with a problem refuses the whole file.

    Raises ValidationFailed with errors keyed `rows.<line>.<field>` (line numbers as in the file, the header
    being line 1). With `dry_run`, checks only and returns []; else returns the new leads in file order.
    """
    if not can_create_leads(actor):
        raise NotAllowed("Leads are shared by the vendor's channel and marketing teams.")
    check_lead_rows(rows)
    errors = {f"rows.{row.line}.{name}": messages for row in rows for name, messages in row.errors.items()}
    if errors:
        bad = len({row.line for row in rows if row.errors})
        raise ValidationFailed(f"{bad} of {len(rows)} rows need correcting; nothing was imported.", errors=errors)
    if dry_run:
        return []
    label = f"imported from {source}" if source else "imported"
    return [_add_lead(actor=actor, clean=row.clean, note=f"{label}, line {row.line}") for row in rows]


def _convert_lead_of(*, actor, registration) -> None:
    """A won registration that came from a lead converts that lead."""
    from .models import Lead, LeadStatus

    lead = Lead.objects.filter(registration=registration, status=LeadStatus.ACCEPTED).first()
    if lead is not None:
        lead.status = LeadStatus.CONVERTED
        lead.save(update_fields=["status"])
        audit.record(actor=actor, action=Action.TRANSITION, verb="lead.converted", obj=lead, partner=lead.partner,
                     changes={"status": [LeadStatus.ACCEPTED, LeadStatus.CONVERTED]})


def _may_answer(actor, lead) -> bool:
    """Admins and sales reps of the partner the lead is offered to now answer it."""
    return actor.role in REGISTERING_ROLES and lead.partner_id is not None and lead.partner_id == actor.partner_id


def _locked_lead(lead, actor):
    from .models import Lead, LeadStatus

    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if not _may_answer(actor, lead):
        raise NotAllowed("Only the partner the lead is offered to can answer it.")
    if lead.status not in (LeadStatus.UNOPENED, LeadStatus.OPENED):
        raise InvalidDealTransition(f"The lead is already {lead.get_status_display().lower()}.")
    return lead


@transaction.atomic
def open_lead(*, actor, lead):
    """The offered partner's admins and sales reps have looked at the lead (unopened → opened).

    Anyone else looking — a read-only partner role, vendor staff — changes nothing and is never refused:
    reading a lead must not fail because the reader cannot act on it. Later views change nothing either.
    """
    from .models import Lead, LeadStatus

    if lead.status != LeadStatus.UNOPENED or not _may_answer(actor, lead):
        return lead
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if lead.status != LeadStatus.UNOPENED or not _may_answer(actor, lead):
        return lead  # answered, or routed to someone else, in the meantime
    lead.status = LeadStatus.OPENED
    lead.save(update_fields=["status"])
    audit.record(actor=actor, action=Action.TRANSITION, verb="lead.opened", obj=lead, partner=lead.partner,
                 changes={"status": [LeadStatus.UNOPENED, LeadStatus.OPENED]})
    return lead


@transaction.atomic
def accept_lead(*, actor, lead, expected_close_date: date | None = None, amount=None, currency: str | None = None):
    """The partner accepts: the lead becomes its registration (matched like any other registration).

    The registration's estimated amount is `amount` (in `currency`, default the lead's), else the lead's own;
    a lead without an amount cannot be accepted without one.
    """
    from .models import LeadStatus

    lead = _locked_lead(lead, actor)
    now = timezone.now()
    if lead.respond_by and lead.respond_by < now:
        raise InvalidDealTransition("The time to answer this lead has passed.")
    if amount in (None, ""):
        amount, currency = lead.amount, lead.currency
    if amount is None:
        raise ValidationFailed("Enter the deal's estimated amount.", errors={
            "amount": ["The vendor gave no amount for this lead; enter the deal's estimated amount."]})
    registration = register(actor=actor, partner=lead.partner, data={
        "customer_name": lead.company_name, "customer_domain": lead.domain, "customer_country": lead.country,
        "contact_name": lead.contact_name, "contact_email": lead.contact_email, "products": lead.products,
        "amount": amount, "currency": currency or lead.currency,
        "notes": f"From lead #{lead.pk}. {lead.notes}".strip(),
        "expected_close_date": expected_close_date or (timezone.localdate() + timedelta(days=90)),
    })
    before = lead.status
    lead.status, lead.registration = LeadStatus.ACCEPTED, registration
    lead.save(update_fields=["status", "registration"])
    lead.offers.filter(partner=lead.partner, ended_at__isnull=True).update(outcome="accepted", ended_at=now)
    audit.record(actor=actor, action=Action.TRANSITION, verb="lead.accepted", obj=lead, partner=lead.partner,
                 changes={"status": [before, LeadStatus.ACCEPTED], "registration": [None, registration.pk]})
    return lead


@transaction.atomic
def decline_lead(*, actor, lead, reason: str):
    """The partner declines (with a reason); the lead routes on to the next partner.

    The audit event records the lead's real new status: unopened when it went to another partner (who is not
    named: the declining partner reads this history), declined when no partner was left to offer it to.
    """
    from .models import LeadStatus

    lead = _locked_lead(lead, actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Give the reason.", errors={"reason": ["Why not this lead?"]})
    now = timezone.now()
    partner, before = lead.partner, lead.status
    lead.offers.filter(partner=partner, ended_at__isnull=True).update(outcome="declined", reason=reason, ended_at=now)
    candidates = _lead_candidates(lead)
    after = LeadStatus.UNOPENED if candidates else LeadStatus.DECLINED
    audit.record(actor=actor, action=Action.TRANSITION, verb="lead.declined", obj=lead, partner=partner,
                 changes={"status": [before, after]},
                 note=reason + ("" if candidates else " No other partner covers the lead; it ends here."))
    lead.status = LeadStatus.DECLINED
    _offer_next(actor=actor, lead=lead, now=now, candidates=candidates)
    return lead


def route_expired_leads(*, now=None) -> int:
    """Leads not answered by their deadline route on to the next partner (or expire when none is left)."""
    from .models import Lead, LeadStatus

    now = now or timezone.now()
    routed = 0
    overdue = Lead.objects.filter(status__in=[LeadStatus.UNOPENED, LeadStatus.OPENED], respond_by__lt=now)
    for pk in overdue.values_list("pk", flat=True):
        with transaction.atomic():
            lead = Lead.objects.select_for_update().get(pk=pk)
            if lead.status not in (LeadStatus.UNOPENED, LeadStatus.OPENED) or lead.respond_by >= now:
                continue
            lead.offers.filter(partner_id=lead.partner_id, ended_at__isnull=True).update(outcome="expired",
                                                                                       ended_at=now)
            audit.record(actor="system", action=Action.TRANSITION, verb="lead.offer_expired", obj=lead,
                         partner=lead.partner, note=f"no answer by {lead.respond_by:%Y-%m-%d %H:%M} UTC")
            _offer_next(actor="system", lead=lead, now=now)
            routed += 1
    return routed
