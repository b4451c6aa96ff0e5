"""Payout batches: built from approved lines by finance, approved by a second person (four-eyes), exported
and marked paid (the partner is told). The minimum payout is per currency."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from openprm.accounts.models import Role, User
from openprm.accounts.services import notify
from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.lib import clock
from openprm.lib.formatting import plural
from openprm.lib.money import CURRENCIES, format_money, quantize
from openprm.programs.exceptions import MissingFxRate
from openprm.programs.models import Program
from openprm.programs.services import rate_on

from ..exceptions import Conflict, FourEyesRequired, InvalidLineTransition, ValidationFailed
from ..models import (
    CommissionSettings,
    LedgerLine,
    LineStatus,
    Payout,
    PayoutDetails,
    PayoutItem,
    PayoutStatus,
)
from ..periods import period_key
from ._common import _require

NO_DETAILS = "No payout details: the partner's admin or finance must enter its bank account."


def minimum_payout(currency: str, on: date | None = None) -> Decimal:
    """The minimum payout in `currency`: its override in the commission settings, else the program default
    (kept in the program currency) converted at the rate on `on` (today), rounded to the currency's minor
    unit. A currency without an override or a rate raises MissingFxRate (never taken as 1:1)."""
    row = CommissionSettings.current()
    override = (row.minimum_payout_overrides or {}).get(currency)
    if override not in (None, ""):
        return Decimal(str(override))
    program_currency = Program.current().currency
    if currency == program_currency:
        return row.minimum_payout
    on = on or clock.today()
    try:
        rate = rate_on(currency, on)
    except MissingFxRate:
        raise MissingFxRate(
            f"No FX rate for {currency} on or before {on}, so the minimum payout of "
            f"{format_money(row.minimum_payout, program_currency)} cannot be converted. Add a rate, or set a "
            f"{currency} minimum in the commission settings.",
            errors={"currency": [f"No FX rate for {currency}: add one, or set a {currency} minimum payout."]},
            currency=currency, date=str(on)) from None
    return quantize(row.minimum_payout / rate, currency)


@transaction.atomic
def create_payout(*, actor, currency: str, up_to: date) -> Payout:
    """Finance builds a batch from approved lines up to a date: net per partner, skipping nets under the
    currency's minimum payout (carried forward, negative balances included). A partner over the minimum
    without payout details is listed in the batch as "cannot be paid": its lines stay unbatched and its net
    is not in the total, so the next batch pays it once the details are entered."""
    _require(actor, Role.ADMIN, Role.FINANCE)
    currency = (currency or "").upper()
    if currency not in CURRENCIES:
        raise ValidationFailed("Unknown currency.", errors={"currency": ["Choose a currency such as USD."]})
    minimum = minimum_payout(currency)
    lines = list(LedgerLine.objects.select_for_update().filter(
        status=LineStatus.APPROVED, payout__isnull=True, currency=currency, available_on__lte=up_to))
    by_partner: dict[int, list[LedgerLine]] = defaultdict(list)
    for line in lines:
        by_partner[line.partner_id].append(line)
    over = {pid: items for pid, items in by_partner.items() if sum(i.amount for i in items) >= minimum}
    if not over:
        raise Conflict(f"No partner has at least {format_money(minimum, currency)} approved to pay up to {up_to}.")
    with_details = set(PayoutDetails.objects.filter(partner_id__in=over).values_list("partner_id", flat=True))
    if not with_details:
        raise Conflict(f"No partner over the minimum payout can be paid: {plural(len(over), 'partner')} with no "
                       "payout details. Enter their bank accounts first.")
    payout = Payout.objects.create(currency=currency, up_to=up_to, created_by=actor)
    total = Decimal(0)
    for partner_id, items in sorted(over.items()):
        net = sum((i.amount for i in items), Decimal(0))
        if partner_id not in with_details:
            PayoutItem.objects.create(payout=payout, partner_id=partner_id, amount=net, blocked_reason=NO_DETAILS)
            continue
        PayoutItem.objects.create(payout=payout, partner_id=partner_id, amount=net)
        LedgerLine.objects.filter(pk__in=[i.pk for i in items]).update(payout=payout)
        total += net
    payout.total = total
    payout.save(update_fields=["total"])
    blocked = len(over) - len(with_details)
    note = f"{plural(len(with_details), 'partner')}; {len(by_partner) - len(over)} carried forward"
    if blocked:
        note += f"; {blocked} cannot be paid (no payout details)"
    audit.record(actor=actor, action=Action.CREATE, verb="payout.created", obj=payout,
                 changes={"total": [None, total]}, note=note)
    return payout


def _payout_transition(*, actor, payout: Payout, from_status: str, to_status: str, **fields) -> Payout:
    """Move a batch from `from_status` to `to_status` (refused from any other status), setting `fields`."""
    _require(actor, Role.ADMIN, Role.FINANCE)
    payout = Payout.objects.select_for_update().get(pk=payout.pk)
    if payout.status != from_status:
        raise InvalidLineTransition(f"The batch is {payout.get_status_display().lower()}, not {from_status}.")
    for field, value in fields.items():
        setattr(payout, field, value)
    payout.status = to_status
    payout.save()
    audit.record(actor=actor, action=Action.TRANSITION, verb=f"payout.{to_status}", obj=payout,
                 changes={"status": [from_status, to_status]})
    return payout


def needs_other_approver(*, actor, payout: Payout) -> bool:
    """True when four-eyes is on (the default) and `actor` built the batch: someone else must approve it."""
    return (CommissionSettings.current().payout_four_eyes and payout.created_by_id is not None
            and actor is not None and payout.created_by_id == actor.pk)


@transaction.atomic
def approve_payout(*, actor, payout: Payout) -> Payout:
    """Approve a draft batch: from now on it can be exported and paid. Four-eyes (a program setting, on by
    default): the person who built the batch cannot approve it; another finance user or a program admin
    does."""
    _require(actor, Role.ADMIN, Role.FINANCE)
    locked = Payout.objects.select_for_update().get(pk=payout.pk)
    if needs_other_approver(actor=actor, payout=locked):
        raise FourEyesRequired("You built this batch, so another finance user or a program admin must approve "
                               "it (four-eyes).")
    return _payout_transition(actor=actor, payout=payout, from_status=PayoutStatus.DRAFT,
                              to_status=PayoutStatus.APPROVED, approved_at=clock.moment(), approved_by=actor)


@transaction.atomic
def mark_exported(*, actor, payout: Payout) -> Payout:
    """Record that an approved batch was exported to the bank or ERP file."""
    return _payout_transition(actor=actor, payout=payout, from_status=PayoutStatus.APPROVED,
                              to_status=PayoutStatus.EXPORTED, exported_at=clock.moment())


@transaction.atomic
def mark_paid(*, actor, payout: Payout, reference: str) -> Payout:
    """Record the bank reference; the batch's lines become paid and each paid partner's admins are told (in
    the app and by e-mail), with a link to the statement of the period it was paid in."""
    reference = (reference or "").strip()
    if not reference:
        raise ValidationFailed("Give the payment reference.", errors={"reference": ["The bank or ERP reference."]})
    current = Payout.objects.select_for_update().get(pk=payout.pk).status
    if current not in (PayoutStatus.APPROVED, PayoutStatus.EXPORTED):
        raise InvalidLineTransition("Approve the batch before marking it paid.")
    now = clock.moment()
    payout = _payout_transition(actor=actor, payout=payout, from_status=current, to_status=PayoutStatus.PAID,
                                reference=reference, paid_at=now)
    for line in payout.lines.all():
        line.status, line.paid_at = LineStatus.PAID, now
        line.save(update_fields=["status", "paid_at"])
    _notify_paid(payout)
    return payout


def _notify_paid(payout: Payout) -> None:
    """Tell each paid partner's own admins (never another partner's people) what it was paid."""
    period = period_key("quarter", clock.today())
    url = f"{reverse('commissions:portal_statements')}?period={period}"
    items = list(payout.items.filter(blocked_reason="").select_related("partner"))
    # Every paid partner's admins in one query (a batch pays hundreds of partners), grouped per partner.
    admins_of = defaultdict(list)
    for admin in User.objects.filter(partner_id__in=[item.partner_id for item in items],
                                     role=Role.PARTNER_ADMIN, is_active=True):
        admins_of[admin.partner_id].append(admin)
    for item in items:
        amount = format_money(item.amount, payout.currency)
        notify(users=admins_of[item.partner_id], subject=f"Commission payout of {amount} sent",
               template="commissions/email/payout_paid.txt",
               context={"partner": item.partner, "amount": amount, "reference": payout.reference,
                        "period": period, "url": url, "site_url": settings.SITE_URL},
               url=url, summary=f"A commission payout of {amount} was sent; your {period} statement shows it.",
               link_label="Open the statement")
