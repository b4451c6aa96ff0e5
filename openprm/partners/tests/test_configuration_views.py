"""The console's program settings area: the Lifecycle, Scorecard and Onboarding tabs (moved from console/,
where /console/settings/ was console:settings), plus the Deals and Commissions tabs of their apps."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import client_for, make_user
from openprm.audit.models import AuditEvent
from openprm.commissions.models import CommissionSettings
from openprm.deals.models import DealProgram
from openprm.partners import services as partners
from openprm.partners.models import OnboardingTemplate, OnboardingTemplateItem, Partner, ScorecardCriterion, StageTarget


def html(response) -> str:
    return response.content.decode()


def backdate(partner, days):
    """Put the partner `days` days into its current stage."""
    Partner.objects.filter(pk=partner.pk).update(stage_entered_at=timezone.now() - timedelta(days=days))


# ---------------------------------------------------------------- Lifecycle (moved from console/tests)

def test_settings_change_a_stage_target_and_it_is_audited(acme, vendor_admin):
    backdate(acme, 10)
    client = client_for(vendor_admin)
    page = html(client.get("/console/settings/"))
    assert "Standard onboarding" in page
    response = client.post("/console/settings/", {"section": "targets", "target_identification": "7",
                                                  "target_qualification": "14", "target_negotiation": "28",
                                                  "target_onboarding": "28"})
    assert response.status_code == 302
    assert StageTarget.objects.get(stage="identification").target_days == 7
    event = AuditEvent.objects.get(verb="stage_target.updated")
    assert event.actor == vendor_admin and event.changes == {"target_days": [14, 7]}
    assert "Acme Systems" in html(client.get("/console/partners/?late=1"))  # 10 days is now late


def test_settings_refuse_bad_targets_and_change_nothing(vendor_admin):
    before = dict(StageTarget.objects.values_list("stage", "target_days"))
    response = client_for(vendor_admin).post("/console/settings/", {
        "section": "targets", "target_identification": "0", "target_qualification": "abc",
        "target_negotiation": "28", "target_onboarding": "28"})
    assert response.status_code == 200
    assert "Enter whole days from 1 to 3650." in html(response)
    assert dict(StageTarget.objects.values_list("stage", "target_days")) == before
    assert not AuditEvent.objects.filter(verb="stage_target.updated").exists()


def test_settings_change_criterion_weights(acme, vendor_admin):
    criteria = list(ScorecardCriterion.objects.all())
    data = {"section": "weights", **{f"weight_{c.code}": str(c.weight) for c in criteria}}
    data[f"weight_{criteria[0].code}"] = "3.5"
    response = client_for(vendor_admin).post("/console/settings/", data)
    assert response.status_code == 302
    criteria[0].refresh_from_db()
    assert str(criteria[0].weight) == "3.50"
    assert AuditEvent.objects.filter(verb="scorecard_criterion.updated").count() == 1


def test_settings_refuse_all_zero_weights(vendor_admin):
    criteria = list(ScorecardCriterion.objects.all())
    before = {c.code: c.weight for c in criteria}
    response = client_for(vendor_admin).post("/console/settings/", {
        "section": "weights", **{f"weight_{c.code}": "0" for c in criteria}})
    assert response.status_code == 200
    assert "At least one criterion must weigh more than zero." in html(response)
    assert {c.code: c.weight for c in ScorecardCriterion.objects.all()} == before


def test_settings_are_for_program_admins_only(channel_manager):
    client = client_for(channel_manager)
    assert client.get("/console/settings/").status_code == 403
    response = client.post("/console/settings/", {"section": "targets", "target_identification": "3"})
    assert response.status_code == 403
    assert StageTarget.objects.get(stage="identification").target_days != 3


def test_program_configuration_services_refuse_non_admins(channel_manager):
    from openprm.lib.errors import NotAllowed

    with pytest.raises(NotAllowed):
        partners.set_stage_targets(actor=channel_manager, targets={"identification": 3})
    with pytest.raises(NotAllowed):
        partners.set_criterion_weights(actor=channel_manager, weights={})


# ---------------------------------------------------------------- Scorecard and Onboarding tabs

def test_scorecard_tab_adds_and_changes_criteria(vendor_admin):
    client = client_for(vendor_admin)
    page = html(client.get("/console/settings/scorecard/"))
    assert "Add a criterion" in page and 'aria-current="page">Scorecard' in page
    response = client.post("/console/settings/scorecard/", {
        "new-code": "cloud", "new-name": "Cloud practice", "new-description": "", "new-weight": "2",
        "new-position": "7"})
    assert response.status_code == 302
    criterion = ScorecardCriterion.objects.get(code="cloud")
    assert "Criterion Cloud practice added." in html(client.get(response["Location"]))
    prefix = f"c{criterion.pk}"
    response = client.post(f"/console/settings/scorecard/{criterion.code}/", {
        f"{prefix}-name": "Cloud", f"{prefix}-description": "Migrations", f"{prefix}-weight": "3",
        f"{prefix}-position": "7"})
    assert response.status_code == 302
    criterion.refresh_from_db()
    assert (criterion.name, criterion.weight) == ("Cloud", Decimal("3"))
    assert AuditEvent.objects.filter(verb__startswith="scorecard_criterion.").count() == 2


def test_scorecard_tab_shows_errors_by_the_field(vendor_admin):
    existing = ScorecardCriterion.objects.first()
    response = client_for(vendor_admin).post("/console/settings/scorecard/", {
        "new-code": existing.code, "new-name": "", "new-weight": "-1", "new-position": "0"})
    assert response.status_code == 200
    page = html(response)
    assert "already exists" in page and "This field is required." in page
    assert ScorecardCriterion.objects.filter(code=existing.code).count() == 1
    prefix = f"c{existing.pk}"
    response = client_for(vendor_admin).post(f"/console/settings/scorecard/{existing.code}/", {
        f"{prefix}-name": existing.name, f"{prefix}-weight": "250", f"{prefix}-position": "0"})
    assert response.status_code == 200
    assert "Enter a weight from 0 to 100." in html(response)
    assert not AuditEvent.objects.filter(verb__startswith="scorecard_criterion.").exists()


def test_onboarding_tab_adds_templates_and_steps(vendor_admin):
    client = client_for(vendor_admin)
    assert "Standard onboarding" in html(client.get("/console/settings/onboarding/"))
    response = client.post("/console/settings/onboarding/", {"new-name": "MSP onboarding", "new-partner_type": "msp"})
    assert response.status_code == 302
    template = OnboardingTemplate.objects.get(name="MSP onboarding")
    url = f"/console/settings/onboarding/{template.pk}/"
    response = client.post(f"{url}items/", {f"add{template.pk}-title": "Security review",
                                           f"add{template.pk}-owner_side": "partner",
                                           f"add{template.pk}-due_after_days": "10",
                                           f"add{template.pk}-position": "1"})
    assert response.status_code == 302
    item = OnboardingTemplateItem.objects.get(template=template)
    response = client.post(f"{url}items/{item.pk}/", {f"i{item.pk}-title": "Security review",
                                                      f"i{item.pk}-owner_side": "vendor",
                                                      f"i{item.pk}-due_after_days": "12",
                                                      f"i{item.pk}-position": "1"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.owner_side, item.due_after_days) == ("vendor", 12)
    response = client.post(url, {f"t{template.pk}-name": "MSPs", f"t{template.pk}-partner_type": "msp"})
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.name == "MSPs"
    verbs = list(AuditEvent.objects.filter(verb__startswith="onboarding_template").values_list("verb", flat=True))
    assert sorted(verbs) == ["onboarding_template.created", "onboarding_template.updated",
                             "onboarding_template_item.created", "onboarding_template_item.updated"]


def test_onboarding_tab_shows_errors_in_place(vendor_admin):
    template = OnboardingTemplate.objects.first()
    response = client_for(vendor_admin).post(f"/console/settings/onboarding/{template.pk}/items/", {
        f"add{template.pk}-title": "", f"add{template.pk}-owner_side": "vendor",
        f"add{template.pk}-due_after_days": "5000", f"add{template.pk}-position": "0"})
    assert response.status_code == 200
    page = html(response)
    assert "This field is required." in page
    assert not AuditEvent.objects.filter(verb__startswith="onboarding_template").exists()


# ---------------------------------------------------------------- Deals and Commissions tabs

def test_deals_tab_saves_the_deal_settings(vendor_admin):
    client = client_for(vendor_admin)
    page = html(client.get("/console/settings/deals/"))
    assert "Save deal settings" in page and 'aria-current="page">Deals' in page
    data = {"protection_days": "45", "extension_days": "30", "review_target_hours": "24", "reminder_days": "7",
            "minimum_amount": "1000", "minimum_currency": "EUR", "match_domains": "on", "name_threshold": "85",
            "lead_response_hours": "48", "max_close_days": "730"}
    response = client.post("/console/settings/deals/", data)
    assert response.status_code == 302
    program = DealProgram.current()
    assert (program.protection_days, program.match_names, program.minimum_currency) == (45, False, "EUR")
    event = AuditEvent.objects.get(verb="deal_program.updated")
    assert event.changes["protection_days"] == [30, 45]
    assert "Deal settings saved." in html(client.get("/console/settings/deals/"))


def test_deals_tab_shows_errors_and_saves_nothing(vendor_admin):
    response = client_for(vendor_admin).post("/console/settings/deals/", {
        "protection_days": "45", "extension_days": "30", "review_target_hours": "24", "reminder_days": "7",
        "minimum_amount": "-5", "minimum_currency": "USD", "name_threshold": "20", "lead_response_hours": "48",
        "max_close_days": "730"})
    assert response.status_code == 200
    page = html(response)
    assert "Ensure this value is greater than or equal to 50." in page
    assert DealProgram.current().protection_days == 30
    assert not AuditEvent.objects.filter(verb="deal_program.updated").exists()


def test_deals_tab_refuses_a_negative_minimum_by_the_field(vendor_admin):
    response = client_for(vendor_admin).post("/console/settings/deals/", {
        "protection_days": "30", "extension_days": "30", "review_target_hours": "48", "reminder_days": "7",
        "minimum_amount": "-5", "minimum_currency": "USD", "name_threshold": "90", "lead_response_hours": "48",
        "max_close_days": "730"})
    assert response.status_code == 200
    assert "Enter an amount of zero or more" in html(response)
    assert DealProgram.current().minimum_amount is None


def test_commissions_tab_saves_the_minimum_payout(vendor_admin):
    client = client_for(vendor_admin)
    assert client.post("/console/settings/commissions/", {"minimum_payout": "120"}).status_code == 302
    assert CommissionSettings.current().minimum_payout == Decimal("120")
    assert AuditEvent.objects.filter(verb="commission_settings.updated").count() == 1
    response = client.post("/console/settings/commissions/", {"minimum_payout": "-1"})
    assert response.status_code == 200
    assert "Enter an amount of zero or more." in html(response)
    assert CommissionSettings.current().minimum_payout == Decimal("120")


SETTINGS_PAGES = ["/console/settings/", "/console/settings/scorecard/", "/console/settings/onboarding/",
                  "/console/settings/deals/", "/console/settings/commissions/"]


@pytest.mark.parametrize("url", SETTINGS_PAGES)
@pytest.mark.parametrize("role", ["channel_manager", "finance", "marketing", "support"])
def test_settings_tabs_are_for_program_admins_only(db, url, role):
    client = client_for(make_user(f"{role}@vendor.test", role))
    events = AuditEvent.objects.count()
    assert client.get(url).status_code == 403
    assert client.post(url, {"minimum_payout": "1", "protection_days": "1", "new-name": "X"}).status_code == 403
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("url", SETTINGS_PAGES)
def test_settings_tabs_refuse_partner_users_and_anonymous(acme_admin, client, url):
    assert client_for(acme_admin).get(url).status_code == 403
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
