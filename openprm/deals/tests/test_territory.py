"""Prevention rules at registration: the agreement's territories and named accounts flag a registration for
review (PRODUCT 2.3 "An agreement's territories drive channel-conflict checks", 2.4 "Prevention rules")."""

import pytest
from django.urls import reverse

from conftest import api_client_for, client_for
from openprm.accounts.models import Notification
from openprm.agreements import services as agreements
from openprm.audit.models import AuditEvent
from openprm.deals import services
from openprm.deals.models import Customer, NamedAccount, Registration, RegistrationStatus
from openprm.lib import clock
from openprm.partners.models import Partner

from .conftest import submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def territories(active_acme, channel_manager, acme_admin):
    """Give Acme an agreement in force today with the given territories."""

    def make(codes):
        draft = agreements.create_agreement(actor=channel_manager, partner=active_acme, data={
            "kind": "reseller", "starts_on": clock.today(), "territories": codes})
        agreements.send(actor=channel_manager, agreement=draft)
        return agreements.sign(actor=acme_admin, agreement=draft, signer_name="Alice Acme")

    return make


def flagged_notifications(user):
    return Notification.objects.filter(user=user, title__startswith="Registration flagged for review")


def test_a_customer_inside_the_territory_is_not_flagged(territories, active_acme, acme_rep, channel_manager,
                                                        register):
    territories(["US", "CA"])
    reg = register(acme_rep, active_acme, customer_country="US")
    assert reg.outside_territory is False
    assert not flagged_notifications(channel_manager).exists()


def test_a_customer_outside_the_territory_is_flagged_recorded_and_the_manager_told(
        territories, active_acme, acme_rep, acme_admin, channel_manager, register):
    territories(["US"])
    reg = register(acme_rep, active_acme, customer_country="JP")
    reg.refresh_from_db()
    # Flagged, but still an ordinary submission waiting for the manager.
    assert reg.outside_territory is True and reg.status == RegistrationStatus.SUBMITTED
    event = AuditEvent.objects.for_object(reg).get(verb="registration.submitted")
    assert event.changes["outside_territory"] == [None, True]
    assert "(JP) is outside the partner's agreement territories" in event.note
    notice = flagged_notifications(channel_manager).get()
    assert notice.url == f"/console/deals/{reg.pk}/" and "outside its territory" in notice.summary
    # The partner is not told of the flag by notification; its people get the usual "received".
    assert not flagged_notifications(acme_admin).exists()


def test_no_agreement_means_no_territorial_limit(active_acme, acme_rep, register):
    assert register(acme_rep, active_acme, customer_country="JP").outside_territory is False


def test_an_agreement_without_territories_limits_nothing(territories, active_acme, acme_rep, register):
    territories([])
    assert register(acme_rep, active_acme, customer_country="JP").outside_territory is False


def test_an_agreement_not_yet_signed_limits_nothing(active_acme, acme_rep, channel_manager, register):
    draft = agreements.create_agreement(actor=channel_manager, partner=active_acme, data={
        "kind": "reseller", "starts_on": clock.today(), "territories": ["US"]})
    agreements.send(actor=channel_manager, agreement=draft)
    assert register(acme_rep, active_acme, customer_country="JP").outside_territory is False


def test_region_territories_cover_their_countries(territories, active_acme, acme_rep, register):
    territories(["europe"])
    inside = register(acme_rep, active_acme, customer_name="Bistro SA", customer_domain="bistro.example",
                      customer_country="FR")
    outside = register(acme_rep, active_acme, customer_name="Maple Ltd", customer_domain="maple.example",
                       customer_country="CA")
    assert (inside.outside_territory, outside.outside_territory) == (False, True)


def test_a_named_account_of_another_partner_is_flagged_without_naming_it(active_acme, active_globex, acme_rep,
                                                                         globex_admin, register):
    customer = Customer.objects.create(name="Initech", normalized_name="initech", domain="initech.example",
                                       country="US")
    NamedAccount.objects.create(customer=customer, partner=active_globex)
    acme_reg = register(acme_rep, active_acme)
    assert acme_reg.customer == customer and acme_reg.outside_territory is True
    event = AuditEvent.objects.for_object(acme_reg).get(verb="registration.submitted")
    assert "named account of another partner" in event.note and "Globex" not in event.note
    # The named partner itself is not flagged (Acme's registration goes to conflict, Globex's is its own).
    Registration.objects.filter(pk=acme_reg.pk).update(status=RegistrationStatus.REJECTED)
    assert register(globex_admin, active_globex).outside_territory is False


def test_without_a_manager_the_program_admins_are_told(territories, active_acme, acme_rep, vendor_admin,
                                                       register):
    territories(["US"])
    Partner.objects.filter(pk=active_acme.pk).update(manager=None)
    active_acme.refresh_from_db()
    reg = register(acme_rep, active_acme, customer_country="JP")
    assert flagged_notifications(vendor_admin).get().url == f"/console/deals/{reg.pk}/"


def test_the_api_shows_and_filters_the_flag(territories, active_acme, acme_rep, channel_manager):
    territories(["US"])
    api = api_client_for(acme_rep)
    outside = api.post("/api/v1/registrations", submission(customer_country="JP"), content_type="application/json")
    assert outside.status_code == 201 and outside.json()["outside_territory"] is True
    inside = api.post("/api/v1/registrations", submission(customer_name="Hooli", customer_domain="hooli.example"),
                      content_type="application/json")
    assert inside.json()["outside_territory"] is False
    manager = api_client_for(channel_manager)
    listed = manager.get("/api/v1/registrations", {"outside_territory": "true"}).json()
    assert [r["id"] for r in listed["items"]] == [outside.json()["id"]]
    assert manager.get("/api/v1/registrations", {"outside_territory": "false"}).json()["count"] == 1


def test_the_review_queue_badges_and_filters_flagged_registrations(territories, active_acme, acme_rep,
                                                                   channel_manager, register):
    territories(["US"])
    outside = register(acme_rep, active_acme, customer_name="Sakura KK", customer_domain="sakura.example",
                       customer_country="JP")
    register(acme_rep, active_acme, customer_name="Hooli", customer_domain="hooli.example")
    client = client_for(channel_manager)
    page = client.get(reverse("deals:console_queue")).content.decode()
    assert "Sakura KK" in page and "Hooli" in page and page.count(">outside territory</span>") == 1
    page = client.get(reverse("deals:console_queue"), {"flag": "outside_territory"}).content.decode()
    assert "Sakura KK" in page and "Hooli" not in page
    page = client.get(reverse("deals:console_queue"), {"flag": "in_territory"}).content.decode()
    assert "Sakura KK" not in page and "Hooli" in page
    detail = client.get(reverse("deals:console_detail", args=[outside.pk])).content.decode()
    assert "Flagged for review." in detail and "(JP) is outside the partner" in detail


def test_an_accepted_lead_outside_the_territory_is_flagged(territories, active_acme, acme_rep, vendor_admin):
    # Offered by Acme's home country (no agreement yet); the agreement signed before Acme accepts says Canada.
    lead = services.create_lead(actor=vendor_admin, data={"company_name": "Umbrella Corp", "country": "US",
                                                         "amount": "40000", "currency": "USD"})
    assert lead.partner_id == active_acme.pk
    territories(["CA"])
    lead = services.accept_lead(actor=acme_rep, lead=lead)
    assert lead.registration.outside_territory is True
