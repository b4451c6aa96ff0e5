"""Payout batches: built from approved lines by finance, then approved, exported and marked paid."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import transaction

from openprm.accounts.models import Role
from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.lib import clock
from openprm.lib.formatting import plural
from openprm.lib.money import CURRENCIES

from ..exceptions import Conflict, InvalidLineTransition, ValidationFailed
from ..models import (
    CommissionSettings,
    LedgerLine,
    LineStatus,
    Payout,
    PayoutItem,
    PayoutStatus,
)
from ._common import _fmt, _require


@transaction.atomic
def create_payout(*, actor, currency: str, up_to: date) -> Payout:
    """Finance builds a batch from approved lines up to a date: net per partner, skipping nets under the
    minimum payout (carried forward, negative balances included)."""
    _require(actor, Role.ADMIN, Role.FINANCE)
    currency = (currency or "").upper()
    if currency not in CURRENCIES:
        raise ValidationFailed("Unknown currency.", errors={"currency": ["Choose a currency such as USD."]})
    minimum = CommissionSettings.current().minimum_payout
    lines = list(LedgerLine.objects.select_for_update().filter(
        status=LineStatus.APPROVED, payout__isnull=True, currency=currency, available_on__lte=up_to))
    by_partner: dict[int, list[LedgerLine]] = defaultdict(list)
    for line in lines:
        by_partner[line.partner_id].append(line)
    payable = {pid: items for pid, items in by_partner.items() if sum(i.amount for i in items) >= minimum}
    if not payable:
        raise Conflict(f"No partner has at least {_fmt(minimum)} {currency} approved to pay up to {up_to}.")
    payout = Payout.objects.create(currency=currency, up_to=up_to, created_by=actor)
    total = Decimal(0)
    for partner_id, items in sorted(payable.items()):
        net = sum((i.amount for i in items), Decimal(0))
        PayoutItem.objects.create(payout=payout, partner_id=partner_id, amount=net)
        LedgerLine.objects.filter(pk__in=[i.pk for i in items]).update(payout=payout)
        total += net
    payout.total = total
    payout.save(update_fields=["total"])
    audit.record(actor=actor, action=Action.CREATE, verb="payout.created", obj=payout,
                 changes={"total": [None, total]},
                 note=f"{plural(len(payable), 'partner')}; {len(by_partner) - len(payable)} carried forward")
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


@transaction.atomic
def approve_payout(*, actor, payout: Payout) -> Payout:
    """Approve a draft batch: from now on it can be exported and paid."""
    return _payout_transition(actor=actor, payout=payout, from_status=PayoutStatus.DRAFT,
                              to_status=PayoutStatus.APPROVED, approved_at=clock.moment())


@transaction.atomic
def mark_exported(*, actor, payout: Payout) -> Payout:
    """Record that an approved batch was exported to the bank or ERP file."""
    return _payout_transition(actor=actor, payout=payout, from_status=PayoutStatus.APPROVED,
                              to_status=PayoutStatus.EXPORTED, exported_at=clock.moment())


@transaction.atomic
def mark_paid(*, actor, payout: Payout, reference: str) -> Payout:
    """Record the bank reference; the batch's lines become paid."""
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
    return payout
