"""Read helpers for the portal pages (no writes here; changes go through the domain apps' services)."""

from datetime import timedelta

from django.db.models import Sum

from openprm.agreements.models import Agreement, AgreementStatus
from openprm.commissions.models import LedgerLine, LineStatus
from openprm.deals.models import Lead, LeadStatus, Registration, RegistrationStatus
from openprm.deals.services import can_register_for
from openprm.lib.money import format_money

# Days before protection ends when the home page starts pointing at a registration.
PROTECTION_WARNING_DAYS = 14


def _money_by_currency(lines) -> list[str]:
    """The lines' sum per currency, largest first: partners earn in each deal's currency."""
    sums = lines.values_list("currency").annotate(total=Sum("amount")).order_by("-total", "currency")
    return [format_money(total, currency) for currency, total in sums if total]


def business_summary(user, partner, today) -> dict:
    """The partner home's second row and its calls to action, over `user`'s own partner only."""
    registrations = Registration.objects.for_user(user)
    ledger = LedgerLine.objects.for_user(user)
    return {
        "can_register": can_register_for(user, partner),
        "open_deals": registrations.filter(status__in=[RegistrationStatus.SUBMITTED, RegistrationStatus.CONFLICT,
                                                       RegistrationStatus.APPROVED]).count(),
        "protection_ending": registrations.filter(
            status=RegistrationStatus.APPROVED, protected_until__gte=today,
            protected_until__lte=today + timedelta(days=PROTECTION_WARNING_DAYS)).order_by("protected_until")[:5],
        "leads_waiting": Lead.objects.for_user(user).filter(status__in=[LeadStatus.UNOPENED,
                                                                        LeadStatus.OPENED]).count(),
        "pending": _money_by_currency(ledger.filter(status=LineStatus.PENDING)),
        "approved": _money_by_currency(ledger.filter(status=LineStatus.APPROVED)),
        "to_sign": Agreement.objects.for_user(user).filter(status=AgreementStatus.SENT).order_by("sent_at")
        if user.is_partner_admin else Agreement.objects.none(),
    }
