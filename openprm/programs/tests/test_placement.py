"""A program admin places a partner in a tier by hand, with a reason, between reviews."""

from datetime import timedelta

import pytest
from django.core import mail

from conftest import api_client_for, client_for
from openprm.audit.models import AuditEvent
from openprm.lib import clock
from openprm.partners.models import Partner, Stage
from openprm.programs import services
from openprm.programs.models import Program, TierChange


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


@pytest.fixture
def active_acme(acme, acme_admin):
    Partner.objects.filter(pk=acme.pk).update(stage=Stage.ACTIVE, tier="bronze")
    acme.refresh_from_db()
    return acme


def test_the_api_places_a_partner_audits_it_and_tells_its_admins(vendor_admin, active_acme,
                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(api_client_for(vendor_admin), f"/api/v1/partners/{active_acme.pk}/tier",
                        {"tier": "gold", "reason": "Strategic OEM deal signed"})
    assert response.status_code == 200 and response.json()["tier"] == "gold"
    change = TierChange.objects.get(partner=active_acme)
    assert (change.from_tier, change.to_tier, change.review, change.actor) == ("bronze", "gold", None, vendor_admin)
    assert "Strategic OEM deal signed" in change.reason
    event = AuditEvent.objects.get(verb="partner.tier_changed", object_id=str(active_acme.pk))
    assert event.changes == {"tier": ["bronze", "gold"]}
    assert [m.to for m in mail.outbox] == [["alice@acme.test"]]


@pytest.mark.parametrize("body, field", [
    ({"tier": "diamond", "reason": "Because"}, "tier"),
    ({"tier": "gold", "reason": "   "}, "reason"),
    ({"tier": "gold"}, "reason"),
])
def test_bad_placements_are_422_and_change_nothing(vendor_admin, active_acme, body, field):
    response = post(api_client_for(vendor_admin), f"/api/v1/partners/{active_acme.pk}/tier", body)
    assert response.status_code == 422 and field in response.json()["errors"]
    assert Partner.objects.get(pk=active_acme.pk).tier == "bronze"
    assert not TierChange.objects.exists()


def test_partner_users_and_channel_managers_may_not_place(active_acme, acme_admin, channel_manager, globex_admin):
    url = f"/api/v1/partners/{active_acme.pk}/tier"
    body = {"tier": "platinum", "reason": "Please"}
    assert post(api_client_for(acme_admin), url, body).status_code == 403
    assert post(api_client_for(channel_manager), url, body).status_code == 403
    assert post(api_client_for(globex_admin), url, body).status_code == 404
    assert Partner.objects.get(pk=active_acme.pk).tier == "bronze"
    assert not AuditEvent.objects.filter(verb="partner.tier_changed").exists()


def test_a_placement_cancels_a_demotion_waiting_for_its_grace_period(vendor_admin, active_acme):
    Partner.objects.filter(pk=active_acme.pk).update(tier="gold")
    Program.objects.filter(pk=1).update(demotion_grace_days=30)
    review = services.run_review(actor=vendor_admin)
    services.apply_review(actor=vendor_admin, review=review)
    assert TierChange.objects.filter(partner=active_acme, applied=False).exists()
    services.place_partner(actor=vendor_admin, partner=active_acme, tier_code="platinum", reason="Board decision")
    assert services.apply_due_demotions(today=clock.today() + timedelta(days=31)) == 0
    assert Partner.objects.get(pk=active_acme.pk).tier == "platinum"


def test_the_console_form_places_and_shows_field_errors(vendor_admin, channel_manager, active_acme):
    page = f"/console/program/partners/{active_acme.pk}/tiers/"
    url = f"{page}place/"
    admin = client_for(vendor_admin)
    assert b"Place in a tier by hand" in admin.get(page).content
    assert b"Place in a tier by hand" not in client_for(channel_manager).get(page).content
    bad = admin.post(url, {"tier": "gold", "reason": ""})
    assert bad.status_code == 400 and b"This field is required" in bad.content
    same = admin.post(url, {"tier": "bronze", "reason": "No change"})
    assert same.status_code == 400 and b"This is the current tier" in same.content
    done = admin.post(url, {"tier": "silver", "reason": "Regional anchor"}, follow=True)
    assert done.redirect_chain[-1][0] == page and b"is now Silver" in done.content
    assert Partner.objects.get(pk=active_acme.pk).tier == "silver"
    assert client_for(channel_manager).post(url, {"tier": "gold", "reason": "x"}).status_code == 403
    assert Partner.objects.get(pk=active_acme.pk).tier == "silver"
