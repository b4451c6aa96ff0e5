"""Partner services: profile, the stage machine, contacts, scorecard and onboarding — each audited."""

from datetime import timedelta

import pytest
from django.utils import timezone

from openprm.audit.models import AuditEvent
from openprm.lib.errors import Conflict, NotAllowed, ValidationFailed
from openprm.partners import services
from openprm.partners.exceptions import InvalidStageTransition
from openprm.partners.models import Contact, OnboardingTask, Partner, StageChange


def last_event(obj, verb=None):
    events = AuditEvent.objects.for_object(obj)
    if verb:
        events = events.filter(verb=verb)
    return events.order_by("-id").first()


def move(partner, actor, *stages, note=""):
    for stage in stages:
        partner = services.change_stage(actor=actor, partner=partner, stage=stage, note=note)
    return partner


# ---------------------------------------------------------------- create and update


def test_create_partner_starts_in_identification_with_history_and_audit(acme, vendor_admin, channel_manager):
    assert acme.stage == "identification"
    assert acme.type_codes == ["reseller"]
    assert acme.manager == channel_manager
    assert list(acme.stage_changes.values_list("from_stage", "to_stage")) == [("", "identification")]
    event = last_event(acme, "partner.created")
    assert event.actor == vendor_admin
    assert event.partner == acme
    assert event.changes["name"] == [None, "Acme Systems"]
    assert event.changes["types"] == [None, ["reseller"]]
    assert event.changes["manager"] == [None, channel_manager.pk]


def test_a_channel_manager_owns_the_partners_it_adds(channel_manager):
    partner = services.create_partner(actor=channel_manager, data={"name": "Initech", "types": ["msp"],
                                                                   "country": "IN"})
    assert partner.manager == channel_manager
    assert partner.region == "india"


@pytest.mark.parametrize("data, field", [
    ({"types": ["pirate"]}, "types"),
    ({"types": []}, "types"),
    ({"country": "XX"}, "country"),
    ({"domain": "not a domain"}, "domain"),
    ({"website": "nope"}, "website"),
    ({"name": ""}, "name"),
])
def test_create_partner_refuses_bad_input_and_writes_nothing(vendor_admin, data, field):
    partners, events = Partner.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.create_partner(actor=vendor_admin, data={"name": "Initech", "types": ["msp"], "country": "IN",
                                                          **data})
    assert field in exc.value.errors
    assert (Partner.objects.count(), AuditEvent.objects.count()) == (partners, events)


def test_partner_users_cannot_create_partners(acme_admin):
    with pytest.raises(NotAllowed):
        services.create_partner(actor=acme_admin, data={"name": "X", "types": ["msp"], "country": "US"})


def test_a_domain_is_unique_among_live_partners(acme, vendor_admin):
    with pytest.raises(Conflict):
        services.create_partner(actor=vendor_admin, data={"name": "Copy", "types": ["msp"], "country": "US",
                                                          "domain": "https://www.ACME.test/"})


def test_update_partner_audits_before_and_after(acme, vendor_admin):
    services.update_partner(actor=vendor_admin, partner=acme, data={"name": "Acme Corp", "country": "DE",
                                                                    "types": ["reseller", "oem"]})
    acme.refresh_from_db()
    assert (acme.name, acme.region, acme.type_codes) == ("Acme Corp", "europe", ["oem", "reseller"])
    event = last_event(acme, "partner.updated")
    assert event.changes == {"name": ["Acme Systems", "Acme Corp"], "country": ["US", "DE"],
                             "types": [["reseller"], ["oem", "reseller"]]}


def test_an_update_that_changes_nothing_records_nothing(acme, vendor_admin):
    events = AuditEvent.objects.count()
    services.update_partner(actor=vendor_admin, partner=acme, data={"name": "Acme Systems"})
    assert AuditEvent.objects.count() == events


def test_partner_admin_edits_its_profile_but_not_vendor_fields(acme, acme_admin, other_manager):
    services.update_partner(actor=acme_admin, partner=acme, data={"description": "We resell."})
    for data in ({"manager": other_manager.pk}, {"types": ["oem"]}, {"reference_checks": "fine"}):
        with pytest.raises((ValidationFailed, NotAllowed)):
            services.update_partner(actor=acme_admin, partner=acme, data=data)
    acme.refresh_from_db()
    assert acme.description == "We resell."
    assert acme.manager != other_manager
    assert acme.type_codes == ["reseller"]


def test_others_cannot_edit_the_profile(acme, acme_rep, globex_admin, other_manager):
    for actor in (acme_rep, globex_admin, other_manager):
        with pytest.raises(NotAllowed):
            services.update_partner(actor=actor, partner=acme, data={"name": "Hacked"})
    acme.refresh_from_db()
    assert acme.name == "Acme Systems"


def test_the_manager_must_be_an_active_channel_manager(acme, vendor_admin, finance_user):
    with pytest.raises(ValidationFailed) as exc:
        services.update_partner(actor=vendor_admin, partner=acme, data={"manager": finance_user.pk})
    assert "manager" in exc.value.errors
    with pytest.raises(ValidationFailed):
        services.update_partner(actor=vendor_admin, partner=acme, data={"manager": 987654})


# ---------------------------------------------------------------- stage machine


def test_the_development_stages_in_order(acme, channel_manager):
    acme = move(acme, channel_manager, "qualification", "negotiation", "onboarding", "active")
    assert acme.stage == "active"
    assert list(StageChange.objects.filter(partner=acme).order_by("id").values_list("from_stage", "to_stage")) == [
        ("", "identification"), ("identification", "qualification"), ("qualification", "negotiation"),
        ("negotiation", "onboarding"), ("onboarding", "active")]
    event = last_event(acme, "partner.stage_changed")
    assert event.changes == {"stage": ["onboarding", "active"]}
    assert event.actor == channel_manager


def test_a_stage_can_fall_back_one_step(acme, channel_manager):
    acme = move(acme, channel_manager, "qualification", "negotiation", "qualification")
    assert acme.stage == "qualification"


@pytest.mark.parametrize("path, target", [
    ((), "negotiation"),
    ((), "active"),
    (("qualification",), "onboarding"),
    (("qualification", "negotiation"), "identification"),
    ((), "identification"),
])
def test_skipping_a_stage_is_refused_with_409(acme, channel_manager, path, target):
    acme = move(acme, channel_manager, *path)
    before = (acme.stage, acme.stage_entered_at, StageChange.objects.count(), AuditEvent.objects.count())
    with pytest.raises(InvalidStageTransition) as exc:
        services.change_stage(actor=channel_manager, partner=acme, stage=target)
    assert exc.value.status == 409
    acme.refresh_from_db()
    assert (acme.stage, acme.stage_entered_at, StageChange.objects.count(), AuditEvent.objects.count()) == before


def test_an_unknown_stage_is_a_validation_error(acme, channel_manager):
    with pytest.raises(ValidationFailed) as exc:
        services.change_stage(actor=channel_manager, partner=acme, stage="retired")
    assert "stage" in exc.value.errors


@pytest.mark.parametrize("stage", ["suspended", "terminated"])
def test_suspending_or_terminating_needs_a_reason(acme, channel_manager, stage):
    with pytest.raises(ValidationFailed) as exc:
        services.change_stage(actor=channel_manager, partner=acme, stage=stage, note="   ")
    assert "note" in exc.value.errors
    acme.refresh_from_db()
    assert acme.stage == "identification"
    acme = services.change_stage(actor=channel_manager, partner=acme, stage=stage, note="Missed targets")
    assert (acme.stage, acme.status_reason) == (stage, "Missed targets")
    assert last_event(acme, "partner.stage_changed").note == "Missed targets"


def test_a_suspended_partner_returns_to_the_stage_it_was_in(acme, channel_manager):
    acme = move(acme, channel_manager, "qualification", "negotiation")
    acme = services.change_stage(actor=channel_manager, partner=acme, stage="suspended", note="Compliance check")
    assert services.allowed_next_stages(acme) == ["negotiation", "terminated"]
    with pytest.raises(InvalidStageTransition):
        services.change_stage(actor=channel_manager, partner=acme, stage="active")
    acme = services.change_stage(actor=channel_manager, partner=acme, stage="negotiation", note="Cleared")
    assert acme.stage == "negotiation"
    assert acme.status_reason == ""


def test_terminated_is_final(acme, channel_manager):
    acme = services.change_stage(actor=channel_manager, partner=acme, stage="terminated", note="Fraud")
    assert services.allowed_next_stages(acme) == []
    for stage in ("identification", "qualification", "active", "suspended"):
        with pytest.raises(InvalidStageTransition):
            services.change_stage(actor=channel_manager, partner=acme, stage=stage, note="again")
    acme.refresh_from_db()
    assert acme.stage == "terminated"


@pytest.mark.parametrize("who", ["acme_admin", "acme_rep", "other_manager", "finance_user", "globex_admin"])
def test_only_the_owner_or_a_program_admin_moves_stages(acme, who, request):
    with pytest.raises(NotAllowed):
        services.change_stage(actor=request.getfixturevalue(who), partner=acme, stage="qualification")
    acme.refresh_from_db()
    assert acme.stage == "identification"


def test_the_late_flag_resets_when_the_stage_changes(acme, channel_manager):
    Partner.objects.filter(pk=acme.pk).update(stage_entered_at=timezone.now() - timedelta(days=40))
    acme.refresh_from_db()
    assert acme.is_late()
    acme = services.change_stage(actor=channel_manager, partner=acme, stage="qualification")
    assert not acme.is_late()


def test_entering_onboarding_creates_the_checklist_for_the_partners_type(acme, globex, vendor_admin):
    acme = move(acme, vendor_admin, "qualification", "negotiation", "onboarding")
    titles = list(acme.onboarding_tasks.values_list("title", flat=True))
    assert titles[0] == "Kick-off meeting"
    assert "Training and enablement" in titles  # the standard template for a reseller
    kickoff = acme.onboarding_tasks.get(title="Kick-off meeting")
    assert kickoff.owner == acme.manager
    assert kickoff.due_on == timezone.localdate() + timedelta(days=3)
    globex = move(globex, vendor_admin, "qualification", "negotiation", "onboarding")
    assert "Integration build and certification" in set(globex.onboarding_tasks.values_list("title", flat=True))
    assert last_event(globex, "onboarding.started").note.endswith("Technology partner onboarding")


def test_reentering_onboarding_keeps_the_existing_checklist(acme, vendor_admin):
    acme = move(acme, vendor_admin, "qualification", "negotiation", "onboarding")
    count = acme.onboarding_tasks.count()
    acme = move(acme, vendor_admin, "negotiation", "onboarding")
    assert acme.onboarding_tasks.count() == count


def test_stage_changes_email_the_partners_admins(acme, acme_admin, channel_manager, mailoutbox,
                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.change_stage(actor=channel_manager, partner=acme, stage="qualification")
    assert [m.to for m in mailoutbox] == [["alice@acme.test"]]
    assert "Qualification" in mailoutbox[0].subject


# ---------------------------------------------------------------- onboarding tasks


def test_partner_admin_ticks_partner_steps_only(acme, acme_admin, acme_rep, vendor_admin):
    move(acme, vendor_admin, "qualification", "negotiation", "onboarding")
    partner_step = OnboardingTask.objects.filter(partner=acme, owner_side="partner").first()
    vendor_step = OnboardingTask.objects.filter(partner=acme, owner_side="vendor").first()
    services.set_task_done(actor=acme_admin, task=partner_step, done=True)
    partner_step.refresh_from_db()
    assert partner_step.is_done and partner_step.completed_by == acme_admin
    assert last_event(partner_step, "onboarding.task_done").changes == {"done": [False, True]}
    for actor, task in ((acme_admin, vendor_step), (acme_rep, partner_step)):
        with pytest.raises(NotAllowed):
            services.set_task_done(actor=actor, task=task, done=not task.is_done)
    vendor_step.refresh_from_db()
    assert not vendor_step.is_done


# ---------------------------------------------------------------- contacts


def test_a_new_primary_contact_demotes_the_previous_one(acme, acme_admin):
    first = services.save_contact(actor=acme_admin, partner=acme, data={"name": "First", "is_primary": True})
    second = services.save_contact(actor=acme_admin, partner=acme, data={"name": "Second", "is_primary": True})
    first.refresh_from_db()
    assert (first.is_primary, second.is_primary) == (False, True)
    assert list(Contact.objects.filter(partner=acme, is_primary=True)) == [second]
    assert last_event(second, "contact.created").changes["name"] == [None, "Second"]


def test_contact_edits_and_deletions_are_audited(acme, acme_admin):
    contact = services.save_contact(actor=acme_admin, partner=acme, data={"name": "Pat", "email": "pat@acme.test"})
    services.save_contact(actor=acme_admin, partner=acme, contact=contact, data={"job_title": "CTO"})
    assert last_event(contact, "contact.updated").changes == {"job_title": ["", "CTO"]}
    pk = contact.pk
    services.delete_contact(actor=acme_admin, contact=contact)
    assert not Contact.objects.filter(pk=pk).exists()
    deleted = AuditEvent.objects.get(object_type="partners.contact", object_id=str(pk), verb="contact.deleted")
    assert deleted.changes["email"] == ["pat@acme.test", None]


def test_contact_rules(acme, acme_rep, acme_admin, globex_admin):
    for actor in (acme_rep, globex_admin):
        with pytest.raises(NotAllowed):
            services.save_contact(actor=actor, partner=acme, data={"name": "X"})
    with pytest.raises(ValidationFailed) as exc:
        services.save_contact(actor=acme_admin, partner=acme, data={"name": "X", "email": "not-an-email"})
    assert "email" in exc.value.errors
    assert not Contact.objects.filter(partner=acme).exists()


# ---------------------------------------------------------------- scorecard


def test_scoring_records_scores_and_the_weighted_result(acme, channel_manager):
    services.score_partner(actor=channel_manager, partner=acme,
                           scores={"strategic_alignment": 5, "cultural_compatibility": (2, "slow")})
    assert acme.weighted_score() == 4
    event = last_event(acme, "partner.scored")
    assert event.changes == {"strategic_alignment": [None, 5], "cultural_compatibility": [None, 2]}
    services.score_partner(actor=channel_manager, partner=acme, scores={"strategic_alignment": 3})
    assert last_event(acme, "partner.scored").changes == {"strategic_alignment": [5, 3]}


@pytest.mark.parametrize("scores", [{"strategic_alignment": 6}, {"strategic_alignment": 0},
                                    {"nonsense": 3}, {"strategic_alignment": "4"}])
def test_bad_scores_are_refused_and_nothing_is_stored(acme, channel_manager, scores):
    with pytest.raises(ValidationFailed):
        services.score_partner(actor=channel_manager, partner=acme, scores={"market_reach": 4, **scores})
    assert acme.weighted_score() is None


def test_partners_cannot_score_themselves(acme, acme_admin):
    with pytest.raises(NotAllowed):
        services.score_partner(actor=acme_admin, partner=acme, scores={"market_reach": 5})
    assert acme.weighted_score() is None


# ---------------------------------------------------------------- public application


def test_an_application_lands_in_qualification_with_a_primary_contact(vendor_admin):
    partner = services.submit_application(
        data={"name": "Umbrella", "types": ["referral"], "country": "NG", "domain": "umbrella.test"},
        contact={"name": "Ann Umbrella", "email": "ann@umbrella.test"})
    assert (partner.stage, partner.source, partner.region) == ("qualification", "application", "africa")
    assert partner.contacts.get().is_primary
    assert last_event(partner, "partner.created").actor_label == "public"
