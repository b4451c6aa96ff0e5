from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail

from conftest import api_client_for, make_user
from openprm.audit.models import AuditEvent
from openprm.deals import services
from openprm.deals.exceptions import InvalidDealTransition, NotAllowed, ValidationFailed
from openprm.deals.models import Lead, LeadStatus, Registration, RegistrationStatus
from openprm.deals.services import leads
from openprm.lib import clock
from openprm.partners import services as partner_services
from openprm.partners.models import Partner

from .conftest import activate


def lead_data(**overrides):
    data = {"company_name": "Umbrella Corp", "domain": "umbrella.example", "country": "US",
            "specialization": "Healthcare", "amount": "50000", "currency": "USD"}
    data.update(overrides)
    return data


@pytest.fixture
def initrode(vendor_admin, channel_manager):
    partner = partner_services.create_partner(actor=vendor_admin, data={
        "name": "Initrode", "types": ["reseller"], "country": "US", "manager": channel_manager,
        "specializations": ["Healthcare"]})
    return activate(partner)


@pytest.fixture
def initrode_rep(initrode):
    return make_user("ian@initrode.test", "partner_sales", partner=initrode)


def test_routing_prefers_territory_then_specialization(active_acme, active_globex, initrode, vendor_admin,
                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        lead = services.create_lead(actor=vendor_admin, data=lead_data())
    # Acme and Initrode are both in the US; Initrode specialises in Healthcare; Globex (DE) is out of territory.
    assert lead.partner == initrode
    assert lead.status == LeadStatus.UNOPENED
    assert lead.respond_by == lead.offered_at + timedelta(hours=48)
    assert any("New lead" in m.subject for m in mail.outbox) or not initrode.users.exists()


def test_tier_and_load_break_ties(active_acme, initrode, vendor_admin):
    Partner.objects.filter(pk=active_acme.pk).update(tier="gold")
    # Gold is worth 5 × 3 = 15 points and each open lead costs 3: Acme takes leads until it holds six.
    winners = [services.create_lead(actor=vendor_admin, data=lead_data(
        company_name=f"Prospect {n}", domain=f"prospect{n}.example", specialization="")).partner_id
        for n in range(7)]
    assert winners == [active_acme.pk] * 6 + [initrode.pk]


def test_accept_turns_the_lead_into_a_registration_and_a_win_converts_it(initrode, initrode_rep, vendor_admin,
                                                                         channel_manager):
    lead = services.create_lead(actor=vendor_admin, data=lead_data())
    services.open_lead(actor=initrode_rep, lead=lead)
    lead = services.accept_lead(actor=initrode_rep, lead=Lead.objects.get(pk=lead.pk))
    assert lead.status == LeadStatus.ACCEPTED
    registration = lead.registration
    assert registration.partner == initrode and registration.customer_domain == "umbrella.example"
    with pytest.raises(InvalidDealTransition):
        services.accept_lead(actor=initrode_rep, lead=lead)
    services.approve(actor=channel_manager, registration=registration)
    services.close(actor=channel_manager, registration=registration, outcome="won")
    lead.refresh_from_db()
    registration.refresh_from_db()
    assert (lead.status, registration.status) == (LeadStatus.CONVERTED, RegistrationStatus.WON)


def test_decline_needs_a_reason_and_routes_on(active_acme, initrode, initrode_rep, vendor_admin):
    lead = services.create_lead(actor=vendor_admin, data=lead_data())
    with pytest.raises(ValidationFailed):
        services.decline_lead(actor=initrode_rep, lead=lead, reason="")
    lead = services.decline_lead(actor=initrode_rep, lead=lead, reason="No capacity")
    lead.refresh_from_db()
    assert lead.partner_id == active_acme.pk and lead.status == LeadStatus.UNOPENED
    assert [o.outcome for o in lead.offers.all()] == ["declined", ""]


def test_unanswered_leads_route_on_then_expire(initrode, vendor_admin):
    lead = services.create_lead(actor=vendor_admin, data=lead_data())
    later = clock.moment() + timedelta(hours=49)
    assert services.route_expired_leads(now=later) == 1
    lead.refresh_from_db()
    # Nobody else is in the territory: the lead expires instead of leaving it.
    assert lead.status == LeadStatus.EXPIRED and lead.partner is None
    assert services.route_expired_leads(now=later) == 0


def test_only_the_offered_partner_answers(initrode, active_acme, acme_rep, vendor_admin, acme_admin):
    lead = services.create_lead(actor=vendor_admin, data=lead_data())
    with pytest.raises(NotAllowed):
        services.accept_lead(actor=acme_rep, lead=lead)
    with pytest.raises(NotAllowed):
        services.create_lead(actor=acme_admin, data=lead_data())
    assert api_client_for(acme_rep).post(f"/api/v1/leads/{lead.pk}/accept", {},
                                         content_type="application/json").status_code == 404


def test_lead_api_create_accept_decline(initrode, initrode_rep, vendor_admin, active_acme):
    admin = api_client_for(vendor_admin)
    bad = admin.post("/api/v1/leads", {"company_name": "", "country": "XX"}, content_type="application/json")
    assert bad.status_code == 422 and {"company_name", "country"} <= set(bad.json()["errors"])
    created = admin.post("/api/v1/leads", lead_data(), content_type="application/json")
    assert created.status_code == 201 and created.json()["partner"] == initrode.pk
    rep = api_client_for(initrode_rep)
    assert rep.get("/api/v1/leads").json()["count"] == 1
    declined = rep.post(f"/api/v1/leads/{created.json()['id']}/decline", {"reason": "Too small"},
                        content_type="application/json")
    # The decliner sees the lead as declined by itself; the partner it routed on to is not named.
    assert declined.status_code == 200
    assert declined.json()["partner"] == initrode.pk and declined.json()["status"] == "declined"
    assert declined.json()["respond_by"] is None
    assert Lead.objects.get(pk=created.json()["id"]).partner_id == active_acme.pk
    assert rep.get("/api/v1/leads").json()["count"] == 0


# ---------------------------------------------------------------- review fixes

def test_reading_a_lead_never_fails_for_people_who_cannot_answer_it(initrode, initrode_rep, vendor_admin):
    lead = services.create_lead(actor=vendor_admin, data=lead_data())
    marketer = make_user("max@initrode.test", "partner_marketing", partner=initrode)
    for reader in (marketer, vendor_admin):
        response = api_client_for(reader).get(f"/api/v1/leads/{lead.pk}")
        assert response.status_code == 200 and response.json()["status"] == "unopened"
    assert not AuditEvent.objects.for_object(lead).filter(verb="lead.opened").exists()
    response = api_client_for(initrode_rep).get(f"/api/v1/leads/{lead.pk}")
    assert response.status_code == 200 and response.json()["status"] == "opened"
    # Reading it again, by anyone, changes nothing more.
    assert api_client_for(marketer).get(f"/api/v1/leads/{lead.pk}").json()["status"] == "opened"
    assert AuditEvent.objects.for_object(lead).filter(verb="lead.opened").count() == 1


def test_a_lead_without_an_amount_is_accepted_only_with_one(initrode, initrode_rep, vendor_admin):
    lead = services.create_lead(actor=vendor_admin, data=lead_data(amount=""))
    assert lead.amount is None
    with pytest.raises(ValidationFailed) as refused:
        services.accept_lead(actor=initrode_rep, lead=lead)
    assert "amount" in refused.value.errors
    lead.refresh_from_db()
    assert lead.status == LeadStatus.UNOPENED and lead.registration is None and not Registration.objects.exists()
    with pytest.raises(ValidationFailed) as refused:
        services.accept_lead(actor=initrode_rep, lead=lead, amount="-5")
    assert "amount" in refused.value.errors and not Registration.objects.exists()
    lead = services.accept_lead(actor=initrode_rep, lead=lead, amount="75000", currency="EUR")
    assert (lead.registration.amount, lead.registration.currency) == (Decimal("75000.00"), "EUR")


def test_a_lead_with_an_amount_keeps_it_unless_the_partner_gives_another(initrode, initrode_rep, vendor_admin):
    lead = services.accept_lead(actor=initrode_rep, lead=services.create_lead(actor=vendor_admin, data=lead_data()))
    assert (lead.registration.amount, lead.registration.currency) == (Decimal("50000.00"), "USD")


def test_the_api_asks_for_the_amount_of_a_lead_without_one(initrode, initrode_rep, vendor_admin):
    lead = services.create_lead(actor=vendor_admin, data=lead_data(amount=None))
    rep = api_client_for(initrode_rep)
    refused = rep.post(f"/api/v1/leads/{lead.pk}/accept", {}, content_type="application/json")
    assert refused.status_code == 422 and "amount" in refused.json()["errors"]
    assert rep.post(f"/api/v1/leads/{lead.pk}/accept", {"amount": "0"},
                    content_type="application/json").status_code == 422
    lead.refresh_from_db()
    assert lead.status == LeadStatus.UNOPENED
    accepted = rep.post(f"/api/v1/leads/{lead.pk}/accept", {"amount": "12000.50"}, content_type="application/json")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    registration = rep.get(f"/api/v1/registrations/{accepted.json()['registration']}").json()
    assert (registration["amount"], registration["currency"]) == ("12000.50", "USD")


def test_the_decline_audit_records_the_real_new_status(active_acme, initrode, initrode_rep, acme_rep, vendor_admin):
    lead = services.create_lead(actor=vendor_admin, data=lead_data())
    services.open_lead(actor=initrode_rep, lead=lead)
    services.decline_lead(actor=initrode_rep, lead=Lead.objects.get(pk=lead.pk), reason="No capacity")
    first = AuditEvent.objects.for_object(lead).get(verb="lead.declined", partner=initrode)
    # Routed on to Acme: the lead is unopened again (for Acme), and the event does not name Acme.
    assert first.changes == {"status": ["opened", "unopened"]} and "Acme" not in first.note
    services.decline_lead(actor=acme_rep, lead=Lead.objects.get(pk=lead.pk), reason="Not our market")
    last = AuditEvent.objects.for_object(lead).get(verb="lead.declined", partner=active_acme)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.DECLINED and lead.partner is None
    assert last.changes == {"status": ["unopened", "declined"]}


def test_routing_follows_agreement_territories_before_the_home_country(
        active_acme, active_globex, initrode, vendor_admin, channel_manager, other_manager, acme_admin, globex_admin):
    """An agreement's territories decide coverage (the rule that flags registrations): Acme (US) agreed to sell
    only in Canada is skipped for a US lead; Globex (DE) agreed for the US gets it ahead of its home region."""
    from openprm.agreements import services as agreements

    def agree(partner, manager, signer, codes):
        draft = agreements.create_agreement(actor=manager, partner=partner, data={
            "kind": "reseller", "starts_on": clock.today(), "territories": codes})
        agreements.send(actor=manager, agreement=draft)
        agreements.sign(actor=signer, agreement=draft, signer_name=signer.full_name)

    agree(active_acme, channel_manager, acme_admin, ["CA"])
    agree(active_globex, other_manager, globex_admin, ["US", "europe"])
    Partner.objects.filter(pk=active_globex.pk).update(tier="gold")
    lead = services.create_lead(actor=vendor_admin, data=lead_data(specialization=""))
    assert lead.partner == active_globex  # US in Globex's territories; gold beats Initrode's home country tie
    candidates = [p.pk for _score, p in leads._lead_candidates(lead)]
    assert active_acme.pk not in candidates and candidates == [initrode.pk]


def test_routing_reads_every_partners_territories_in_one_query(active_acme, initrode, vendor_admin):
    """Routing weighs every active partner: its cost must not grow with their number (a 1,000-row import routes
    1,000 times)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    lead = services.create_lead(actor=vendor_admin, data=lead_data(specialization=""))
    with CaptureQueriesContext(connection) as few:
        leads._lead_candidates(lead)
    for n in range(4):
        activate(partner_services.create_partner(actor=vendor_admin, data={
            "name": f"Reseller {n}", "types": ["reseller"], "country": "US"}))
    with CaptureQueriesContext(connection) as many:
        candidates = leads._lead_candidates(lead)
    assert len(candidates) == 5 and len(many.captured_queries) == len(few.captured_queries)
