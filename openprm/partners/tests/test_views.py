"""Public partner pages: the application form, the partner locator and self-registration at /join/."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from conftest import PASSWORD, client_for
from openprm.accounts.models import User
from openprm.audit.models import AuditEvent
from openprm.partners import services as partners
from openprm.partners.exceptions import NotAllowed
from openprm.partners.models import Contact, JoinRequest, Partner, PartnerDomain

pytestmark = pytest.mark.django_db


def _active_partner(actor, manager, name, country="US", types=("reseller",), opt_in=True, **extra):
    partner = partners.create_partner(actor=actor, data={
        "name": name, "types": list(types), "country": country, "manager": manager, "locator_opt_in": opt_in,
        **extra})
    for stage in ("qualification", "negotiation", "onboarding", "active"):
        partners.change_stage(actor=manager, partner=partner, stage=stage)
    partner.refresh_from_db()
    return partner


APPLICATION = {
    "company_name": "Initech Solutions", "website": "https://initech.test", "country": "IN",
    "types": ["reseller", "msp"], "description": "Managed services in Bangalore.",
    "contact_name": "Peter Gibbons", "contact_email": "peter@initech.test", "contact_phone": "+91 80 1234",
    "contact_title": "Founder",
}


# ---------------------------------------------------------------- application form

def test_the_application_form_is_public(client):
    response = client.get(reverse("partners:apply"))
    assert response.status_code == 200
    assert "Become a partner" in response.content.decode()
    assert 'name="website_confirm"' in response.content.decode()


def test_an_application_lands_in_qualification_with_its_contact(client, vendor_admin,
                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("partners:apply"), APPLICATION)
    assert response.status_code == 302 and response.url == reverse("partners:apply_thanks")
    partner = Partner.objects.get(name="Initech Solutions")
    assert partner.stage == "qualification" and partner.source == "application"
    assert partner.country == "IN" and partner.region == "india" and partner.domain == "initech.test"
    assert partner.type_codes == ["msp", "reseller"]
    assert not partner.locator_opt_in
    contact = Contact.objects.get(partner=partner)
    assert (contact.name, contact.email, contact.is_primary) == ("Peter Gibbons", "peter@initech.test", True)
    assert AuditEvent.objects.filter(verb="partner.created", partner=partner, actor_label="public").exists()
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == ["ada@vendor.test", "peter@initech.test"]  # the program admins and the applicant
    thanks = client.get(response.url).content.decode()
    assert "Thank you for applying, Initech Solutions" in thanks


def test_bad_applications_show_errors_and_write_nothing(client, vendor_admin):
    data = {**APPLICATION, "types": [], "contact_email": "not-an-address", "country": "XX", "company_name": ""}
    events = AuditEvent.objects.count()
    response = client.post(reverse("partners:apply"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="errorlist"') == 4
    assert "Enter a valid email address." in html
    assert "Managed services in Bangalore." in html  # what was typed is kept
    assert not Partner.objects.exists() and not Contact.objects.exists()
    assert AuditEvent.objects.count() == events
    assert not mail.outbox


def test_the_honeypot_pretends_success_and_keeps_nothing(client, vendor_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("partners:apply"), {**APPLICATION, "website_confirm": "https://spam.test"})
    assert response.status_code == 302 and response.url == reverse("partners:apply_thanks")
    assert not Partner.objects.exists() and not Contact.objects.exists()
    assert not mail.outbox


def test_a_company_already_in_the_program_is_told_so(client, acme):
    response = client.post(reverse("partners:apply"), {**APPLICATION, "contact_email": "bob@acme.test"})
    assert response.status_code == 200
    assert "already appears to be in our partner program" in response.content.decode()
    assert Partner.objects.count() == 1


def test_applicants_with_webmail_addresses_do_not_claim_the_webmail_domain(client):
    for name, email in (("First Co", "first@gmail.com"), ("Second Co", "second@gmail.com")):
        response = client.post(reverse("partners:apply"), {**APPLICATION, "company_name": name,
                                                            "contact_email": email})
        assert response.status_code == 302
    assert sorted(Partner.objects.values_list("name", "domain")) == [("First Co", ""), ("Second Co", "")]


# ---------------------------------------------------------------- partner locator

@pytest.fixture
def directory(vendor_admin, channel_manager):
    listed = _active_partner(vendor_admin, channel_manager, "Listed Ltd", country="GB", types=("reseller",),
                             specializations=["Healthcare"], website="https://listed.test")
    Partner.objects.filter(pk=listed.pk).update(tier="gold")
    integrator = _active_partner(vendor_admin, channel_manager, "Integrator KK", country="JP",
                                 types=("technology",), specializations=["Cloud migration"])
    hidden_active = _active_partner(vendor_admin, channel_manager, "Unlisted Active", country="BR", opt_in=False)
    hidden_applicant = partners.create_partner(actor=vendor_admin, data={
        "name": "Opted In Prospect", "types": ["referral"], "country": "ZA", "locator_opt_in": True})
    suspended = _active_partner(vendor_admin, channel_manager, "Suspended Opted", country="FR")
    partners.change_stage(actor=channel_manager, partner=suspended, stage="suspended", note="unpaid invoices")
    return {"listed": listed, "integrator": integrator, "hidden": [hidden_active, hidden_applicant, suspended]}


def test_the_locator_lists_only_active_opted_in_partners(client, directory):
    response = client.get(reverse("partners:locator"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Listed Ltd" in html and "Integrator KK" in html
    for partner in directory["hidden"]:
        assert partner.name not in html
    # Nothing of the unlisted partners leaks through the filter options either.
    assert "Brazil" not in html and "South Africa" not in html and "France" not in html
    assert "Gold" in html and "Healthcare" in html and "listed.test" in html


@pytest.mark.parametrize("query, shown, hidden", [
    ({"q": "integr"}, "Integrator KK", "Listed Ltd"),
    ({"country": "GB"}, "Listed Ltd", "Integrator KK"),
    ({"region": "apac"}, "Integrator KK", "Listed Ltd"),
    ({"type": "technology"}, "Integrator KK", "Listed Ltd"),
    ({"specialization": "Healthcare"}, "Listed Ltd", "Integrator KK"),
    ({"tier": "gold"}, "Listed Ltd", "Integrator KK"),
])
def test_the_locator_filters(client, directory, query, shown, hidden):
    html = client.get(reverse("partners:locator"), query).content.decode()
    assert f"<h3>{shown}</h3>" in html
    assert f"<h3>{hidden}</h3>" not in html


def test_the_locator_never_finds_hidden_partners_by_name(client, directory):
    for partner in directory["hidden"]:
        html = client.get(reverse("partners:locator"), {"q": partner.name}).content.decode()
        assert f"<h3>{partner.name}</h3>" not in html
        assert "No partner matches your search" in html


def test_the_locator_paginates(client, vendor_admin):
    for i in range(30):
        Partner.objects.create(name=f"Partner {i:02d}", country="US", stage="active", locator_opt_in=True)
    first = client.get(reverse("partners:locator")).content.decode()
    second = client.get(reverse("partners:locator"), {"page": 2}).content.decode()
    assert "Partner 00" in first and "Partner 29" not in first
    assert "Partner 29" in second and "Partner 00" not in second
    assert "1–24 of 30" in first


def test_the_locator_survives_nonsense_filters(client, directory):
    response = client.get(reverse("partners:locator"), {"type": "<script>", "region": "mars", "page": "x",
                                                        "country": "zzz"})
    assert response.status_code == 200
    assert "No partner matches your search" in response.content.decode()


# ---------------------------------------------------------------- self-registration

@pytest.fixture
def acme_joinable(acme, acme_admin, channel_manager, vendor_admin):
    """Acme, active, with its admin and the verified domain acme.test."""
    for stage in ("qualification", "negotiation", "onboarding", "active"):
        partners.change_stage(actor=channel_manager, partner=acme, stage=stage)
    domain = partners.add_domain(actor=acme_admin, partner=acme, domain="acme.test")
    partners.verify_domain(actor=channel_manager, domain=domain)
    mail.outbox.clear()
    return acme


JOIN = {"full_name": "Jo Joiner", "email": "Jo@Acme.test", "password": PASSWORD, "password_again": PASSWORD}


def confirmation_link(message) -> str:
    """The path of the confirmation link in a join e-mail."""
    return re.search(r"https?://[^/\s]+(/join/confirm/\S+)", message.body).group(1)


def test_people_from_a_verified_domain_ask_to_join(client, acme_joinable, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("partners:join"), JOIN, follow=True)
    assert "Check your e-mail" in response.content.decode()
    join = JoinRequest.objects.get()
    assert (join.partner, join.email, join.status) == (acme_joinable, "jo@acme.test", "unconfirmed")
    assert PASSWORD not in join.password  # only a hash is kept
    assert not User.objects.filter(email="jo@acme.test").exists()  # no access before approval
    # Only the address hears of it, until it is confirmed.
    assert [m.to for m in mail.outbox] == [["jo@acme.test"]]
    link = confirmation_link(mail.outbox[0])
    assert AuditEvent.objects.filter(verb="join_request.created", partner=acme_joinable).exists()
    assert "Send the request of <strong>Jo Joiner</strong>" in client.get(link).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link)
    assert "The partner admins of <strong>Acme Systems</strong>" in response.content.decode()
    join.refresh_from_db()
    assert join.status == "pending" and join.confirmed_at is not None
    assert [m.to for m in mail.outbox[1:]] == [["alice@acme.test"]]
    assert "Jo Joiner" in mail.outbox[1].body
    assert AuditEvent.objects.filter(verb="join_request.confirmed", object_id=str(join.pk)).exists()
    # Waiting for approval means no sign-in.
    login = client.post(reverse("accounts:login"), {"email": "jo@acme.test", "password": PASSWORD})
    assert login.status_code == 200


def test_joining_from_an_unknown_domain_is_refused(client, acme_joinable):
    response = client.post(reverse("partners:join"), {**JOIN, "email": "jo@elsewhere.test"})
    assert response.status_code == 200
    assert "not registered with any partner" in response.content.decode()
    assert not JoinRequest.objects.exists()


def test_joining_from_an_unverified_domain_is_refused(client, acme, acme_admin, channel_manager):
    for stage in ("qualification", "negotiation", "onboarding", "active"):
        partners.change_stage(actor=channel_manager, partner=acme, stage=stage)
    partners.add_domain(actor=acme_admin, partner=acme, domain="acme.test")
    response = client.post(reverse("partners:join"), JOIN)
    assert "not registered with any partner" in response.content.decode()
    assert not JoinRequest.objects.exists()


def test_joining_a_suspended_partner_is_refused(client, acme_joinable, channel_manager):
    partners.change_stage(actor=channel_manager, partner=acme_joinable, stage="suspended", note="review")
    response = client.post(reverse("partners:join"), JOIN)
    assert "not registered with any partner" in response.content.decode()
    assert not JoinRequest.objects.exists()


def test_existing_users_and_repeat_requests_are_told_what_to_do(client, acme_joinable, acme_rep):
    response = client.post(reverse("partners:join"), {**JOIN, "email": "rick@acme.test"})
    assert "An account with this e-mail already exists" in response.content.decode()
    client.post(reverse("partners:join"), JOIN)
    partners.confirm_join_request(token=partners.join_confirmation_token(JoinRequest.objects.get()))
    response = client.post(reverse("partners:join"), JOIN)
    assert "You already asked to join" in response.content.decode()
    assert JoinRequest.objects.count() == 1


def test_weak_or_mismatched_passwords_are_refused(client, acme_joinable):
    response = client.post(reverse("partners:join"), {**JOIN, "password_again": "something-else-42"})
    assert "The two passwords differ." in response.content.decode()
    response = client.post(reverse("partners:join"), {**JOIN, "password": "12345", "password_again": "12345"})
    assert "too short" in response.content.decode()
    assert not JoinRequest.objects.exists()


def test_the_join_honeypot_keeps_nothing(client, acme_joinable):
    response = client.post(reverse("partners:join"), {**JOIN, "website_confirm": "x"})
    assert response.status_code == 302
    assert not JoinRequest.objects.exists()


def test_signed_in_people_are_sent_home_from_join(acme_rep):
    response = client_for(acme_rep).get(reverse("partners:join"))
    assert response.status_code == 302


def test_only_the_vendor_verifies_domains(acme, acme_admin, channel_manager, other_manager):
    domain = partners.add_domain(actor=acme_admin, partner=acme, domain="acme.test")
    for actor in (acme_admin, other_manager):
        with pytest.raises(NotAllowed):
            partners.verify_domain(actor=actor, domain=domain)
    assert not PartnerDomain.objects.get(pk=domain.pk).verified
    partners.verify_domain(actor=channel_manager, domain=domain)
    assert PartnerDomain.objects.get(pk=domain.pk).verified


def test_without_partner_admins_the_channel_manager_hears_of_join_requests(client, acme, channel_manager,
                                                                          django_capture_on_commit_callbacks):
    for stage in ("qualification", "negotiation", "onboarding", "active"):
        partners.change_stage(actor=channel_manager, partner=acme, stage=stage)
    domain = partners.add_domain(actor=channel_manager, partner=acme, domain="acme.test")
    partners.verify_domain(actor=channel_manager, domain=domain)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("partners:join"), JOIN)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirmation_link(mail.outbox[0]))
    assert [m.to for m in mail.outbox] == [["jo@acme.test"], ["cmo@vendor.test"]]
    assert "no active partner admin" in mail.outbox[1].body


# ---------------------------------------------------------------- bulk actions (issue 10, item 13)

def test_bulk_assign_manager_and_move_stage_through_the_services(acme, globex, vendor_admin, other_manager):
    client = client_for(vendor_admin)
    listing = client.get("/console/partners/").content.decode()
    assert 'data-select-all="bulk-partners"' in listing and f'name="ids" value="{acme.pk}"' in listing
    page = client.post("/console/partners/bulk/", {"action": "manager", "manager": other_manager.pk,
                                                   "ids": [acme.pk, globex.pk]}, follow=True).content.decode()
    assert "Assigned the manager to 2 partners." in page
    assert set(Partner.objects.values_list("manager_id", flat=True)) == {other_manager.pk}
    assert AuditEvent.objects.filter(verb="partner.updated", partner=acme).exists()
    # Identification → Qualification is allowed; a second move of the same kind from Qualification is not.
    Partner.objects.filter(pk=globex.pk).update(stage="qualification")
    page = client.post("/console/partners/bulk/", {"action": "stage", "stage": "qualification",
                                                   "ids": [acme.pk, globex.pk]}, follow=True).content.decode()
    assert "Moved 1 partner." in page and "1 not done: Globex GmbH:" in page
    assert Partner.objects.get(pk=acme.pk).stage == "qualification"


def test_bulk_actions_refuse_bad_input_and_other_managers_partners(acme, globex, channel_manager):
    client = client_for(channel_manager)
    page = client.post("/console/partners/bulk/", {"action": "stage", "ids": [acme.pk]},
                       follow=True).content.decode()
    assert "Choose the stage to move the selected partners to." in page
    page = client.post("/console/partners/bulk/", {"action": "stage", "stage": "qualification",
                                                   "ids": [acme.pk, globex.pk]}, follow=True).content.decode()
    # Carl manages Acme only: Globex is not even found for him.
    assert "Moved 1 partner." in page and f"#{globex.pk}: not found" in page
    assert Partner.objects.get(pk=globex.pk).stage == "identification"


# ---------------------------------------------------------------- pickers (issue 10, item 12)

def test_partner_picker_search_is_scoped_and_capped(acme, globex, vendor_admin, channel_manager):
    for i in range(25):
        partners.create_partner(actor=vendor_admin, data={"name": f"Acme Zed {i:02d}", "types": ["reseller"],
                                                          "country": "US", "domain": f"clone{i}.test"})
    everyone = client_for(vendor_admin).get("/console/partners/pick/?field=partner&partner=acme").content.decode()
    assert everyone.count("<option") == 20 and f'value="Acme Systems (#{acme.pk})"' in everyone
    mine = client_for(channel_manager).get("/console/partners/pick/?field=partner&partner=").content.decode()
    assert mine == f'<option value="Acme Systems (#{acme.pk})"></option>'  # Carl manages Acme only
    assert "Globex" not in client_for(channel_manager).get("/console/partners/pick/?q=glob").content.decode()


def test_list_filters_pick_a_partner_by_name_and_id(acme, globex, vendor_admin):
    client = client_for(vendor_admin)
    page = client.get("/console/deals/", {"partner": f"Globex GmbH (#{globex.pk})", "status": "submitted"})
    html = page.content.decode()
    assert page.status_code == 200 and f'value="Globex GmbH (#{globex.pk})"' in html
    assert 'id="f-partner-options"' in html and '<select id="f-partner"' not in html
    for url in ("/console/agreements/", "/console/commissions/ledger/", "/console/audit/", "/console/deals/board/"):
        response = client.get(url, {"partner": str(acme.pk)})
        assert response.status_code == 200, url
        assert f'value="Acme Systems (#{acme.pk})"' in response.content.decode(), url


def test_new_partner_time_zone_and_currency_default_from_its_country(vendor_admin):
    """Issue 10, item 12: not UTC and USD for everyone — the country's main zone and its currency."""
    client = client_for(vendor_admin)
    form = client.get("/console/partners/new/").content.decode()
    assert 'name="time_zone"' in form and 'list="id_time_zone-options"' in form
    assert '<option value="Europe/Berlin"></option>' in form
    client.post("/console/partners/new/", {"name": "Fjord AS", "types": ["reseller"], "country": "NO",
                                           "time_zone": "", "domain": "fjord.test"})
    fjord = Partner.objects.get(name="Fjord AS")
    assert (fjord.time_zone, fjord.roi_currency) == ("Europe/Oslo", "NOK")
    chosen = partners.create_partner(actor=vendor_admin, data={"name": "Kiwi", "types": ["reseller"],
                                                               "country": "JP", "time_zone": "UTC"})
    assert (chosen.time_zone, chosen.roi_currency) == ("UTC", "JPY")
    bad = client.post("/console/partners/new/", {"name": "Nowhere", "types": ["reseller"], "country": "DE",
                                                 "time_zone": "Mars/Olympus"})
    assert bad.status_code == 200 and not Partner.objects.filter(name="Nowhere").exists()
