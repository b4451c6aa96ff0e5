from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from openprm.agreements import services
from openprm.agreements.exceptions import AlreadySigned, InvalidAgreementTransition
from openprm.agreements.models import Agreement, AgreementStatus
from openprm.agreements.services import facts
from openprm.audit.models import AuditEvent
from openprm.lib.errors import NotAllowed, ValidationFailed
from openprm.partners.models import Partner

from .conftest import terms


def test_a_draft_takes_the_template_and_the_given_terms(draft, acme):
    assert draft.status == AgreementStatus.DRAFT and draft.partner == acme
    assert draft.template.kind == "reseller" and draft.template_version == 1
    assert draft.territories == ["US", "europe"] and draft.discount_percent == Decimal("15.00")
    assert draft.support_split == "L1 partner; L2/L3 vendor"
    assert "rights" in draft.ip_terms and draft.termination_terms
    assert AuditEvent.objects.for_object(draft).filter(verb="agreement.created").exists()


def test_ends_on_defaults_to_the_template_term(acme, channel_manager):
    data = terms(starts_on="2026-03-01")
    del data["ends_on"]
    agreement = services.create_agreement(actor=channel_manager, partner=acme, data=data)
    assert str(agreement.ends_on) == "2027-02-28"


def test_only_admins_and_the_partners_manager_draft(acme, other_manager, acme_admin):
    for user in (other_manager, acme_admin):
        with pytest.raises(NotAllowed):
            services.create_agreement(actor=user, partner=acme, data=terms())
    assert not Agreement.objects.exists()


def test_the_discount_must_lie_in_the_tier_range(acme, vendor_admin):
    # Untiered partners are held to the catch-all tier (Bronze, 15–20%).
    with pytest.raises(ValidationFailed) as refused:
        services.create_agreement(actor=vendor_admin, partner=acme, data=terms(discount_percent="25"))
    assert refused.value.errors["discount_percent"] == ["The discount must lie within the Bronze tier range of 15–20%."]
    Partner.objects.filter(pk=acme.pk).update(tier="gold")
    acme.refresh_from_db()
    with pytest.raises(ValidationFailed) as refused:
        services.create_agreement(actor=vendor_admin, partner=acme, data=terms(discount_percent="20"))
    assert "25–30%" in refused.value.errors["discount_percent"][0]
    agreement = services.create_agreement(actor=vendor_admin, partner=acme, data=terms(discount_percent="27.5"))
    assert agreement.discount_percent == Decimal("27.50")
    assert Agreement.objects.count() == 1


def test_bad_input_names_every_field_and_writes_nothing(acme, vendor_admin):
    with pytest.raises(ValidationFailed) as refused:
        services.create_agreement(actor=vendor_admin, partner=acme, data=terms(
            kind="franchise", territories=["US", "Atlantis"], ends_on="2020-01-01", notice_days=-1))
    errors = refused.value.errors
    assert set(errors) >= {"kind", "territories", "notice_days"}
    assert "Atlantis" in errors["territories"][0]
    with pytest.raises(ValidationFailed) as refused:
        services.create_agreement(actor=vendor_admin, partner=acme, data=terms(ends_on=timezone.localdate()))
    assert "ends_on" in refused.value.errors
    assert not Agreement.objects.exists()


def test_drafts_only_are_edited(draft, sent, channel_manager):
    with pytest.raises(InvalidAgreementTransition):
        services.update_agreement(actor=channel_manager, agreement=sent, data={"notice_days": 30})


def test_update_a_draft(draft, channel_manager):
    services.update_agreement(actor=channel_manager, agreement=draft, data={"notice_days": 90, "territories": ["de"]})
    draft.refresh_from_db()
    assert draft.notice_days == 90 and draft.territories == ["DE"]
    event = AuditEvent.objects.for_object(draft).get(verb="agreement.updated")
    assert event.changes["notice_days"] == [60, 90]


def test_send_notifies_the_partner_admins(draft, channel_manager, acme_admin, acme_rep, globex_admin,
                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.send(actor=channel_manager, agreement=draft)
    draft.refresh_from_db()
    assert draft.status == AgreementStatus.SENT and draft.sent_at
    assert [m.to for m in mail.outbox] == [[acme_admin.email]]
    assert "sign" in mail.outbox[0].subject.lower()


def test_the_send_e_mail_reads_an_oem_agreement(acme, channel_manager, acme_admin,
                                                django_capture_on_commit_callbacks):
    """Issue 10, item 11: the article follows the sound and the acronym keeps its capitals ("a oem" before)."""
    oem = services.create_agreement(actor=channel_manager, partner=acme, data=terms(kind="oem", whitelabel=True))
    with django_capture_on_commit_callbacks(execute=True):
        services.send(actor=channel_manager, agreement=oem)
    assert f"sent {acme.name} an OEM agreement" in mail.outbox[0].body


def test_sending_a_non_draft_is_refused(sent, channel_manager):
    with pytest.raises(InvalidAgreementTransition):
        services.send(actor=channel_manager, agreement=sent)


def test_signing_keeps_who_when_and_ip_and_activates_a_started_term(sent, acme_admin):
    agreement = services.sign(actor=acme_admin, agreement=sent, signer_name="  Alice   Acme ", ip_address="203.0.113.7")
    assert agreement.status == AgreementStatus.ACTIVE
    assert agreement.signed_by == acme_admin and agreement.signer_name == "Alice Acme"
    assert agreement.signer_ip == "203.0.113.7" and agreement.signed_at
    assert AuditEvent.objects.for_object(agreement).get(verb="agreement.signed").ip_address == "203.0.113.7"


def test_a_future_term_is_signed_then_activated_on_its_start(acme, channel_manager, acme_admin):
    start = timezone.localdate() + timedelta(days=10)
    agreement = services.create_agreement(actor=channel_manager, partner=acme,
                                          data=terms(starts_on=start, ends_on=start + timedelta(days=365)))
    services.send(actor=channel_manager, agreement=agreement)
    agreement = services.sign(actor=acme_admin, agreement=agreement, signer_name="Alice Acme")
    assert agreement.status == AgreementStatus.SIGNED
    assert services.activate_due(today=start - timedelta(days=1)) == 0
    assert services.activate_due(today=start) == 1
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE


def test_signing_bad_paths(sent, acme_rep, acme_admin, globex_admin, vendor_admin):
    for user in (acme_rep, globex_admin, vendor_admin):
        with pytest.raises(NotAllowed):
            services.sign(actor=user, agreement=sent, signer_name="Someone")
    with pytest.raises(ValidationFailed) as refused:
        services.sign(actor=acme_admin, agreement=sent, signer_name="   ")
    assert "signer_name" in refused.value.errors
    sent.refresh_from_db()
    assert sent.status == AgreementStatus.SENT and sent.signed_at is None
    services.sign(actor=acme_admin, agreement=sent, signer_name="Alice Acme")
    with pytest.raises(AlreadySigned) as twice:
        services.sign(actor=acme_admin, agreement=sent, signer_name="Alice Acme")
    assert twice.value.status == 409


def test_a_draft_cannot_be_signed(draft, acme_admin):
    with pytest.raises(InvalidAgreementTransition):
        services.sign(actor=acme_admin, agreement=draft, signer_name="Alice Acme")


def test_terminate_needs_a_reason(active, vendor_admin, channel_manager, acme_admin):
    with pytest.raises(ValidationFailed):
        services.terminate(actor=vendor_admin, agreement=active, reason="  ")
    with pytest.raises(NotAllowed):
        services.terminate(actor=acme_admin, agreement=active, reason="We want out")
    active.refresh_from_db()
    assert active.status == AgreementStatus.ACTIVE
    services.terminate(actor=channel_manager, agreement=active, reason="Material breach")
    active.refresh_from_db()
    assert active.status == AgreementStatus.TERMINATED and active.termination_reason == "Material breach"
    with pytest.raises(InvalidAgreementTransition):
        services.terminate(actor=vendor_admin, agreement=active, reason="again")


def test_active_territories_expand_regions(active, acme, globex):
    countries = services.active_territories(acme, timezone.localdate())
    assert {"US", "DE", "FR", "GB"} <= countries and "JP" not in countries and "CA" not in countries
    assert services.active_territories(globex) == set()
    assert services.active_territories(acme, active.ends_on + timedelta(days=1)) == set()


def test_active_territories_ignore_drafts_and_terminated(draft, acme, vendor_admin):
    assert services.active_territories(acme) == set()


def test_the_requirement_fact(active, acme, globex, vendor_admin):
    today = timezone.localdate()
    assert facts.active_agreement(partner_ids=[acme.pk, globex.pk], as_of=today) == {acme.pk: True}
    assert facts.active_agreement(partner_ids=[acme.pk], as_of=today - timedelta(days=1)) == {}
    services.terminate(actor=vendor_admin, agreement=active, reason="Breach")
    assert facts.active_agreement(partner_ids=[acme.pk], as_of=today) == {}


def test_tier_requirement_uses_the_fact(active, acme):
    from openprm.programs import services as programs

    assert programs._requirement_facts([acme.pk], timezone.localdate())[acme.pk]["active_agreement"] is True


def test_auto_renew_creates_the_next_term(acme, channel_manager, acme_admin):
    agreement = services.create_agreement(actor=channel_manager, partner=acme, data=terms(
        starts_on="2025-01-01", ends_on="2030-12-31"))
    Agreement.objects.filter(pk=agreement.pk).update(starts_on="2025-01-01", ends_on="2025-12-31")
    services.update_agreement(actor=channel_manager, agreement=agreement, data={"auto_renew": True})
    # A term in the past, as if signed a year ago.
    Agreement.objects.filter(pk=agreement.pk).update(status="active", signed_at=timezone.now(),
                                                     signed_by=acme_admin, signer_name="Alice Acme")
    assert services.end_due(today=date(2025, 12, 31)) == {"renewed": 0, "expired": 0}
    assert services.end_due(today=date(2026, 1, 1)) == {"renewed": 1, "expired": 0}
    agreement.refresh_from_db()
    renewal = agreement.renewals.get()
    assert agreement.status == AgreementStatus.RENEWED
    assert renewal.status == AgreementStatus.ACTIVE
    assert (str(renewal.starts_on), str(renewal.ends_on)) == ("2026-01-01", "2026-12-31")
    assert renewal.territories == agreement.territories and renewal.auto_renew
    assert services.end_due(today=date(2026, 1, 2)) == {"renewed": 0, "expired": 0}  # once
    assert facts.active_agreement(partner_ids=[acme.pk], as_of=date(2026, 6, 1)) == {acme.pk: True}


def test_discount_on_comes_from_the_agreement_in_force_that_day(active, acme, globex, vendor_admin):
    today = timezone.localdate()
    assert services.discount_on(partner_id=acme.pk, on=today) == Decimal("15.00")
    assert services.discount_on(partner_id=acme.pk, on=today - timedelta(days=1)) is None  # before the term
    assert services.discount_on(partner_id=acme.pk, on=active.ends_on + timedelta(days=1)) is None
    assert services.discount_on(partner_id=globex.pk, on=today) is None
    services.terminate(actor=vendor_admin, agreement=active, reason="Breach")
    assert services.discount_on(partner_id=acme.pk, on=today) is None


def test_discount_on_ignores_unsigned_agreements(sent, acme):
    assert services.discount_on(partner_id=acme.pk, on=timezone.localdate()) is None


@pytest.mark.parametrize("typed", ["Someone Else", "Alice", "Alice Acme Jr", "Rick Rep"])
def test_a_signature_under_another_name_is_refused_and_changes_nothing(sent, acme_admin, typed):
    with pytest.raises(ValidationFailed) as refused:
        services.sign(actor=acme_admin, agreement=sent, signer_name=typed)
    assert "Alice Acme" in refused.value.errors["signer_name"][0]
    sent.refresh_from_db()
    assert (sent.status, sent.signed_at, sent.signer_name) == ("sent", None, "")


@pytest.mark.parametrize("typed", ["alice acme", "  ALICE   Acme ", "Alíce Ácme"])
def test_the_own_name_is_matched_without_case_accents_or_spacing(sent, acme_admin, typed):
    agreement = services.sign(actor=acme_admin, agreement=sent, signer_name=typed, ip_address="203.0.113.7",
                              user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
    assert agreement.signed_by == acme_admin
    assert (agreement.signer_email, agreement.signer_ip) == ("alice@acme.test", "203.0.113.7")
    assert agreement.signer_user_agent.endswith("Firefox/140.0")


# ---------------------------------------------------------------- the commission plan the agreement names
# (issue 10, item 1: the plan was free text linking to nothing, so a signed partner earned nothing)

def _plans_of(partner):
    from openprm.commissions.models import PlanAssignment

    return list(PlanAssignment.objects.filter(partner=partner).order_by("starts_on")
                .values_list("plan__name", "starts_on", "ends_on"))


def test_an_agreement_names_a_real_plan_and_refuses_an_unknown_one(acme, channel_manager, reseller_plan):
    agreement = services.create_agreement(actor=channel_manager, partner=acme,
                                          data=terms(commission_plan=reseller_plan.pk))
    assert agreement.commission_plan == reseller_plan
    for bad in (reseller_plan.pk + 1000, "ten", 2 ** 40, True):
        with pytest.raises(ValidationFailed) as refused:
            services.update_agreement(actor=channel_manager, agreement=agreement, data={"commission_plan": bad})
        assert "commission_plan" in refused.value.errors
    agreement = services.update_agreement(actor=channel_manager, agreement=agreement, data={"kind": "reseller"})
    assert agreement.commission_plan == reseller_plan  # left out: kept
    agreement = services.update_agreement(actor=channel_manager, agreement=agreement, data={"commission_plan": None})
    assert agreement.commission_plan is None
    assert AuditEvent.objects.for_object(agreement).get(verb="agreement.updated").changes == {
        "commission_plan": [reseller_plan.pk, None]}


def test_signing_puts_the_partner_on_the_agreements_plan_from_its_start(acme, channel_manager, acme_admin,
                                                                         reseller_plan):
    start = timezone.localdate() - timedelta(days=5)
    agreement = services.create_agreement(actor=channel_manager, partner=acme, data=terms(
        starts_on=start, ends_on=start + timedelta(days=365), commission_plan=reseller_plan.pk))
    services.send(actor=channel_manager, agreement=agreement)
    services.sign(actor=acme_admin, agreement=agreement, signer_name="Alice Acme")
    assert _plans_of(acme) == [("Reseller revenue share 10%", start, None)]
    event = AuditEvent.objects.get(verb="commission_plan.assigned")
    assert event.partner_id == acme.pk and event.actor == acme_admin and f"agreement #{agreement.pk}" in event.note


def test_a_future_agreement_assigns_at_signing_and_activation_adds_nothing(acme, channel_manager, acme_admin,
                                                                            reseller_plan):
    start = timezone.localdate() + timedelta(days=10)
    agreement = services.create_agreement(actor=channel_manager, partner=acme, data=terms(
        starts_on=start, ends_on=start + timedelta(days=365), commission_plan=reseller_plan.pk))
    services.send(actor=channel_manager, agreement=agreement)
    services.sign(actor=acme_admin, agreement=agreement, signer_name="Alice Acme")
    assert services.activate_due(today=start) == 1
    assert _plans_of(acme) == [("Reseller revenue share 10%", start, None)]  # idempotent
    assert AuditEvent.objects.filter(verb="commission_plan.assigned").count() == 1


def test_activation_assigns_the_plan_of_an_agreement_signed_before_plans_were_linked(
        acme, channel_manager, acme_admin, reseller_plan):
    start = timezone.localdate() + timedelta(days=3)
    agreement = services.create_agreement(actor=channel_manager, partner=acme, data=terms(
        starts_on=start, ends_on=start + timedelta(days=365)))
    services.send(actor=channel_manager, agreement=agreement)
    services.sign(actor=acme_admin, agreement=agreement, signer_name="Alice Acme")
    assert _plans_of(acme) == []  # no plan named: nothing assigned
    Agreement.objects.filter(pk=agreement.pk).update(commission_plan=reseller_plan)  # as the data migration links it
    services.activate_due(today=start)
    assert _plans_of(acme) == [("Reseller revenue share 10%", start, None)]
    assert AuditEvent.objects.get(verb="commission_plan.assigned").actor_label == "system"


def test_a_new_agreements_plan_replaces_the_plan_in_force(acme, channel_manager, acme_admin, vendor_admin,
                                                          reseller_plan):
    from openprm.commissions import services as commissions
    from openprm.commissions.models import CommissionPlan

    old = CommissionPlan.objects.create(name="Old share", type="revenue_share", rate_percent=5)
    today = timezone.localdate()
    commissions.assign_plan(actor=vendor_admin, partner=acme, plan=old, starts_on=today - timedelta(days=100))
    agreement = services.create_agreement(actor=channel_manager, partner=acme, data=terms(
        starts_on=today, ends_on=today + timedelta(days=365), commission_plan=reseller_plan.pk))
    services.send(actor=channel_manager, agreement=agreement)
    services.sign(actor=acme_admin, agreement=agreement, signer_name="Alice Acme")
    assert _plans_of(acme) == [("Old share", today - timedelta(days=100), today - timedelta(days=1)),
                               ("Reseller revenue share 10%", today, None)]
    assert AuditEvent.objects.filter(verb="commission_plan.assignment_ended").count() == 1


def test_a_later_plan_decided_by_finance_is_left_alone_and_the_skip_recorded(acme, channel_manager, acme_admin,
                                                                            finance_user, reseller_plan):
    from openprm.commissions import services as commissions
    from openprm.commissions.models import CommissionPlan

    special = CommissionPlan.objects.create(name="Special", type="revenue_share", rate_percent=12)
    today = timezone.localdate()
    commissions.assign_plan(actor=finance_user, partner=acme, plan=special, starts_on=today + timedelta(days=30))
    agreement = services.create_agreement(actor=channel_manager, partner=acme, data=terms(
        starts_on=today, ends_on=today + timedelta(days=365), commission_plan=reseller_plan.pk))
    services.send(actor=channel_manager, agreement=agreement)
    agreement = services.sign(actor=acme_admin, agreement=agreement, signer_name="Alice Acme")
    assert agreement.status == AgreementStatus.ACTIVE  # signing never fails for the plan
    assert _plans_of(acme) == [("Special", today + timedelta(days=30), None)]
    skipped = AuditEvent.objects.for_object(agreement).get(verb="commission_plan.assignment_skipped")
    assert "“Special”" in skipped.note
