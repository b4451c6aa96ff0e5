"""Demo deal registrations, conflicts and leads, created through the services (`openprm demo` calls `seed_deals`).

Everything goes through `openprm.deals.services`, so the audit trail, notifications, commissions and conflict
cases are what real use would produce. Only timestamps are moved into the past afterwards, with queryset
updates marked as demo-only shortcuts: the services stamp "now", and a demo needs months of history.
"""

import random
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone

from openprm.accounts.models import Role
from openprm.lib import clock
from openprm.lib.errors import DomainError
from openprm.lib.matching import name_similarity, normalize_company_name
from openprm.lib.money import CURRENCIES
from openprm.lib.regions import COUNTRIES
from openprm.partners.models import Partner, Stage

from . import services
from .models import ConflictStep, LeadStatus, ParticipantRole, Registration, RegistrationStatus

PRODUCTS = ["Analytics Cloud", "Data Platform", "Security Suite", "Edge Gateway", "Support Plus"]
CUSTOMER_STEMS = [
    "Apex", "Summit", "Orion", "Vertex", "Meridian", "Pioneer", "Crescent", "Beacon", "Evergreen", "Sterling",
    "Falcon", "Atlas", "Horizon", "Quantum", "Aurora", "Zenith", "Cobalt", "Juniper", "Willow", "Oakmont",
    "Riverside", "Highland", "Bluewater", "Starling", "Kestrel", "Tidewater", "Goldcrest", "Silverline",
]
INDUSTRIES = [
    "Logistics", "Health", "Foods", "Energy", "Bank", "Retail", "Telecom", "Insurance", "Manufacturing", "Pharma",
    "Airlines", "Motors", "Hotels", "Media", "Chemicals", "Utilities", "Textiles", "Steel", "Education", "Water",
]
# Country → (web suffix, legal suffix, currency); anything else: .com, no suffix, the partner's currency or USD.
COUNTRY_STYLE = {
    "US": (".com", "Inc.", "USD"), "CA": (".ca", "Ltd.", "CAD"), "MX": (".com.mx", "S.A. de C.V.", "MXN"),
    "BR": (".com.br", "Ltda.", "BRL"), "AR": (".com.ar", "S.A.", "ARS"), "GB": (".co.uk", "Ltd", "GBP"),
    "DE": (".de", "GmbH", "EUR"), "FR": (".fr", "SA", "EUR"), "NL": (".nl", "B.V.", "EUR"),
    "ES": (".es", "S.L.", "EUR"), "IT": (".it", "S.p.A.", "EUR"), "SE": (".se", "AB", "SEK"),
    "IN": (".in", "Pvt Ltd", "INR"), "JP": (".co.jp", "K.K.", "JPY"), "AU": (".com.au", "Pty Ltd", "AUD"),
    "SG": (".com.sg", "Pte Ltd", "SGD"), "AE": (".ae", "LLC", "AED"), "ZA": (".co.za", "(Pty) Ltd", "ZAR"),
    "NG": (".com.ng", "Ltd", "NGN"), "KE": (".co.ke", "Ltd", "KES"), "SA": (".sa", "LLC", "SAR"),
    "CH": (".ch", "AG", "CHF"), "PL": (".pl", "Sp. z o.o.", "PLN"), "KR": (".co.kr", "Co., Ltd.", "KRW"),
}
# Currencies whose unit is small: amounts are scaled so deals stay realistic.
AMOUNT_SCALE = {"JPY": 100, "INR": 50, "KRW": 1000, "IDR": 10000, "CLP": 500, "COP": 2000, "HUF": 200,
                "VND": 10000, "ARS": 500, "NGN": 500, "KES": 100, "PHP": 50, "THB": 30, "MXN": 15, "ZAR": 15,
                "BRL": 5}
REJECT_REASONS = ["The customer is already in a direct renewal with us.", "Not enough detail on the opportunity.",
                  "The customer is outside the partner's agreed territory.", "Duplicate of an existing project."]
LOST_REASONS = ["Lost to a competitor on price.", "Customer postponed the project indefinitely.",
                "Budget was cut in the customer's fiscal review.", "Chose an in-house solution."]
NOTES = ["Met the CIO at a partner event; proof of concept planned.", "Existing customer of ours for services.",
         "RFP received; we are on the shortlist.", "", "", "Expansion of a pilot in one business unit."]
# Target share of each outcome among the ordinary registrations (conflicts and leads come on top).
MIX = [("submitted", 14), ("approved", 24), ("rejected", 8), ("won", 26), ("lost", 14), ("expired", 10)]
REGISTERING = [Role.PARTNER_ADMIN, Role.PARTNER_SALES]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", _ascii(text).lower())


class _Customers:
    """Realistic, distinct customer companies per country (never similar enough to match by accident)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.names: dict[str, list[str]] = {}
        self.domains: set[str] = set()

    def new(self, country: str) -> tuple[str, str]:
        web, legal, _ = COUNTRY_STYLE.get(country, (".com", "", "USD"))
        taken = self.names.setdefault(country, [])
        for _attempt in range(200):
            stem, industry = self.rng.choice(CUSTOMER_STEMS), self.rng.choice(INDUSTRIES)
            name = f"{stem} {industry} {legal}".strip()
            domain = f"{_slug(stem)}{_slug(industry)}{web}"
            normalized = normalize_company_name(name)
            if domain in self.domains or any(name_similarity(normalized, t) >= 80 for t in taken):
                continue
            taken.append(normalized)
            self.domains.add(domain)
            return name, domain
        raise ValueError(f"ran out of demo customer names for {country}")


def _currency(partner: Partner) -> str:
    style = COUNTRY_STYLE.get(partner.country)
    if style:
        return style[2]
    return partner.roi_currency if partner.roi_currency in CURRENCIES else "USD"


def _amount(rng: random.Random, currency: str) -> Decimal:
    base = rng.choice([rng.randrange(5_000, 60_000, 500), rng.randrange(20_000, 250_000, 1_000),
                       rng.randrange(100_000, 900_000, 5_000)])
    return Decimal(base * AMOUNT_SCALE.get(currency, 1))


def _at(day, rng: random.Random):
    """An aware datetime on `day` during office hours."""
    return timezone.make_aware(datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59))))


def _backdate(reg: Registration, **fields) -> None:
    # Demo-only shortcut: the services stamp today's date; history needs dates in the past.
    Registration.objects.filter(pk=reg.pk).update(**fields)
    reg.refresh_from_db()


def seed_deals(*, rng: random.Random, partners, vendor_admin, progress: Callable[[int], object] | None = None,
               target: int = 300) -> dict:
    """Register about `target` deals for the active partners among `partners`, in every status, with a few live
    conflicts, co-sell splits on some wins and about 15 leads. Deterministic for a given `rng` and database.

    `progress(n)` is called with the number of registrations just made. Returns counts by status and kind.
    """
    today = clock.today()
    active = []
    for partner in sorted(partners, key=lambda p: p.pk):
        if partner.stage != Stage.ACTIVE:
            continue
        people = list(partner.users.filter(role__in=REGISTERING, is_active=True).order_by("pk"))
        if people:
            active.append((partner, people))
    if not active:
        return {"registrations": 0}
    customers = _Customers(rng)
    tick = progress or (lambda n: None)
    made = Counter()

    def register(partner, people, *, country=None, name=None, domain=None, products=None):
        country = country or partner.country
        if name is None:
            name, domain = customers.new(country)
        return services.register(actor=rng.choice(people), partner=partner, data={
            "customer_name": name, "customer_domain": domain, "customer_country": country,
            "contact_name": rng.choice(["Alex Morgan", "Sam Patel", "Jordan Lee", "Maria Silva", "Kenji Sato",
                                        "Fatima Khan", "Lena Fischer", "Tom Walsh"]),
            "products": products or rng.sample(PRODUCTS, k=rng.randint(1, 3)),
            "amount": str(_amount(rng, _currency(partner))), "currency": _currency(partner),
            "expected_close_date": (today + timedelta(days=rng.randint(20, 200))).isoformat(),
            "notes": rng.choice(NOTES),
        })

    per_partner = max(3, min(25, target // len(active)))
    plan = []
    for partner, people in active:
        for _ in range(max(1, per_partner + rng.randint(-2, 2))):
            plan.append((partner, people, rng.choices([s for s, _ in MIX], weights=[w for _, w in MIX])[0]))
    rng.shuffle(plan)
    won = []
    for partner, people, outcome in plan:
        try:
            reg = register(partner, people)
        except DomainError:
            continue  # a rare accidental clash with an earlier demo customer; skip it
        tick(1)
        if reg.status != RegistrationStatus.SUBMITTED:
            made["conflict"] += 1
            continue
        if outcome == "submitted":
            # Some wait longer than the review target, so the queue shows overdue flags.
            hours = rng.choice([rng.randint(1, 30), rng.randint(1, 30), rng.randint(50, 200)])
            _backdate(reg, submitted_at=clock.moment() - timedelta(hours=hours))
        elif outcome == "rejected":
            submitted = today - timedelta(days=rng.randint(3, 150))
            _backdate(reg, submitted_at=_at(submitted, rng))
            services.reject(actor=vendor_admin, registration=reg, reason=rng.choice(REJECT_REASONS))
            _backdate(reg, decided_at=_at(submitted + timedelta(days=rng.randint(0, 2)), rng))
        else:
            span = {"approved": (2, 28), "expired": (45, 220), "won": (25, 330), "lost": (25, 300)}[outcome]
            submitted = today - timedelta(days=rng.randint(*span))
            _backdate(reg, submitted_at=_at(submitted, rng))
            services.approve(actor=vendor_admin, registration=reg, note=rng.choice(["", "", "Good fit."]))
            approved = min(today, submitted + timedelta(days=rng.randint(0, 2)))
            _backdate(reg, approved_at=_at(approved, rng), decided_at=_at(approved, rng),
                      protected_until=approved + timedelta(days=30))
            if outcome in ("won", "lost"):
                closed_on = min(today, submitted + timedelta(days=rng.randint(14, max(15, (today - submitted).days))))
                if outcome == "won":
                    if rng.random() < 0.12 and len(active) > 1:
                        _co_sell(rng, reg, partner, active, vendor_admin)
                        made["co_sell"] += 1
                    final = (reg.amount * Decimal(rng.choice(["0.8", "0.9", "1", "1", "1.1"]))).quantize(Decimal(1))
                    services.close(actor=vendor_admin, registration=reg, outcome="won", amount=final,
                                   currency=reg.currency, closed_on=closed_on)
                    won.append(reg)
                else:
                    services.close(actor=vendor_admin, registration=reg, outcome="lost", closed_on=closed_on,
                                   reason=rng.choice(LOST_REASONS))
                _backdate(reg, expected_close_date=closed_on)
            elif outcome == "expired":
                _backdate(reg, protected_until=min(today - timedelta(days=1), approved + timedelta(days=30)))
    services.expire_registrations(today=today)
    made["conflict"] += _seed_conflicts(rng, active, customers, register, vendor_admin)
    made["leads"] = _seed_leads(rng, active, vendor_admin, today)
    made.update(dict(Registration.objects.values_list("status").annotate(n=Count("pk")).order_by("status")))
    return dict(made)


def _co_sell(rng, reg, partner, active, vendor_admin) -> None:
    """An influencing partner shares the credit of a deal (the registering partner keeps the larger part)."""
    helper = rng.choice([p for p, _ in active if p.pk != partner.pk])
    sourced = rng.choice([60, 70, 75, 80])
    services.set_participants(actor=vendor_admin, registration=reg, participants=[
        {"partner": partner.pk, "role": ParticipantRole.SOURCED, "split_percent": str(sourced)},
        {"partner": helper.pk, "role": ParticipantRole.INFLUENCED, "split_percent": str(100 - sourced)},
    ])


def _seed_conflicts(rng, active, customers, register, vendor_admin) -> int:
    """A few live conflicts: a second partner registers a customer that a first one already holds."""
    if len(active) < 2:
        return 0
    made = 0
    for index in range(min(5, len(active) - 1)):
        (first, first_people), (second, second_people) = rng.sample(active, k=2)
        country = first.country
        name, domain = customers.new(country)
        products = rng.sample(PRODUCTS, k=2)
        try:
            earlier = register(first, first_people, name=name, domain=domain, products=products)
            if index % 2 == 0:
                services.approve(actor=vendor_admin, registration=earlier)
            later = register(second, second_people, country=country, name=name.split(" ")[0] + " "
                             + name.split(" ")[1], domain=f"www.{domain}", products=products[:1])
        except DomainError:
            continue
        if later.conflict_case_id is None:
            continue
        made += 1
        if index % 2 == 1:
            services.advance_conflict(actor=vendor_admin, case=later.conflict_case, step=ConflictStep.INVESTIGATE,
                                      note="Both partners report meetings with the customer; asking for evidence.")
    return made


def _seed_leads(rng, active, vendor_admin, today) -> int:
    """About 15 leads: some waiting, some opened, accepted, converted, declined on to another partner, expired."""
    by_partner = {p.pk: people for p, people in active}
    countries = sorted({p.country for p, _ in active})
    covered = {COUNTRIES[c][1] for c in countries}
    uncovered = sorted(c for c, (_, region) in COUNTRIES.items() if region not in covered)
    plan = ["waiting", "waiting", "waiting", "opened", "opened", "accepted", "accepted", "accepted", "converted",
            "converted", "declined", "declined", "waiting", "opened", "expired"]
    leads = 0
    stems = iter(rng.sample(CUSTOMER_STEMS, k=len(CUSTOMER_STEMS)))
    for fate in plan:
        country = rng.choice(uncovered) if fate == "expired" and uncovered else rng.choice(countries)
        stem = next(stems, None) or f"Lead {leads}"
        web, legal, currency = COUNTRY_STYLE.get(country, (".com", "", "USD"))
        industry = rng.choice(INDUSTRIES)
        try:
            lead = services.create_lead(actor=vendor_admin, data={
                "company_name": f"{stem} {industry} Group {legal}".strip(),
                "domain": f"{_slug(stem)}{_slug(industry)}group{web}", "country": country,
                "contact_name": rng.choice(["Priya Nair", "Diego Alvarez", "Chloe Martin", "Ahmed Hassan"]),
                "contact_email": f"procurement@{_slug(stem)}{_slug(industry)}group{web}",
                "products": rng.sample(PRODUCTS, k=rng.randint(1, 2)),
                "specialization": rng.choice(["", "Cloud", "Security", "Data & analytics"]),
                "amount": str(_amount(rng, currency)), "currency": currency,
                "notes": "Came in through the website contact form.",
            })
        except DomainError:
            continue
        leads += 1
        people = by_partner.get(lead.partner_id)
        if lead.status != LeadStatus.UNOPENED or not people or fate in ("waiting", "expired"):
            continue
        actor = rng.choice(people)
        try:
            if fate == "opened":
                services.open_lead(actor=actor, lead=lead)
            elif fate in ("accepted", "converted"):
                lead = services.accept_lead(actor=actor, lead=lead,
                                            expected_close_date=today + timedelta(days=rng.randint(30, 120)))
                if fate == "converted" and lead.registration.status == RegistrationStatus.SUBMITTED:
                    services.approve(actor=vendor_admin, registration=lead.registration)
                    services.close(actor=vendor_admin, registration=lead.registration, outcome="won",
                                   closed_on=today)
            elif fate == "declined":
                services.decline_lead(actor=actor, lead=lead, reason=rng.choice(
                    ["No capacity this quarter.", "Outside our specialization.", "Customer is a competitor's "
                                                                                "reference account."]))
        except DomainError:
            continue
    return leads


__all__ = ["seed_deals"]
