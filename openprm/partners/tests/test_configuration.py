"""Lifecycle settings, scorecard criteria and onboarding templates: configuration services and their API."""

import json
from decimal import Decimal

import pytest

from conftest import api_client_for
from openprm.audit.models import AuditEvent
from openprm.lib.errors import NotAllowed, ValidationFailed
from openprm.partners import configuration
from openprm.partners.models import OnboardingTemplate, OnboardingTemplateItem, ScorecardCriterion, StageTarget


def _api(user, method, url, body=None):
    client = api_client_for(user)
    return client.generic(method, url, data=json.dumps(body) if body is not None else "",
                          content_type="application/json")


# ---------------------------------------------------------------- services

def test_it_adds_and_changes_a_criterion_with_audit_events(vendor_admin):
    criterion = configuration.create_criterion(actor=vendor_admin, data={
        "code": "cloud", "name": "Cloud practice", "weight": Decimal("2.5"), "position": 9})
    assert AuditEvent.objects.filter(verb="scorecard_criterion.created", object_id=str(criterion.pk)).exists()
    configuration.update_criterion(actor=vendor_admin, criterion=criterion, data={"name": "Cloud", "weight": 3})
    criterion.refresh_from_db()
    assert (criterion.name, criterion.weight) == ("Cloud", Decimal("3"))
    event = AuditEvent.objects.get(verb="scorecard_criterion.updated")
    assert event.changes["name"] == ["Cloud practice", "Cloud"]


def test_it_refuses_a_duplicate_code_and_a_weight_over_100(vendor_admin):
    existing = ScorecardCriterion.objects.first()
    with pytest.raises(ValidationFailed) as duplicate:
        configuration.create_criterion(actor=vendor_admin, data={"code": existing.code, "name": "Again"})
    assert "code" in duplicate.value.errors
    with pytest.raises(ValidationFailed) as heavy:
        configuration.update_criterion(actor=vendor_admin, criterion=existing, data={"weight": Decimal("101")})
    assert "weight" in heavy.value.errors
    assert not AuditEvent.objects.filter(verb__startswith="scorecard_criterion").exists()


def test_the_last_weighted_criterion_keeps_a_weight(vendor_admin):
    *others, last = ScorecardCriterion.objects.all()
    ScorecardCriterion.objects.filter(pk__in=[c.pk for c in others]).update(weight=0)
    with pytest.raises(ValidationFailed):
        configuration.update_criterion(actor=vendor_admin, criterion=last, data={"weight": 0})
    last.refresh_from_db()
    assert last.weight > 0


def test_it_adds_a_template_and_steps(vendor_admin):
    template = configuration.create_template(actor=vendor_admin, data={"name": "MSP onboarding",
                                                                      "partner_type": "msp"})
    assert template.partner_type_id == "msp"
    item = configuration.create_template_item(actor=vendor_admin, template=template, data={
        "title": "Security review", "owner_side": "partner", "due_after_days": 10})
    configuration.update_template_item(actor=vendor_admin, item=item, data={"due_after_days": 14})
    item.refresh_from_db()
    assert item.due_after_days == 14
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"onboarding_template.created", "onboarding_template_item.created",
            "onboarding_template_item.updated"} <= verbs


def test_it_refuses_a_second_template_for_a_type_and_an_unknown_type(vendor_admin):
    configuration.create_template(actor=vendor_admin, data={"name": "MSP", "partner_type": "msp"})
    with pytest.raises(ValidationFailed) as twice:
        configuration.create_template(actor=vendor_admin, data={"name": "MSP again", "partner_type": "msp"})
    assert "partner_type" in twice.value.errors
    with pytest.raises(ValidationFailed) as unknown:
        configuration.create_template(actor=vendor_admin, data={"name": "X", "partner_type": "pirate"})
    assert "partner_type" in unknown.value.errors
    assert OnboardingTemplate.objects.filter(name__in=["MSP again", "X"]).count() == 0


def test_it_refuses_a_step_due_in_ten_years_and_more(vendor_admin):
    template = OnboardingTemplate.objects.first()
    with pytest.raises(ValidationFailed) as refused:
        configuration.create_template_item(actor=vendor_admin, template=template,
                                           data={"title": "Later", "due_after_days": 4000})
    assert "due_after_days" in refused.value.errors
    assert not OnboardingTemplateItem.objects.filter(title="Later").exists()


@pytest.mark.parametrize("user", ["channel_manager", "finance_user", "acme_admin"])
def test_only_program_admins_configure(request, user):
    actor = request.getfixturevalue(user)
    events = AuditEvent.objects.count()
    with pytest.raises(NotAllowed):
        configuration.create_criterion(actor=actor, data={"code": "x", "name": "X"})
    with pytest.raises(NotAllowed):
        configuration.create_template(actor=actor, data={"name": "X"})
    with pytest.raises(NotAllowed):
        configuration.set_stage_targets(actor=actor, targets={"identification": 5})
    assert AuditEvent.objects.count() == events


# ---------------------------------------------------------------- API

def test_api_lifecycle_reads_and_patches_stage_targets(vendor_admin):
    assert _api(vendor_admin, "GET", "/api/v1/settings/lifecycle").json() == {
        "identification": 14, "qualification": 14, "negotiation": 28, "onboarding": 28}
    response = _api(vendor_admin, "PATCH", "/api/v1/settings/lifecycle", {"negotiation": 21})
    assert response.status_code == 200
    assert response.json()["negotiation"] == 21
    assert StageTarget.objects.get(stage="negotiation").target_days == 21
    assert AuditEvent.objects.filter(verb="stage_target.updated").count() == 1


@pytest.mark.parametrize("body, field", [({"negotiation": 0}, "negotiation"), ({"active": 5}, "active"),
                                         ({"onboarding": None}, "onboarding"), ({"onboarding": "x"}, "onboarding")])
def test_api_lifecycle_answers_422(vendor_admin, body, field):
    response = _api(vendor_admin, "PATCH", "/api/v1/settings/lifecycle", body)
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert not AuditEvent.objects.filter(verb="stage_target.updated").exists()


def test_api_criteria_list_create_update(vendor_admin):
    listed = _api(vendor_admin, "GET", "/api/v1/settings/scorecard-criteria").json()
    assert len(listed) == ScorecardCriterion.objects.count()
    created = _api(vendor_admin, "POST", "/api/v1/settings/scorecard-criteria",
                   {"code": "cloud", "name": "Cloud practice", "weight": "2.50"})
    assert created.status_code == 201, created.content
    assert Decimal(created.json()["weight"]) == Decimal("2.5")
    patched = _api(vendor_admin, "PATCH", "/api/v1/settings/scorecard-criteria/cloud", {"weight": "4"})
    assert patched.status_code == 200
    assert ScorecardCriterion.objects.get(code="cloud").weight == Decimal("4")
    assert _api(vendor_admin, "PATCH", "/api/v1/settings/scorecard-criteria/nope", {"weight": "4"}).status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"code": "bad code", "name": "X"}, "code"), ({"code": "ok", "name": ""}, "name"),
    ({"code": "ok", "name": "X", "weight": "-1"}, "weight"), ({"code": "ok", "name": "X", "extra": 1}, "extra")])
def test_api_criteria_answer_422(vendor_admin, body, field):
    response = _api(vendor_admin, "POST", "/api/v1/settings/scorecard-criteria", body)
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_api_templates_list_create_update_and_steps(vendor_admin):
    listed = _api(vendor_admin, "GET", "/api/v1/settings/onboarding-templates").json()
    assert listed and "items" in listed[0]
    created = _api(vendor_admin, "POST", "/api/v1/settings/onboarding-templates",
                   {"name": "Reseller onboarding", "partner_type": "reseller"})
    assert created.status_code == 201, created.content
    template_id = created.json()["id"]
    assert created.json()["partner_type"] == "reseller"
    url = f"/api/v1/settings/onboarding-templates/{template_id}"
    assert _api(vendor_admin, "PATCH", url, {"name": "Resellers"}).json()["name"] == "Resellers"
    step = _api(vendor_admin, "POST", f"{url}/items", {"title": "Kick-off call", "due_after_days": 3})
    assert step.status_code == 201
    item_url = f"{url}/items/{step.json()['id']}"
    assert _api(vendor_admin, "PATCH", item_url, {"owner_side": "partner"}).json()["owner_side"] == "partner"
    assert _api(vendor_admin, "PATCH", item_url, {"due_after_days": -1}).status_code == 422
    again = _api(vendor_admin, "POST", "/api/v1/settings/onboarding-templates",
                 {"name": "Second", "partner_type": "reseller"})
    assert again.status_code == 422
    assert "partner_type" in again.json()["errors"]


WRITES = [("PATCH", "/api/v1/settings/lifecycle", {"negotiation": 5}),
          ("POST", "/api/v1/settings/scorecard-criteria", {"code": "x", "name": "X"}),
          ("POST", "/api/v1/settings/onboarding-templates", {"name": "X"})]


@pytest.mark.parametrize("user", ["channel_manager", "finance_user", "acme_admin", "acme_rep"])
@pytest.mark.parametrize("method, url, body", WRITES)
def test_api_refuses_everyone_but_program_admins(request, user, method, url, body):
    actor = request.getfixturevalue(user)
    targets = list(StageTarget.objects.values_list("stage", "target_days"))
    assert _api(actor, "GET", url).status_code == 403
    assert _api(actor, method, url, body).status_code == 403
    assert list(StageTarget.objects.values_list("stage", "target_days")) == targets
    assert not ScorecardCriterion.objects.filter(code="x").exists()
    assert not OnboardingTemplate.objects.filter(name="X").exists()
    assert not AuditEvent.objects.filter(verb__regex=r"^(stage_target|scorecard|onboarding)").exists()
