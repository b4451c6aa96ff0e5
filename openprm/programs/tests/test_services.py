from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import make_user
from openprm.deals import services as deals
from openprm.deals.models import Registration
from openprm.partners import services as partner_services
from openprm.partners.models import Partner, Stage
from openprm.programs import services
from openprm.programs.exceptions import MissingFxRate, NotAllowed
from openprm.programs.models import Program, Tier, TierChange


def tiers():
    return list(Tier.objects.order_by("rank"))


def place(scores: dict[int, Decimal]) -> dict[int, str]:
    ranks = services.competition_ranks(scores)
    return {pk: services.percentile_tier(ranks[pk], len(scores), s, tiers()).code for pk, s in scores.items()}


@pytest.mark.django_db
def test_percentiles_of_twenty_partners():
    scores = {pk: Decimal(1000 - pk) for pk in range(1, 21)}  # rank = pk
    placed = place(scores)
    assert placed[1] == "platinum"                       # 1/20 = 5%
    assert [placed[pk] for pk in (2, 3)] == ["gold"] * 2  # 10%, 15%
    assert [placed[pk] for pk in (4, 5, 6)] == ["silver"] * 3  # 20%, 25%, 30%
    assert set(placed[pk] for pk in range(7, 21)) == {"bronze"}


@pytest.mark.django_db
def test_ties_at_a_cut_off_get_the_better_tier():
    # Ranks 1, 2, 2, 4 …: with N = 20, rank 2 is Gold, so both tied partners are Gold (a third place would be 15%).
    scores = {pk: Decimal(1000 - pk) for pk in range(1, 21)}
    scores[3] = scores[2]
    assert place(scores)[3] == place(scores)[2] == "gold"
    # A tie straddling the Platinum cut-off (ranks 1 and 2 share rank 1): both Platinum.
    scores[2] = scores[1]
    assert place(scores)[2] == "platinum"


@pytest.mark.django_db
def test_small_programs_and_zero_scores():
    assert place({1: Decimal(5)}) == {1: "bronze"}  # rank 1 of 1 is 100%: past every cut-off
    assert place({1: Decimal(5), 2: Decimal(3)}) == {1: "bronze", 2: "bronze"}  # 50%, 100%
    assert set(place({pk: Decimal(0) for pk in range(1, 30)}).values()) == {"bronze"}
    assert place({1: Decimal(0), **{pk: Decimal(pk) for pk in range(2, 22)}})[1] == "bronze"


def _won(partner, user, manager, amount, currency="USD", closed_on=None, name=None):
    reg = deals.register(actor=user, partner=partner, data={
        "customer_name": name or f"Customer {amount}", "customer_domain": "", "customer_country": partner.country,
        "amount": str(amount), "currency": currency,
        "expected_close_date": (timezone.localdate() + timedelta(days=30)).isoformat()})
    if closed_on:  # registered before it closed, as real deals are
        Registration.objects.filter(pk=reg.pk).update(submitted_at=timezone.now() - timedelta(days=500))
    deals.approve(actor=manager, registration=reg)
    deals.close(actor=manager, registration=reg, outcome="won", amount=str(amount), currency=currency,
                closed_on=closed_on or timezone.localdate())
    reg.refresh_from_db()
    return reg


@pytest.fixture
def program_partners(vendor_admin, channel_manager):
    """Seven active partners with a partner admin each."""
    made = []
    for n in range(7):
        p = partner_services.create_partner(actor=vendor_admin, data={
            "name": f"Partner {n}", "types": ["reseller"], "country": "US", "manager": channel_manager})
        Partner.objects.filter(pk=p.pk).update(stage=Stage.ACTIVE)
        p.refresh_from_db()
        made.append((p, make_user(f"admin{n}@p{n}.test", "partner_admin", partner=p)))
    return made


def test_review_scores_won_sourced_revenue_and_applies_with_history(program_partners, vendor_admin,
                                                                      channel_manager):
    services.set_fx_rate(actor=vendor_admin, currency="EUR", valid_on=date(2020, 1, 1), rate="1.10")
    (p0, u0), (p1, u1) = program_partners[:2]
    _won(p0, u0, channel_manager, 100000, "EUR")  # 110,000 USD
    _won(p1, u1, channel_manager, 50000)
    old = _won(p1, u1, channel_manager, 900000, closed_on=timezone.localdate() - timedelta(days=400), name="Old")
    assert old.status == "won"
    review = services.run_review(actor=vendor_admin)
    by_partner = {p.partner_id: p for p in review.proposals.all()}
    assert by_partner[p0.pk].score == Decimal("110000.00") and by_partner[p0.pk].rank == 1
    assert by_partner[p1.pk].score == Decimal("50000.00") and by_partner[p1.pk].rank == 2
    # N = 7: rank 1 is 14.3% → Gold; rank 2 is 28.6% → Silver; the rest scored 0 → Bronze.
    assert (by_partner[p0.pk].proposed_tier, by_partner[p1.pk].proposed_tier) == ("gold", "silver")
    assert {by_partner[p.pk].proposed_tier for p, _ in program_partners[2:]} == {"bronze"}
    services.apply_review(actor=vendor_admin, review=review, partner_ids=[p0.pk])
    p0.refresh_from_db(), p1.refresh_from_db()
    assert (p0.tier, p1.tier) == ("gold", "")
    assert TierChange.objects.filter(partner=p0, to_tier="gold").exists()
    assert u0.notifications.filter(title__contains="Gold").exists()
    services.apply_review(actor=vendor_admin, review=review)
    p1.refresh_from_db()
    assert p1.tier == "silver"
    review.refresh_from_db()
    assert review.status == "applied"


def test_requirements_move_a_partner_down(program_partners, vendor_admin, channel_manager):
    Tier.objects.filter(code="gold").update(min_certified_people=2)
    (p0, u0) = program_partners[0]
    _won(p0, u0, channel_manager, 100000)
    proposal = services.run_review(actor=vendor_admin).proposals.get(partner=p0)
    assert (proposal.percentile_tier, proposal.proposed_tier) == ("gold", "silver")
    assert "needs 2 certified people (has 0)" in proposal.reason


def test_a_missing_fx_rate_is_an_error_not_a_silent_one(program_partners, vendor_admin, channel_manager):
    (p0, u0) = program_partners[0]
    _won(p0, u0, channel_manager, 1000, "GBP")
    with pytest.raises(MissingFxRate, match="GBP"):
        services.run_review(actor=vendor_admin)


def test_demotion_waits_for_the_grace_period(program_partners, vendor_admin):
    (p0, _u0) = program_partners[0]
    Partner.objects.filter(pk=p0.pk).update(tier="gold")
    Program.objects.filter(pk=1).update(demotion_grace_days=30)
    review = services.run_review(actor=vendor_admin)
    services.apply_review(actor=vendor_admin, review=review)
    p0.refresh_from_db()
    assert p0.tier == "gold"
    assert services.apply_due_demotions(today=timezone.localdate() + timedelta(days=29)) == 0
    assert services.apply_due_demotions(today=timezone.localdate() + timedelta(days=30)) == 1
    p0.refresh_from_db()
    assert p0.tier == "bronze"


def test_only_program_admins_run_and_apply(program_partners, channel_manager, vendor_admin):
    with pytest.raises(NotAllowed):
        services.run_review(actor=channel_manager)
    review = services.run_review(actor=vendor_admin)
    with pytest.raises(NotAllowed):
        services.apply_review(actor=channel_manager, review=review)


def test_the_review_job_runs_from_the_cli(program_partners):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("jobs", "run", "programs.tier_review", "--now", "2026-10-01T06:00:00+00:00", stdout=out)
    assert "proposed for 7 partners" in out.getvalue()
