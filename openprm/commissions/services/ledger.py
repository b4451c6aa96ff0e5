"""The life of a ledger line after it is booked: the approval job, holds, releases, cancellations, and
refunds that claw back what a deal earned."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import transaction

from openprm.accounts.models import Role
from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.deals.models import Registration, RegistrationStatus
from openprm.lib import clock
from openprm.lib.formatting import article
from openprm.lib.money import quantize

from ..exceptions import InvalidLineTransition, LikelyDuplicate, ValidationFailed
from ..models import (
    LedgerLine,
    LineKind,
    LineStatus,
    Refund,
)
from ..periods import period_key
from ._common import DUPLICATE_WINDOW, HUNDRED, _decimal, _fmt, _pct, _require, _write_line

APPROVAL_CHUNK = 2000


def approve_due_lines(*, today: date | None = None, chunk: int = APPROVAL_CHUNK) -> int:
    """Pending lines whose holding period has passed become approved (scheduled job), with an audit event each.

    Set-based, in chunks of locked rows: a period can leave a million lines due on one night, and a line that
    finance puts on hold meanwhile must stay on hold (it is locked, or no longer pending, when its chunk runs).
    """
    today = today or clock.today()
    reason = "holding period passed"
    changed = 0
    while True:
        with transaction.atomic():
            lines = list(LedgerLine.objects.select_for_update()
                         .filter(status=LineStatus.PENDING, available_on__lte=today)
                         .only("pk", "partner_id", "kind", "amount", "currency").order_by("pk")[:chunk])
            if not lines:
                return changed
            LedgerLine.objects.filter(pk__in=[line.pk for line in lines]).update(
                status=LineStatus.APPROVED, status_reason=reason, approved_at=clock.moment())
            audit.record_many(actor="system", action=Action.TRANSITION, verb=f"ledger_line.{LineStatus.APPROVED}",
                              objects=lines, partner_ids=[line.partner_id for line in lines],
                              changes={"status": [LineStatus.PENDING, LineStatus.APPROVED]}, note=reason)
            changed += len(lines)


def _set_status(*, actor, line: LedgerLine, status: str, reason: str = "") -> LedgerLine:
    """Move a (locked) line to `status` with its reason, and record the transition."""
    before = line.status
    line.status, line.status_reason = status, reason
    fields = ["status", "status_reason"]
    if status == LineStatus.APPROVED:
        line.approved_at = clock.moment()
        fields.append("approved_at")
    line.save(update_fields=fields)
    audit.record(actor=actor, action=Action.TRANSITION, verb=f"ledger_line.{status}", obj=line, partner=line.partner,
                 changes={"status": [before, status]}, note=reason)
    return line


@transaction.atomic
def hold_line(*, actor, line: LedgerLine, reason: str) -> LedgerLine:
    """Finance freezes a pending or approved line (with a reason); it stays out of payouts."""
    _require(actor, Role.ADMIN, Role.FINANCE)
    line = LedgerLine.objects.select_for_update().get(pk=line.pk)
    if not (reason or "").strip():
        raise ValidationFailed("Give the reason.", errors={"reason": ["Why is it on hold?"]})
    if line.status not in (LineStatus.PENDING, LineStatus.APPROVED) or line.payout_id:
        raise InvalidLineTransition(f"{_a_line(line)} cannot be put on hold.")
    return _set_status(actor=actor, line=line, status=LineStatus.ON_HOLD, reason=reason.strip())


@transaction.atomic
def release_line(*, actor, line: LedgerLine) -> LedgerLine:
    """Lift a hold: the line is approved, or pending again while its holding period runs."""
    _require(actor, Role.ADMIN, Role.FINANCE)
    line = LedgerLine.objects.select_for_update().get(pk=line.pk)
    if line.status != LineStatus.ON_HOLD:
        raise InvalidLineTransition("Only lines on hold can be released.")
    status = LineStatus.APPROVED if line.available_on <= clock.today() else LineStatus.PENDING
    return _set_status(actor=actor, line=line, status=status, reason="released")


@transaction.atomic
def cancel_line(*, actor, line: LedgerLine, reason: str) -> LedgerLine:
    """Cancel an unpaid line with a reason; it no longer counts anywhere and recalculation won't rebook it."""
    _require(actor, Role.ADMIN, Role.FINANCE)
    line = LedgerLine.objects.select_for_update().get(pk=line.pk)
    if not (reason or "").strip():
        raise ValidationFailed("Give the reason.", errors={"reason": ["Why is it canceled?"]})
    if line.status in (LineStatus.PAID, LineStatus.CANCELED) or line.payout_id:
        raise InvalidLineTransition(f"{_a_line(line)} cannot be canceled.")
    return _set_status(actor=actor, line=line, status=LineStatus.CANCELED, reason=reason.strip())


@transaction.atomic
def refund(*, actor, registration: Registration, amount, reason: str) -> list[LedgerLine]:
    """A refund or reversal of a won deal: negative clawback lines proportional to the refunded share."""
    _require(actor, Role.ADMIN, Role.FINANCE)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    errors: dict[str, list[str]] = {}
    value = _decimal(amount, "amount", errors, allow_none=False)
    if not (reason or "").strip():
        errors["reason"] = ["Why was it refunded?"]
    if registration.status != RegistrationStatus.WON:
        raise InvalidLineTransition("Only won deals can be refunded.")
    refunded = sum((r.amount for r in registration.refunds.all()), Decimal(0))
    if value is not None and (value <= 0 or value + refunded > registration.won_amount):
        errors["amount"] = [f"Between 0 and the unrefunded {_fmt(registration.won_amount - refunded)} "
                            f"{registration.won_currency}."]
    if errors:
        raise ValidationFailed("Please correct the refund.", errors=errors)
    # The registration row is locked above, so a second identical refund sent at the same moment waits
    # here and then sees the first one.
    since = clock.moment() - DUPLICATE_WINDOW
    if registration.refunds.filter(amount=value, reason=reason.strip(), created_at__gte=since).exists():
        raise LikelyDuplicate(
            f"A refund of {_fmt(value)} {registration.won_currency} with the same reason was recorded less than a "
            "minute ago; this looks like a double submit and was not recorded again.",
            errors={"amount": ["The same refund was just recorded."]})
    record = Refund.objects.create(registration=registration, amount=value, currency=registration.won_currency,
                                   reason=reason.strip(), created_by=actor)
    # Each clawback is what the whole refunded share claws back (rounded once) less what earlier refunds
    # already clawed back: rounding each refund on its own could sum to a cent more than was earned.
    cumulative = refunded + value
    share = cumulative / registration.won_amount
    earned = defaultdict(lambda: defaultdict(Decimal))
    clawed = defaultdict(lambda: defaultdict(Decimal))
    for line in registration.ledger_lines.exclude(status=LineStatus.CANCELED):
        target = clawed if line.kind == LineKind.CLAWBACK else earned
        target[line.partner_id][line.currency] += line.amount
    percent = _pct((share * HUNDRED).quantize(Decimal("0.0001")))
    new = []
    today = clock.today()
    for partner_id, by_currency in earned.items():
        for currency, total in by_currency.items():
            before = clawed[partner_id][currency]
            clawback = -quantize(total * share, currency) - before
            if not clawback:
                continue
            explanation = (f"Refund of {_fmt(value)} of {_fmt(registration.won_amount)} {registration.won_currency}"
                           f", {_fmt(cumulative)} refunded in all ({percent}): −{_fmt(total)} × {percent}")
            if before:
                explanation += f" − {_fmt(before)} already clawed back"
            line = _write_line(
                partner_id=partner_id, registration=registration, plan=None, kind=LineKind.CLAWBACK,
                amount=clawback, currency=currency, period=period_key("quarter", today), accrued_on=today,
                available_on=today, status=LineStatus.APPROVED,
                source_key=f"clawback:{record.pk}:{partner_id}:{currency}",
                explanation=f"{explanation} = {_fmt(clawback)} {currency}. Reason: {reason.strip()}",
                rule={"refund": record.pk, "refunded": str(cumulative), "already_clawed_back": str(before)})
            audit.record(actor=actor, action=Action.CREATE, verb="ledger_line.clawback", obj=line,
                         partner=line.partner, changes={"amount": [None, clawback]}, note=reason)
            new.append(line)
    audit.record(actor=actor, action=Action.CREATE, verb="registration.refunded", obj=registration,
                 partner=registration.partner, changes={"refunded": [str(refunded), str(refunded + value)]},
                 note=reason)
    return new


def _a_line(line) -> str:
    """ "An approved line", "A paid line": the article follows the status (never "A approved line")."""
    phrase = article(f"{line.get_status_display().lower()} line")
    return phrase[:1].upper() + phrase[1:]

