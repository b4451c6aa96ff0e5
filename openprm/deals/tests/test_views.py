"""Deal-registration pages: who sees what, and what a person notices after each action."""

from datetime import timedelta

import pytest
from django.urls import reverse

from conftest import client_for, make_user
from openprm.audit.models import AuditEvent
from openprm.deals import services
from openprm.deals.models import (
    ConflictCase,
    ExtensionStatus,
    Lead,
    LeadStatus,
    Participant,
    Registration,
    RegistrationStatus,
)
from openprm.lib import clock
from openprm.partners.models import Partner

from .conftest import submission

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = submission(products="Analytics, Edge Gateway", customer_domain="initech.example")
    data.update(contact_name="Bill Lumbergh", contact_email="bill@initech.example")
    data.update(overrides)
    return data


@pytest.fixture
def acme_reg(active_acme, acme_rep, register):
    return register(acme_rep, active_acme)


@pytest.fixture
def conflict(acme_reg, active_globex, globex_admin, register):
    """Globex registers Acme's customer: Globex's registration goes to conflict review."""
    later = register(globex_admin, active_globex, customer_name="Initech", customer_domain="initech.example")
    assert later.status == RegistrationStatus.CONFLICT
    return later.conflict_case


@pytest.fixture
def lead(active_acme, acme_admin, vendor_admin):
    created = services.create_lead(actor=vendor_admin, data={
        "company_name": "Umbrella Corp", "domain": "umbrella.example", "country": "US", "amount": "40000",
        "currency": "USD", "contact_name": "Albert Wesker"})
    assert created.partner_id == active_acme.pk
    return created


# ---------------------------------------------------------------- access

def portal_urls(reg, lead):
    return [reverse("deals:portal_list"), reverse("deals:portal_new"), reverse("deals:portal_detail", args=[reg.pk]),
            reverse("deals:portal_leads"), reverse("deals:portal_lead", args=[lead.pk])]


def console_urls(reg, case, lead):
    return [reverse("deals:console_queue"), reverse("deals:console_board"),
            reverse("deals:console_detail", args=[reg.pk]), reverse("deals:console_conflicts"),
            reverse("deals:console_conflict", args=[case.pk]), reverse("deals:console_leads"),
            reverse("deals:console_lead", args=[lead.pk])]


def test_each_page_opens_for_its_people(acme_reg, conflict, lead, acme_admin, channel_manager, vendor_admin):
    for url in portal_urls(acme_reg, lead):
        response = client_for(acme_admin).get(url)
        assert response.status_code == 200, url
    for user in (channel_manager, vendor_admin):
        for url in console_urls(acme_reg, conflict, lead):
            response = client_for(user).get(url)
            assert response.status_code == 200, (user, url)


def test_anonymous_people_are_sent_to_sign_in(acme_reg, conflict, lead, anon):
    for url in portal_urls(acme_reg, lead) + console_urls(acme_reg, conflict, lead):
        response = anon.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_partners_are_refused_console_pages(acme_reg, conflict, lead, acme_admin):
    for url in console_urls(acme_reg, conflict, lead):
        assert client_for(acme_admin).get(url).status_code == 403, url


def test_another_partners_registration_and_lead_are_not_found(acme_reg, lead, globex_admin):
    client = client_for(globex_admin)
    assert client.get(reverse("deals:portal_detail", args=[acme_reg.pk])).status_code == 404
    assert client.get(reverse("deals:portal_lead", args=[lead.pk])).status_code == 404
    response = client.post(reverse("deals:portal_lead_accept", args=[lead.pk]))
    assert response.status_code == 404
    lead.refresh_from_db()
    assert lead.status == LeadStatus.UNOPENED
    assert "Initech" not in client.get(reverse("deals:portal_list")).content.decode()


def test_another_managers_registration_is_not_found(acme_reg, other_manager):
    assert client_for(other_manager).get(reverse("deals:console_detail", args=[acme_reg.pk])).status_code == 404


# ---------------------------------------------------------------- portal: register

def test_registering_a_deal_shows_it_submitted(active_acme, acme_rep):
    client = client_for(acme_rep)
    page = client.get(reverse("deals:portal_new")).content.decode()
    assert 'hx-get="/portal/deals/precheck/"' in page and "keyup changed delay:400ms" in page
    response = client.post(reverse("deals:portal_new"), form_data(), follow=True)
    reg = Registration.objects.get()
    assert response.redirect_chain[-1][0] == reverse("deals:portal_detail", args=[reg.pk])
    page = response.content.decode()
    assert f"Registration #{reg.pk} is submitted for review" in page
    assert "Initech Inc." in page and "250,000.00 USD" in page and "Waiting for review" in page
    assert reg.products == ["Analytics", "Edge Gateway"] and reg.submitted_by == acme_rep


def test_bad_input_shows_inline_errors_and_writes_nothing(active_acme, acme_rep):
    past = (clock.today() - timedelta(days=3)).isoformat()
    response = client_for(acme_rep).post(reverse("deals:portal_new"),
                                         form_data(customer_domain="not a domain", expected_close_date=past))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter a domain such as customer.com." in page
    assert not Registration.objects.exists()
    response = client_for(acme_rep).post(reverse("deals:portal_new"), form_data(amount="-5", customer_name=""))
    assert "This field is required." in response.content.decode()
    assert not Registration.objects.exists()


def test_the_minimum_deal_value_is_checked_in_another_currency_on_the_page(active_acme, acme_rep):
    from decimal import Decimal

    from openprm.deals.models import DealProgram

    DealProgram.objects.filter(pk=1).update(minimum_amount=Decimal("10000"), minimum_currency="USD")
    response = client_for(acme_rep).post(reverse("deals:portal_new"), form_data(amount="5000", currency="GBP"))
    assert response.status_code == 200 and "No FX rate for GBP" in response.content.decode()
    assert not Registration.objects.exists()


def test_a_past_close_date_is_refused_by_the_service(active_acme, acme_rep):
    past = (clock.today() - timedelta(days=3)).isoformat()
    response = client_for(acme_rep).post(reverse("deals:portal_new"), form_data(expected_close_date=past))
    assert "The expected close date is in the past." in response.content.decode()
    assert not Registration.objects.exists()


def test_a_partner_marketer_cannot_register(active_acme):
    marketer = make_user("mia@acme.test", "partner_marketing", partner=active_acme)
    client = client_for(marketer)
    assert client.get(reverse("deals:portal_new")).status_code == 403
    assert client.post(reverse("deals:portal_new"), form_data()).status_code == 403
    assert not Registration.objects.exists()
    assert "Register a deal" not in client.get(reverse("deals:portal_list")).content.decode()


def test_a_duplicate_names_and_links_the_existing_registration(acme_reg, acme_admin):
    response = client_for(acme_admin).post(reverse("deals:portal_new"), form_data(customer_name="Initech"))
    page = response.content.decode()
    link = reverse("deals:portal_detail", args=[acme_reg.pk])
    assert f'href="{link}"' in page and f"registration #{acme_reg.pk}" in page
    assert Registration.objects.count() == 1


def test_registering_a_protected_customer_says_it_goes_to_conflict_review(acme_reg, active_globex, globex_admin):
    response = client_for(globex_admin).post(reverse("deals:portal_new"),
                                             form_data(customer_name="Initech", customer_country="DE",
                                                       currency="EUR"), follow=True)
    page = response.content.decode()
    assert "goes to conflict review" in page and "under conflict review" in page
    assert "Acme" not in page


def test_precheck_says_protected_without_naming_the_partner(acme_reg, active_globex, globex_admin):
    client = client_for(globex_admin)
    url = reverse("deals:portal_precheck")
    page = client.get(url, {"customer_domain": "www.initech.example", "customer_name": "",
                            "customer_country": "DE"}, HTTP_HX_REQUEST="true").content.decode()
    assert "already protected" in page and "conflict review" in page
    assert "Acme" not in page and str(acme_reg.pk) not in page
    page = client.get(url, {"customer_name": "Hooli", "customer_domain": "hooli.example",
                            "customer_country": "US"}).content.decode()
    assert "No active registration found" in page


def test_precheck_tells_a_partner_its_own_registration(acme_reg, acme_admin):
    page = client_for(acme_admin).get(reverse("deals:portal_precheck"),
                                      {"customer_domain": "initech.example"}).content.decode()
    assert "You already registered this customer" in page
    assert reverse("deals:portal_detail", args=[acme_reg.pk]) in page


# ---------------------------------------------------------------- portal: list and detail

def test_my_registrations_filter_search_and_csv(acme_reg, active_acme, acme_rep, register):
    register(acme_rep, active_acme, customer_name="Hooli", customer_domain="hooli.example")
    client = client_for(acme_rep)
    page = client.get(reverse("deals:portal_list"), {"q": "hooli"}).content.decode()
    assert "Hooli" in page and "Initech" not in page
    page = client.get(reverse("deals:portal_list"), {"status": "approved"}).content.decode()
    assert "No registrations" in page
    response = client.get(reverse("deals:portal_list"), {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert "Hooli" in body and "Initech Inc." in body and body.count("\n") == 3


def test_detail_shows_protection_countdown_and_extension_request(acme_reg, acme_rep, channel_manager):
    services.approve(actor=channel_manager, registration=acme_reg)
    client = client_for(acme_rep)
    page = client.get(reverse("deals:portal_detail", args=[acme_reg.pk])).content.decode()
    assert "30 days left" in page and "Request extension" in page
    assert f"Carl Manager (vendor) approved registration #{acme_reg.pk}" in page and "registration.approved" not in page
    response = client.post(reverse("deals:portal_extension", args=[acme_reg.pk]), {"reason": "Budget slipped"},
                           follow=True)
    page = response.content.decode()
    assert "Extension requested" in page and "Request extension" not in page
    acme_reg.refresh_from_db()
    assert acme_reg.extension_status == "requested"


def test_conflict_status_never_names_the_other_partner(conflict, active_globex, globex_admin):
    reg = conflict.registrations.get(partner=active_globex)
    page = client_for(globex_admin).get(reverse("deals:portal_detail", args=[reg.pk])).content.decode()
    assert "under conflict review" in page
    assert "Acme" not in page


# ---------------------------------------------------------------- console: queue and detail

def test_queue_lists_oldest_first_and_flags_overdue(active_acme, acme_rep, channel_manager, register):
    old = register(acme_rep, active_acme, customer_name="Old Co", customer_domain="old.example")
    Registration.objects.filter(pk=old.pk).update(submitted_at=clock.moment() - timedelta(hours=72))
    register(acme_rep, active_acme, customer_name="New Co", customer_domain="new.example")
    page = client_for(channel_manager).get(reverse("deals:console_queue")).content.decode()
    assert page.index("Old Co") < page.index("New Co")
    assert page.count("badge late") == 1


def test_approve_from_the_queue(acme_reg, channel_manager):
    client = client_for(channel_manager)
    queue = reverse("deals:console_queue")
    response = client.post(reverse("deals:console_approve", args=[acme_reg.pk]), {"note": "Good fit", "next": queue},
                           follow=True)
    assert response.redirect_chain[-1][0] == queue
    assert f"Approved #{acme_reg.pk}" in response.content.decode()
    acme_reg.refresh_from_db()
    assert acme_reg.status == RegistrationStatus.APPROVED and acme_reg.decision_note == "Good fit"


def test_reject_needs_a_reason(acme_reg, channel_manager):
    client = client_for(channel_manager)
    events = AuditEvent.objects.count()
    response = client.post(reverse("deals:console_reject", args=[acme_reg.pk]), {"reason": ""}, follow=True)
    assert "A reason is required to reject." in response.content.decode()
    acme_reg.refresh_from_db()
    assert acme_reg.status == RegistrationStatus.SUBMITTED and AuditEvent.objects.count() == events
    response = client.post(reverse("deals:console_reject", args=[acme_reg.pk]),
                           {"reason": "Existing direct customer"}, follow=True)
    assert f"Rejected #{acme_reg.pk}" in response.content.decode()
    acme_reg.refresh_from_db()
    assert acme_reg.status == RegistrationStatus.REJECTED



def test_an_invalid_form_is_refused_before_the_service(acme_reg, channel_manager):
    """Pages never ignore their form: an over-long note used to be dropped and the approval made anyway."""
    client = client_for(channel_manager)
    events = AuditEvent.objects.count()
    response = client.post(reverse("deals:console_approve", args=[acme_reg.pk]), {"note": "x" * 5001}, follow=True)
    assert "at most 5000 characters" in response.content.decode()
    acme_reg.refresh_from_db()
    assert acme_reg.status == RegistrationStatus.SUBMITTED and AuditEvent.objects.count() == events


def test_a_refused_row_action_names_its_registration_and_returns_to_the_queue(acme_reg, channel_manager):
    services.approve(actor=channel_manager, registration=acme_reg)
    client = client_for(channel_manager)
    queue = reverse("deals:console_queue")
    response = client.post(reverse("deals:console_approve", args=[acme_reg.pk]), {"next": queue}, follow=True)
    assert response.redirect_chain[-1][0] == queue
    assert f"#{acme_reg.pk} {acme_reg.customer_name}: A registration that is approved" in response.content.decode()


def test_a_read_only_partner_role_is_refused_an_extension(acme_reg, active_acme, channel_manager):
    services.approve(actor=channel_manager, registration=acme_reg)
    marketer = make_user("marketer@acme.example", "partner_marketing", active_acme)
    events = AuditEvent.objects.count()
    response = client_for(marketer).post(reverse("deals:portal_extension", args=[acme_reg.pk]), {"reason": "More"})
    assert response.status_code == 403
    acme_reg.refresh_from_db()
    assert acme_reg.extension_status == ExtensionStatus.NONE and AuditEvent.objects.count() == events

def test_a_partner_cannot_approve(acme_reg, acme_admin):
    response = client_for(acme_admin).post(reverse("deals:console_approve", args=[acme_reg.pk]))
    assert response.status_code == 403
    acme_reg.refresh_from_db()
    assert acme_reg.status == RegistrationStatus.SUBMITTED


def test_detail_shows_matching_registrations(conflict, acme_reg, vendor_admin):
    page = client_for(vendor_admin).get(reverse("deals:console_detail", args=[acme_reg.pk])).content.decode()
    assert "Matching registrations" in page and "Globex GmbH" in page
    assert f"conflict case #{conflict.pk}" in page


def test_participants_editor_rejects_splits_under_100(acme_reg, active_globex, channel_manager):
    acme = acme_reg.partner
    # Carl may make only partners he may see participants (scoping): here he manages Globex too.
    Partner.objects.filter(pk=active_globex.pk).update(manager=channel_manager)
    url = reverse("deals:console_participants", args=[acme_reg.pk])
    response = client_for(channel_manager).post(url, {
        "partner": [acme.pk, active_globex.pk], "role": ["sourced", "influenced"], "split_percent": ["60", "30"]})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Splits must sum to exactly 100; they sum to 90" in page
    assert list(Participant.objects.filter(registration=acme_reg).values_list("partner_id", "split_percent")) == [
        (acme.pk, 100)]
    response = client_for(channel_manager).post(url, {
        "partner": [acme.pk, active_globex.pk], "role": ["sourced", "influenced"], "split_percent": ["70", "30"]},
        follow=True)
    assert "Co-selling participants saved" in response.content.decode()
    assert Participant.objects.filter(registration=acme_reg).count() == 2


def test_close_won_from_the_detail(acme_reg, channel_manager):
    services.approve(actor=channel_manager, registration=acme_reg)
    response = client_for(channel_manager).post(reverse("deals:console_close", args=[acme_reg.pk]), {
        "outcome": "won", "amount": "240000", "currency": "USD", "closed_on": clock.today().isoformat()},
        follow=True)
    page = response.content.decode()
    assert "closed as won" in page and "240,000.00 USD" in page
    acme_reg.refresh_from_db()
    assert acme_reg.status == RegistrationStatus.WON


def test_a_future_close_date_is_refused_in_one_sentence(acme_reg, channel_manager):
    """Issue 10, item 11: not "The close date is in the future. Not in the future." (summary and field both)."""
    services.approve(actor=channel_manager, registration=acme_reg)
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    response = client_for(channel_manager).post(reverse("deals:console_close", args=[acme_reg.pk]), {
        "outcome": "won", "amount": "240000", "currency": "USD", "closed_on": tomorrow}, follow=True)
    page = response.content.decode()
    assert page.count("The close date cannot be in the future.") == 1 and "Not in the future" not in page
    acme_reg.refresh_from_db()
    assert acme_reg.status == RegistrationStatus.APPROVED


def test_board_counts_and_totals_per_currency(acme_reg, active_acme, acme_rep, channel_manager, register,
                                              vendor_admin):
    register(acme_rep, active_acme, customer_name="Hooli", customer_domain="hooli.example", amount="1000",
             currency="EUR")
    page = client_for(channel_manager).get(reverse("deals:console_board")).content.decode()
    assert "250,000.00 USD" in page and "1,000.00 EUR" in page and "Hooli" in page
    # Without a EUR rate the column says so instead of adding euros as dollars.
    assert "No FX rate for EUR" in page and "≈ 251,000.00 USD" not in page
    from datetime import date

    from openprm.programs.services import set_fx_rate

    set_fx_rate(actor=vendor_admin, currency="EUR", valid_on=date(2020, 1, 1), rate="1.10")
    page = client_for(channel_manager).get(reverse("deals:console_board")).content.decode()
    assert "≈ 251,100.00 USD" in page and "No FX rate" not in page


# ---------------------------------------------------------------- console: conflicts

def test_award_a_conflict_from_the_workspace(conflict, acme_reg, vendor_admin):
    client = client_for(vendor_admin)
    url = reverse("deals:console_conflict", args=[conflict.pk])
    page = client.get(url).content.decode()
    assert "Acme Systems" in page and "Globex GmbH" in page and "Identify" in page and "Prevent" in page
    response = client.post(reverse("deals:console_conflict_advance", args=[conflict.pk]),
                           {"step": "investigate", "note": "Both claim a meeting in May"}, follow=True)
    assert "Both claim a meeting in May" in response.content.decode()
    response = client.post(reverse("deals:console_conflict_decide", args=[conflict.pk]), {
        "decision": "award", "registration": acme_reg.pk, "note": "Acme registered first"}, follow=True)
    page = response.content.decode()
    assert "Decided: Award to one registration" in page
    statuses = dict(conflict.registrations.values_list("partner__name", "status"))
    assert statuses == {"Acme Systems": "approved", "Globex GmbH": "rejected"}
    response = client.post(reverse("deals:console_conflict_prevent", args=[conflict.pk]), {
        "note": "Named account", "named_account_partner": acme_reg.partner_id}, follow=True)
    assert "the case is closed" in response.content.decode()
    conflict.refresh_from_db()
    assert not conflict.is_open


def test_co_sell_decision_with_bad_splits_changes_nothing(conflict, acme_reg, vendor_admin):
    other = conflict.registrations.exclude(pk=acme_reg.pk).get()
    response = client_for(vendor_admin).post(reverse("deals:console_conflict_decide", args=[conflict.pk]), {
        "decision": "co_sell", "registration": acme_reg.pk, "partner": [acme_reg.partner_id, other.partner_id],
        "role": ["sourced", "influenced"], "split_percent": ["50", "40"]}, follow=True)
    assert "Splits must sum to exactly 100" in response.content.decode()
    conflict.refresh_from_db()
    assert conflict.decision == ""


def test_conflict_of_another_manager_is_not_found(conflict, other_manager, finance_user):
    # Olga manages Globex, so she sees this case; a case with only Acme's registrations she does not.
    own_case = ConflictCase.objects.create(customer=conflict.customer)
    assert client_for(other_manager).get(reverse("deals:console_conflict", args=[own_case.pk])).status_code == 404
    assert client_for(finance_user).get(reverse("deals:console_conflicts")).status_code == 403


# ---------------------------------------------------------------- leads

def test_portal_lead_opens_and_accepts(lead, acme_rep):
    client = client_for(acme_rep)
    page = client.get(reverse("deals:portal_leads")).content.decode()
    assert "Umbrella Corp" in page and "h left" in page
    page = client.get(reverse("deals:portal_lead", args=[lead.pk])).content.decode()
    assert "Answer by" in page and "40,000.00 USD" in page
    lead.refresh_from_db()
    assert lead.status == LeadStatus.OPENED
    close = (clock.today() + timedelta(days=45)).isoformat()
    response = client.post(reverse("deals:portal_lead_accept", args=[lead.pk]), {"expected_close_date": close},
                           follow=True)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ACCEPTED
    assert response.redirect_chain[-1][0] == reverse("deals:portal_detail", args=[lead.registration_id])
    assert "Lead accepted" in response.content.decode()
    assert lead.registration.expected_close_date.isoformat() == close


def test_portal_lead_decline_needs_a_reason(lead, acme_admin):
    client = client_for(acme_admin)
    response = client.post(reverse("deals:portal_lead_decline", args=[lead.pk]), {"reason": ""}, follow=True)
    assert "Why not this lead?" in response.content.decode()
    lead.refresh_from_db()
    assert lead.partner_id == acme_admin.partner_id
    response = client.post(reverse("deals:portal_lead_decline", args=[lead.pk]), {"reason": "No capacity"},
                           follow=True)
    assert "You declined the lead Umbrella Corp" in response.content.decode()
    lead.refresh_from_db()
    assert lead.offers.get(partner=acme_admin.partner).outcome == "declined"


def test_a_marketer_reads_a_lead_without_opening_or_answering_it(lead, active_acme):
    marketer = make_user("mia@acme.test", "partner_marketing", partner=active_acme)
    page = client_for(marketer).get(reverse("deals:portal_lead", args=[lead.pk])).content.decode()
    assert "Umbrella Corp" in page and "Accept lead" not in page
    lead.refresh_from_db()
    assert lead.status == LeadStatus.UNOPENED


def test_console_creates_a_lead_and_shows_offer_history(active_acme, acme_admin, channel_manager):
    client = client_for(channel_manager)
    response = client.post(reverse("deals:console_leads"), {
        "company_name": "Stark Industries", "country": "US", "currency": "USD", "amount": "90000",
        "products": "Security Suite"}, follow=True)
    assert "offered to Acme Systems" in response.content.decode()
    lead = Lead.objects.get()
    page = client.get(reverse("deals:console_lead", args=[lead.pk])).content.decode()
    assert "Offer history" in page and "Acme Systems" in page and "waiting" in page
    response = client.post(reverse("deals:console_leads"), {"company_name": "", "country": "US", "currency": "USD"})
    assert "This field is required." in response.content.decode() and Lead.objects.count() == 1


def test_closing_won_without_a_plan_flashes_a_warning(acme_reg, channel_manager):
    # Issue 10, item 1: the person closing the deal is told that nothing was booked.
    services.approve(actor=channel_manager, registration=acme_reg)
    response = client_for(channel_manager).post(reverse("deals:console_close", args=[acme_reg.pk]), {
        "outcome": "won", "amount": "240000", "currency": "USD", "closed_on": clock.today().isoformat()},
        follow=True)
    page = response.content.decode()
    warning = f"Acme Systems has no commission plan in force on {clock.today().isoformat()}: nothing was booked."
    assert warning in page and "closed as won" in page
    assert [m.level_tag for m in response.context["messages"]] == ["warning"]


# ---------------------------------------------------------------- bulk decisions (issue 10, item 13)

def test_bulk_approve_decides_each_row_through_the_service_and_names_the_refused(
        active_acme, active_globex, acme_rep, globex_admin, channel_manager, register):
    one = register(acme_rep, active_acme, customer_name="One Co", customer_domain="one.example")
    two = register(acme_rep, active_acme, customer_name="Two Co", customer_domain="two.example")
    done = register(acme_rep, active_acme, customer_name="Done Co", customer_domain="done.example")
    services.reject(actor=channel_manager, registration=done, reason="Duplicate")
    # Globex belongs to another manager: Carl does not see it, so it is "not found", never decided.
    foreign = register(globex_admin, active_globex, customer_name="Foreign Co", customer_domain="foreign.example")
    client = client_for(channel_manager)
    queue = client.get(reverse("deals:console_queue")).content.decode()
    assert 'data-select-all="bulk-queue"' in queue and f'name="ids" value="{one.pk}" form="bulk-queue"' in queue
    response = client.post(reverse("deals:console_bulk"), {
        "action": "approve", "text": "Looks good", "ids": [one.pk, two.pk, done.pk, foreign.pk]}, follow=True)
    page = response.content.decode()
    assert "Approved 2 registrations." in page
    assert f"2 not done: #{done.pk} Done Co: A registration that is rejected cannot be approved." in page
    assert f"#{foreign.pk}: not found" in page
    statuses = dict(Registration.objects.values_list("pk", "status"))
    assert (statuses[one.pk], statuses[two.pk]) == (RegistrationStatus.APPROVED, RegistrationStatus.APPROVED)
    assert statuses[foreign.pk] == RegistrationStatus.SUBMITTED
    assert AuditEvent.objects.filter(verb="registration.approved").count() == 2


def test_bulk_reject_needs_a_reason_and_changes_nothing_without_one(active_acme, acme_rep, channel_manager,
                                                                    register):
    reg = register(acme_rep, active_acme)
    client = client_for(channel_manager)
    page = client.post(reverse("deals:console_bulk"), {"action": "reject", "text": " ", "ids": [reg.pk]},
                       follow=True).content.decode()
    assert "Give the reason for rejecting the selected registrations." in page
    reg.refresh_from_db()
    assert reg.status == RegistrationStatus.SUBMITTED
    assert "Select at least one row first." in client.post(
        reverse("deals:console_bulk"), {"action": "approve"}, follow=True).content.decode()
    page = client.post(reverse("deals:console_bulk"), {"action": "reject", "text": "Not a fit", "ids": [reg.pk]},
                       follow=True).content.decode()
    assert "Rejected 1 registration." in page
    reg.refresh_from_db()
    assert reg.status == RegistrationStatus.REJECTED and reg.decision_note == "Not a fit"
