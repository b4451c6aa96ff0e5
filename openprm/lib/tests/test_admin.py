"""Configuration the console edits is read-only in Django admin, with a note pointing to the console page."""

import pytest
from django.contrib.auth import get_user_model

from conftest import client_for
from openprm.commissions.models import CommissionSettings
from openprm.deals.models import DealProgram
from openprm.partners.models import OnboardingTemplate, ScorecardCriterion, StageTarget

MODELS = [
    ("deals", "dealprogram", lambda: DealProgram.current().pk, "/console/settings/deals/", "protection_days"),
    ("commissions", "commissionsettings", lambda: CommissionSettings.current().pk, "/console/settings/commissions/",
     "minimum_payout"),
    ("partners", "onboardingtemplate", lambda: OnboardingTemplate.objects.first().pk, "/console/settings/onboarding/",
     "name"),
    ("partners", "stagetarget", lambda: StageTarget.objects.first().pk, "/console/settings/", "target_days"),
    ("partners", "scorecardcriterion", lambda: ScorecardCriterion.objects.first().pk, "/console/settings/scorecard/",
     "weight"),
]


@pytest.fixture
def superuser_client(vendor_admin):
    get_user_model().objects.filter(pk=vendor_admin.pk).update(is_staff=True, is_superuser=True)
    vendor_admin.refresh_from_db()
    return client_for(vendor_admin)


@pytest.mark.parametrize("app, model, pk, console_url, field", MODELS, ids=[m[1] for m in MODELS])
def test_it_shows_the_row_read_only_with_the_console_page(superuser_client, app, model, pk, console_url, field):
    row = pk()
    listing = superuser_client.get(f"/admin/{app}/{model}/")
    assert listing.status_code == 200
    assert console_url in listing.content.decode()
    assert superuser_client.get(f"/admin/{app}/{model}/add/").status_code == 403
    change = superuser_client.get(f"/admin/{app}/{model}/{row}/change/")
    assert change.status_code == 200
    page = change.content.decode()
    assert console_url in page
    assert 'name="_save"' not in page
    assert superuser_client.post(f"/admin/{app}/{model}/{row}/change/", {field: "1"}).status_code == 403
    assert superuser_client.post(f"/admin/{app}/{model}/{row}/delete/", {"post": "yes"}).status_code == 403
