"""Demo commission data: plans by partner type, assignments, then (after the deals) approvals and a payout."""

from datetime import date, timedelta

from django.db.models import Sum

from openprm.commissions import services
from openprm.commissions.models import CommissionPlan, LedgerLine, LineStatus, Spiff
from openprm.commissions.periods import period_key

SEED_BANDS = [{"from": "0", "to": "100000", "rate_percent": "15"},
              {"from": "100000", "to": "500000", "rate_percent": "20"},
              {"from": "500000", "to": None, "rate_percent": "25"}]

PLANS = [
    {"name": "Reseller tiered bands", "type": "tiered", "basis": "period_volume", "retroactive": True,
     "period": "quarter", "bands": SEED_BANDS, "currency": "USD"},
    {"name": "Referral revenue share", "type": "revenue_share", "rate_percent": "10", "currency": "USD"},
    {"name": "Tier-based partner rate", "type": "tier_based", "currency": "USD",
     "tier_rates": {"platinum": "20", "gold": "16", "silver": "12", "bronze": "8"}},
    {"name": "Integration project fee", "type": "project_fee", "fee": "2500", "currency": "USD"},
]


def plan_name_for(type_codes: list[str]) -> str:
    """Resellers, VARs and distributors earn on bands; referral partners a share; integrators a fee; others
    by tier."""
    if {"reseller", "distributor"} & set(type_codes):
        return "Reseller tiered bands"
    if "referral" in type_codes:
        return "Referral revenue share"
    if {"technology", "oem"} & set(type_codes):
        return "Integration project fee"
    return "Tier-based partner rate"


def plan_for_partner(partner) -> CommissionPlan | None:
    """The demo plan a partner's type earns on: what its demo agreement names (after seed_plans made the plans)."""
    return CommissionPlan.objects.filter(name=plan_name_for(partner.type_codes)).first()


def seed_plans(*, admin, partners, today: date) -> int:
    """Create the demo plans and put every partner on one from two years back (before any demo deal)."""
    plans = {}
    for data in PLANS:
        plans[data["name"]] = (CommissionPlan.objects.filter(name=data["name"]).first()
                               or services.create_plan(actor=admin, data=data))
    if not Spiff.objects.filter(name="Edge Gateway launch").exists():
        services.create_spiff(actor=admin, name="Edge Gateway launch", products=["Edge Gateway"],
                              starts_on=today - timedelta(days=120), ends_on=today + timedelta(days=60), percent="2")
        services.create_spiff(actor=admin, name="Security Suite year-end push", products=["Security Suite"],
                              starts_on=today + timedelta(days=10), ends_on=today + timedelta(days=70),
                              amount="500", currency="USD")
    starts = today - timedelta(days=2 * 366)
    assigned = 0
    for partner in partners:
        if partner.plan_assignments.exists():
            continue
        services.assign_plan(actor=admin, partner=partner, plan=plans[plan_name_for(partner.type_codes)],
                             starts_on=starts)
        assigned += 1
    return assigned


def seed_targets(*, admin, partners, today: date) -> int:
    """This quarter's won-revenue targets for the active partners with the most business, with a bonus each."""
    quarter = period_key("quarter", today)
    active = sorted((p for p in partners if p.stage == "active"), key=lambda p: p.pk)[:8]
    for n, partner in enumerate(active):
        bonus = {"bonus_amount": "2500"} if n % 2 == 0 else {"bonus_percent": "1.5"}
        services.set_quarterly_target(actor=admin, partner=partner, quarter=quarter,
                                      target=str(250000 + 50000 * (n % 4)), currency="USD", **bonus)
    return len(active)


def demo_iban(country: str, n: int) -> str:
    """A made-up IBAN with valid check digits (mod-97), 18 digits after them, for demo partners."""
    bban = f"{37040044 + n:08d}{532013000 + n:010d}"
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def seed_payout_details(*, finance, partners, without=None) -> int:
    """Bank accounts for the demo partners that earn (US ones by account and routing number, others by IBAN),
    except `without`, which shows how a batch lists a partner that "cannot be paid"."""
    earning = [p for p in partners if p.pk != without and LedgerLine.objects.filter(partner=p).exists()]
    for n, partner in enumerate(earning):
        country = partner.country or "US"
        bank = ({"account_number": f"{400012345 + n}", "routing_number": "021000021"} if country == "US"
                else {"iban": demo_iban(country, n), "swift": f"DEMO{country}2X"})
        services.set_payout_details(actor=finance, partner=partner, data={
            "account_holder": partner.legal_name or partner.name, "country": country,
            "tax_id": f"TX-{100200 + n}", **bank})
    return len(earning)


def _smallest_payable(currency: str, up_to: date):
    """The partner with the smallest approved net over the minimum payout in `currency` up to `up_to`."""
    minimum = services.minimum_payout(currency)
    nets = (LedgerLine.objects.filter(status=LineStatus.APPROVED, payout__isnull=True, currency=currency,
                                      available_on__lte=up_to)
            .values("partner_id").annotate(net=Sum("amount")).filter(net__gte=minimum).order_by("net", "partner_id"))
    first = nets.first()
    return first["partner_id"] if first else None


def settle(*, finance, approver, today: date, partners=()) -> dict:
    """Approve lines past their holding period and pay one USD batch, so every status shows in the demo:
    `finance` builds the batch and `approver` (another person: four-eyes) approves it."""
    approved = services.approve_due_lines(today=today)
    up_to = today - timedelta(days=45)
    seed_payout_details(finance=finance, partners=partners, without=_smallest_payable("USD", up_to))
    paid = None
    try:
        payout = services.create_payout(actor=finance, currency="USD", up_to=up_to)
    except services.Conflict:
        payout = None
    if payout is not None:
        services.approve_payout(actor=approver, payout=payout)
        services.mark_exported(actor=finance, payout=payout)
        paid = services.mark_paid(actor=finance, payout=payout, reference=f"DEMO-{today:%Y%m%d}")
    pending = LedgerLine.objects.filter(status=LineStatus.PENDING).count()
    return {"approved": approved, "payout": paid, "pending": pending}
