"""`openprm demo`: a whole program through the services, every stage, region and type, logins that work."""

import random
import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from openprm.accounts.models import Invitation, Role, User
from openprm.audit.models import AuditEvent
from openprm.lib.regions import Region
from openprm.partners import demo_data
from openprm.partners.models import (
    DEVELOPMENT_STAGES,
    OnboardingTask,
    Partner,
    PartnerTypeCode,
    ScorecardScore,
    Stage,
    StageChange,
)


def run_demo(*args) -> str:
    out = StringIO()
    call_command("demo", *args, "--no-progress", stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def demo_output(db):
    return run_demo("--partners", "14", "--seed", "7")


def login_emails(output: str) -> list[str]:
    table = output.split("Demo logins", 1)[1]
    return re.findall(r"[\w.+-]+@[\w.-]+\.\w+", table)


def test_it_covers_every_stage_region_and_type_with_14_partners(demo_output):
    partners = Partner.objects.all()
    assert partners.count() == 14
    assert set(partners.values_list("stage", flat=True)) == set(Stage.values)
    assert set(partners.values_list("region", flat=True)) == set(Region.values)
    assert {code for p in partners for code in p.type_codes} == set(PartnerTypeCode.values)
    assert "By stage: Identification " in demo_output and "Terminated 1" in demo_output


def test_partners_have_the_data_their_stage_implies(demo_output):
    for partner in Partner.objects.all():
        assert 1 <= partner.contacts.count() <= 3
        assert partner.website == f"https://www.{partner.domain}"
        reached = partner.stage_before_suspension or partner.stage
        if reached in DEVELOPMENT_STAGES and DEVELOPMENT_STAGES.index(reached) >= 2:
            assert partner.users.filter(role=Role.PARTNER_ADMIN).count() == 1, partner
            assert ScorecardScore.objects.filter(partner=partner).count() == 6, partner
        if partner.stage == Stage.ACTIVE:
            assert partner.tier in {"platinum", "gold", "silver", "bronze"}
        else:
            assert partner.tier == ""
        if partner.stage in (Stage.SUSPENDED, Stage.TERMINATED):
            assert partner.status_reason
    onboarding = OnboardingTask.objects.filter(partner__stage=Stage.ONBOARDING)
    assert onboarding.filter(completed_at__isnull=False).exists()
    assert onboarding.filter(completed_at__isnull=True).exists()
    assert Partner.objects.filter(stage=Stage.ACTIVE, locator_opt_in=True).exists()
    assert any(p.is_late() for p in Partner.objects.filter(stage__in=DEVELOPMENT_STAGES))
    assert Invitation.objects.pending().exists()


def test_every_change_went_through_the_services_with_audit_events(demo_output):
    for partner in Partner.objects.all():
        events = AuditEvent.objects.filter(partner=partner)
        assert events.filter(verb="partner.created").count() == 1
        # One stage-change event per move; the first StageChange row is the creation itself.
        moves = StageChange.objects.filter(partner=partner).count() - 1
        assert events.filter(verb="partner.stage_changed").count() == moves
        assert events.filter(verb="contact.created").count() == partner.contacts.count()
        for user in partner.users.all():
            assert AuditEvent.objects.for_object(user).filter(verb="user.created").exists()
    # Backdated history: the stage history starts in the past and partners' creation follows it.
    first = StageChange.objects.filter(partner__stage=Stage.ACTIVE).order_by("changed_at").first()
    assert first.partner.created_at == first.changed_at
    assert first.partner.days_in_stage() >= 30


def test_printed_logins_sign_in_with_the_demo_password(demo_output):
    emails = login_emails(demo_output)
    assert emails[:5] == [demo_data.ADMIN_EMAIL, "daniel.brooks@openprm.demo", "sofia.lindqvist@openprm.demo",
                          "priya.raman@openprm.demo", "finance@openprm.demo"]
    assert len(emails) == 8
    for email in emails:
        assert authenticate(email=email, password=demo_data.DEMO_PASSWORD) is not None, email
        assert authenticate(email=email, password="wrong-pass-2026") is None
    partner_admins = User.objects.filter(email__in=emails[5:7])
    assert {u.role for u in partner_admins} == {Role.PARTNER_ADMIN}
    assert {u.partner.region for u in partner_admins} == {Region.NORTH_AMERICA, Region.EUROPE}
    assert {u.partner.stage for u in partner_admins} == {Stage.ACTIVE}
    # A partner sales rep too (issue 10, item 15): the role that registers deals and cannot invite anyone.
    sales = User.objects.get(email=emails[7])
    assert (sales.role, sales.partner.stage) == (Role.PARTNER_SALES, Stage.ACTIVE)


def test_once_skips_a_loaded_database_and_prints_the_logins_again(demo_output):
    counts = (Partner.objects.count(), User.objects.count(), AuditEvent.objects.count())
    again = run_demo("--once", "--partners", "14")
    assert "Demo data already loaded" in again
    assert login_emails(again) == login_emails(demo_output)
    assert (Partner.objects.count(), User.objects.count(), AuditEvent.objects.count()) == counts
    with pytest.raises(CommandError, match="already loaded"):
        run_demo("--partners", "14")
    assert Partner.objects.count() == counts[0]


def test_the_same_seed_gives_the_same_program():
    first = demo_data.plan_partners(20, random.Random(3))
    assert [(p.name, p.country, p.stage, p.types) for p in first] == [
        (p.name, p.country, p.stage, p.types) for p in demo_data.plan_partners(20, random.Random(3))]
    assert [p.name for p in first] != [p.name for p in demo_data.plan_partners(20, random.Random(4))]
    assert len({p.domain for p in demo_data.plan_partners(200, random.Random(3))}) == 200


def test_it_refuses_too_few_partners(db):
    with pytest.raises(CommandError, match="at least 8"):
        run_demo("--partners", "5")
    assert not User.objects.exists()


def test_the_program_has_deals_tiers_agreements_and_commissions(demo_output):
    """Every capability shows something in the demo, made through the services in the order use makes it."""
    from openprm.agreements.models import Agreement, AgreementStatus
    from openprm.agreements.services import tier_of
    from openprm.commissions.models import LedgerLine, LineStatus
    from openprm.deals.models import Registration, RegistrationStatus
    from openprm.programs.models import TierReview

    statuses = set(Registration.objects.values_list("status", flat=True))
    assert {RegistrationStatus.WON, RegistrationStatus.APPROVED, RegistrationStatus.SUBMITTED} <= statuses
    # Won deals accrued commissions, and the settlement approved and paid some of them.
    won = Registration.objects.filter(status=RegistrationStatus.WON)
    assert LedgerLine.objects.filter(registration__in=won).exists()
    assert LedgerLine.objects.filter(status=LineStatus.PENDING).exists()
    # The tier review was applied: every active partner's tier is the one its proposal gave.
    review = TierReview.objects.get()
    assert not review.proposals.filter(applied_at__isnull=True).exists()
    for proposal in review.proposals.select_related("partner"):
        assert proposal.partner.tier == proposal.proposed_tier
    # Active partners signed agreements whose discount lies inside their (new) tier's range.
    active = Agreement.objects.filter(status=AgreementStatus.ACTIVE).select_related("partner")
    signing = Partner.objects.filter(stage=Stage.ACTIVE, users__role=Role.PARTNER_ADMIN).distinct()
    assert active.count() == signing.count()
    for agreement in active:
        tier = tier_of(agreement.partner)
        assert tier.discount_min <= agreement.discount_percent <= tier.discount_max
        assert agreement.signer_name and agreement.territories == [agreement.partner.country]
        # Issue 10, item 1: each names the real plan its partner earns on from the agreement's start.
        from openprm.commissions.services import plan_for

        assert agreement.commission_plan is not None
        assert plan_for(agreement.partner_id, agreement.starts_on) == agreement.commission_plan
    assert "Deals: " in demo_output and "Agreements: active" in demo_output and "payout" in demo_output
    # Incentives made through their services: SPIFFs (one running, one upcoming) and this quarter's targets.
    from openprm.commissions.models import QuarterlyTarget, Spiff

    assert Spiff.objects.count() == 2 and AuditEvent.objects.filter(verb__startswith="spiff.").count() == 2
    assert QuarterlyTarget.objects.exists()


def test_the_demo_payout_is_built_and_approved_by_two_people(demo_output):
    """Four-eyes (issue 10, item 3): finance builds the demo batch, the program admin approves it; the
    earning partners have payout details, but one, listed in the batch as "cannot be paid"."""
    from openprm.commissions.models import Payout, PayoutDetails

    payout = Payout.objects.get()
    assert "payout DEMO-" in demo_output and payout.status == "paid"
    assert payout.approved_by is not None and payout.approved_by != payout.created_by
    assert PayoutDetails.objects.exists()
    assert payout.items.exclude(blocked_reason="").count() == 1


def test_the_program_has_support_tickets_at_every_level(demo_output):
    """Support tickets through the services (issue 11): escalated to L2 and L3, some paused, some breached."""
    from openprm.support.models import Ticket

    tickets = Ticket.objects.all()
    assert tickets.count() == 28  # 2 per partner
    assert {"L1", "L2"} <= set(tickets.values_list("level", flat=True))
    assert tickets.filter(sla_started_at__isnull=False).exists()
    assert AuditEvent.objects.filter(verb="ticket.created").count() == 28
    assert User.objects.filter(role=Role.ENGINEERING).exists()
    assert "Support tickets: tickets 28" in demo_output
