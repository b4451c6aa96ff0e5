"""The whole demo program, in the order real use would produce it (`openprm demo` runs `load_program`).

Each app seeds its own part through its own services; this module only orders them, because the parts depend on
each other the way the apps do: partners and people first, then FX rates and commission plans (so won deals
accrue), the deals, a tier review scored on those wins, agreements inside each partner's new tier range, and
last the approval of commissions past their holding period and one paid batch.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from openprm.accounts.models import Role, User
from openprm.agreements import demo_data as agreements_demo
from openprm.commissions import demo_data as commissions_demo
from openprm.deals import demo_data as deals_demo
from openprm.partners import demo_data as partners_demo
from openprm.programs import demo_data as programs_demo

# The phases after the partners, for the progress bar: (name, share of the work).
PHASES = ["FX rates and plans", "deal registrations", "tier review", "agreements", "payouts"]


@dataclass
class ProgramResult:
    """What `load_program` made, for the command's summary."""

    partners: partners_demo.DemoResult
    deals: dict = field(default_factory=dict)
    agreements: dict = field(default_factory=dict)
    tier_changes: int = 0
    payouts: dict = field(default_factory=dict)


def load_program(*, partners: int = 60, seed: int = 1, partner_progress: Callable[[int], object] | None = None,
                 phase_progress: Callable[[str], object] | None = None) -> ProgramResult:
    """Load the demo program into an empty database, all or nothing."""

    def phase(name):
        if phase_progress:
            phase_progress(name)

    rng = random.Random(seed)
    today = timezone.localdate()
    with transaction.atomic():
        loaded = partners_demo.load_demo(partners=partners, seed=seed, progress=partner_progress)
        admin = User.objects.get(email=partners_demo.ADMIN_EMAIL)
        finance = User.objects.filter(role=Role.FINANCE).order_by("pk").first() or admin
        programs_demo.seed_fx_rates(admin=admin, today=today)
        commissions_demo.seed_plans(admin=admin, partners=loaded.partners, today=today)
        commissions_demo.seed_targets(admin=admin, partners=loaded.partners, today=today)
        phase(PHASES[0])
        deals = deals_demo.seed_deals(rng=rng, partners=loaded.partners, vendor_admin=admin,
                                      target=max(40, 5 * partners))
        phase(PHASES[1])
        review = programs_demo.apply_tier_review(admin=admin, today=today)
        phase(PHASES[2])
        # Each agreement names the real plan its partner earns on (signing keeps the partner on it).
        agreements = agreements_demo.seed_agreements(rng=rng, partners=loaded.partners, admin=admin, today=today,
                                                     plan_for=commissions_demo.plan_for_partner)
        phase(PHASES[3])
        payouts = commissions_demo.settle(finance=finance, approver=admin, today=today, partners=loaded.partners)
        phase(PHASES[4])
    changes = review.proposals.exclude(current_tier=F("proposed_tier")).count()
    return ProgramResult(partners=loaded, deals=deals, agreements=agreements, tier_changes=changes, payouts=payouts)
