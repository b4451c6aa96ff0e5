"""The console's partner pages: list, board, a partner's page and tabs, their actions, and who is kept out."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import client_for, make_user
from openprm.accounts.models import Invitation, User
from openprm.audit.models import AuditEvent
from openprm.partners import services as partners
from openprm.partners.models import (
    Contact,
    OnboardingTask,
    Partner,
    ScorecardCriterion,
    ScorecardScore,
    Stage,
    StageChange,
)

pytestmark = pytest.mark.django_db


TABS = ["profile", "contacts", "lifecycle", "scorecard", "onboarding", "users", "audit"]


def html(response) -> str:
    return response.content.decode()


def make_partner(actor, name, **data):
    return partners.create_partner(actor=actor, data={"name": name, "types": ["reseller"], "country": "US", **data})


def backdate(partner, days):
    """Put the partner `days` days into its current stage."""
    Partner.objects.filter(pk=partner.pk).update(stage_entered_at=timezone.now() - timedelta(days=days))


def csv_rows(response):
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_partner_user_cannot_open_its_own_partner_in_the_console(acme, acme_admin):
    assert client_for(acme_admin).get(f"/console/partners/{acme.pk}/").status_code == 403


@pytest.mark.parametrize("tab", TABS)
def test_every_tab_opens_for_the_admin_and_the_owning_manager(acme, vendor_admin, channel_manager, tab):
    for user in (vendor_admin, channel_manager):
        response = client_for(user).get(f"/console/partners/{acme.pk}/?tab={tab}")
        assert response.status_code == 200, (user, tab)
        assert "Acme Systems" in html(response)


@pytest.mark.parametrize("tab", TABS)
def test_another_managers_partner_is_not_found(acme, other_manager, tab):
    response = client_for(other_manager).get(f"/console/partners/{acme.pk}/?tab={tab}")
    assert response.status_code == 404
    assert "Acme Systems" not in html(response)


def test_another_manager_cannot_change_acme(acme, other_manager):
    client = client_for(other_manager)
    contact = partners.save_contact(actor=acme.manager, partner=acme, data={"name": "Wile"})
    posts = [
        (f"/console/partners/{acme.pk}/edit/", {"name": "Hacked"}),
        (f"/console/partners/{acme.pk}/stage/", {"stage": "qualification"}),
        (f"/console/partners/{acme.pk}/contacts/", {"name": "Intruder"}),
        (f"/console/contacts/{contact.pk}/delete/", {}),
        (f"/console/partners/{acme.pk}/onboarding/", {}),
        (f"/console/partners/{acme.pk}/invitations/", {"email": "x@acme.test", "role": "partner_admin"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    acme.refresh_from_db()
    assert (acme.name, acme.stage) == ("Acme Systems", Stage.IDENTIFICATION)
    assert list(Contact.objects.filter(partner=acme).values_list("name", flat=True)) == ["Wile"]
    assert not OnboardingTask.objects.filter(partner=acme).exists()
    assert not Invitation.objects.filter(email="x@acme.test").exists()


def test_finance_can_read_but_not_edit_a_partner(acme, finance_user):
    client = client_for(finance_user)
    page = client.get(f"/console/partners/{acme.pk}/")
    assert page.status_code == 200
    assert "Edit profile" not in html(page)
    assert client.get(f"/console/partners/{acme.pk}/edit/").status_code == 403
    assert client.get("/console/partners/new/").status_code == 403


def test_list_search_and_filters(acme, globex, vendor_admin):
    client = client_for(vendor_admin)
    assert "Globex GmbH" in html(client.get("/console/partners/"))
    page = html(client.get("/console/partners/?q=acme"))
    assert "Acme Systems" in page and "Globex GmbH" not in page
    page = html(client.get("/console/partners/?region=europe"))
    assert "Globex GmbH" in page and "Acme Systems" not in page
    page = html(client.get("/console/partners/?type=msp"))
    assert "Globex GmbH" in page and "Acme Systems" not in page
    page = html(client.get(f"/console/partners/?manager={acme.manager_id}"))
    assert "Acme Systems" in page and "Globex GmbH" not in page
    page = html(client.get("/console/partners/?stage=active"))
    assert "No partner matches" in page


def test_list_late_filter(acme, globex, vendor_admin):
    backdate(globex, 20)
    page = html(client_for(vendor_admin).get("/console/partners/?late=1"))
    assert "Globex GmbH" in page and "Acme Systems" not in page
    assert "Late" in page


def test_list_ignores_a_bad_filter_value_instead_of_failing(acme, vendor_admin):
    response = client_for(vendor_admin).get("/console/partners/?stage=nonsense&manager=abc")
    assert response.status_code == 200
    assert "Acme Systems" in html(response)


def test_channel_manager_lists_only_their_partners(acme, globex, channel_manager):
    page = html(client_for(channel_manager).get("/console/partners/"))
    assert "Acme Systems" in page and "Globex GmbH" not in page


def test_list_sorts_by_column(vendor_admin):
    for name, country in [("Bravo", "FR"), ("Alpha", "US"), ("Charlie", "BR")]:
        make_partner(vendor_admin, name, country=country)
    client = client_for(vendor_admin)
    page = html(client.get("/console/partners/?sort=-name"))
    assert page.index("Charlie") < page.index("Bravo") < page.index("Alpha")
    page = html(client.get("/console/partners/?sort=country"))
    assert page.index("Charlie") < page.index("Bravo") < page.index("Alpha")  # BR, FR, US


def test_list_paginates_25_per_page(vendor_admin):
    for n in range(30):
        make_partner(vendor_admin, f"Partner {n:02d}")
    client = client_for(vendor_admin)
    first = html(client.get("/console/partners/"))
    assert "1–25 of 30" in first
    assert "Partner 24" in first and "Partner 25" not in first
    second = html(client.get("/console/partners/?page=2"))
    assert "26–30 of 30" in second
    assert "Partner 25" in second and "Partner 24" not in second


def test_csv_export_uses_the_same_filters(acme, globex, vendor_admin):
    response = client_for(vendor_admin).get("/console/partners/?format=csv&region=europe")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert [r["name"] for r in rows] == ["Globex GmbH"]
    assert rows[0]["types"] == "msp technology"
    assert rows[0]["manager"] == "olga@vendor.test"


def test_csv_export_is_scoped_and_neutralises_formulas(acme, globex, channel_manager):
    Partner.objects.filter(pk=acme.pk).update(legal_name="=HYPERLINK(\"x\")")
    rows = csv_rows(client_for(channel_manager).get("/console/partners/?format=csv"))
    assert [r["name"] for r in rows] == ["Acme Systems"]
    assert rows[0]["legal_name"].startswith("'=")


def test_empty_state_offers_new_partner(vendor_admin):
    page = html(client_for(vendor_admin).get("/console/partners/"))
    assert "No partners yet" in page
    assert "/console/partners/new/" in page


def test_create_partner(vendor_admin, channel_manager):
    client = client_for(vendor_admin)
    response = client.post("/console/partners/new/", {
        "name": "Umbrella Corp", "types": ["reseller", "msp"], "country": "GB", "time_zone": "Europe/London",
        "languages": "en, fr", "domain": "Umbrella.test", "specializations": "Healthcare, Cloud",
        "manager": channel_manager.pk,
    })
    partner = Partner.objects.get(name="Umbrella Corp")
    assert response.status_code == 302
    assert response["Location"] == f"/console/partners/{partner.pk}/"
    assert partner.type_codes == ["msp", "reseller"]
    assert partner.region == "europe"
    assert partner.languages == ["en", "fr"]
    assert partner.domain == "umbrella.test"
    assert partner.manager == channel_manager
    assert AuditEvent.objects.filter(verb="partner.created", partner=partner).exists()
    page = html(client.get(response["Location"]))
    assert "Umbrella Corp added in Identification." in page
    assert "Healthcare" in page


def test_channel_manager_owns_the_partner_they_add(channel_manager):
    client_for(channel_manager).post("/console/partners/new/", {
        "name": "Mine Ltd", "types": ["referral"], "country": "US", "time_zone": "UTC"})
    assert Partner.objects.get(name="Mine Ltd").manager == channel_manager


def test_create_partner_with_bad_input_shows_errors_and_writes_nothing(vendor_admin):
    client = client_for(vendor_admin)
    response = client.post("/console/partners/new/", {"name": "", "country": "XX", "time_zone": "UTC"})
    assert response.status_code == 200
    page = html(response)
    assert "This field is required." in page
    assert "Select a valid choice" in page
    assert Partner.objects.count() == 0
    assert not AuditEvent.objects.filter(verb="partner.created").exists()


def test_create_partner_refused_by_the_service_shows_its_error(acme, vendor_admin):
    response = client_for(vendor_admin).post("/console/partners/new/", {
        "name": "Acme Again", "types": ["reseller"], "country": "US", "time_zone": "UTC", "domain": "acme.test"})
    assert response.status_code == 200
    assert "Already used by a partner." in html(response)
    assert not Partner.objects.filter(name="Acme Again").exists()


def test_edit_partner(acme, channel_manager):
    client = client_for(channel_manager)
    form = html(client.get(f"/console/partners/{acme.pk}/edit/"))
    assert 'value="Acme Systems"' in form
    response = client.post(f"/console/partners/{acme.pk}/edit/", {
        "name": "Acme Systems Inc", "types": ["reseller", "oem"], "country": "CA", "time_zone": "America/Toronto",
        "domain": "acme.test", "manager": channel_manager.pk})
    assert response.status_code == 302
    acme.refresh_from_db()
    assert (acme.name, acme.country, acme.region) == ("Acme Systems Inc", "CA", "north_america")
    assert acme.type_codes == ["oem", "reseller"]
    assert AuditEvent.objects.filter(verb="partner.updated", partner=acme).exists()


def test_change_stage(acme, channel_manager):
    client = client_for(channel_manager)
    page = html(client.get(f"/console/partners/{acme.pk}/?tab=lifecycle"))
    assert 'value="qualification"' in page and 'value="active"' not in page
    response = client.post(f"/console/partners/{acme.pk}/stage/", {"stage": "qualification", "note": "Good fit"})
    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.stage == Stage.QUALIFICATION
    page = html(client.get(response["Location"]))
    assert "Acme Systems is now in Qualification." in page
    assert "Good fit" in page  # the history timeline


def test_terminate_without_reason_is_refused(acme, channel_manager):
    response = client_for(channel_manager).post(f"/console/partners/{acme.pk}/stage/", {"stage": "terminated"})
    assert response.status_code == 200
    assert "A reason is required to suspend or terminate." in html(response)
    acme.refresh_from_db()
    assert acme.stage == Stage.IDENTIFICATION
    assert StageChange.objects.filter(partner=acme).count() == 1  # only the creation


def test_skipping_stages_is_refused(acme, vendor_admin):
    response = client_for(vendor_admin).post(f"/console/partners/{acme.pk}/stage/", {"stage": "active"})
    assert response.status_code == 200
    assert "Select a valid choice" in html(response)
    acme.refresh_from_db()
    assert acme.stage == Stage.IDENTIFICATION


def test_lifecycle_tab_shows_days_and_the_late_flag(acme, vendor_admin):
    backdate(acme, 20)
    page = html(client_for(vendor_admin).get(f"/console/partners/{acme.pk}/?tab=lifecycle"))
    assert ">20<" in page and "14 d" in page
    assert "late since" in page


def test_add_edit_and_delete_a_contact(acme, channel_manager):
    client = client_for(channel_manager)
    response = client.post(f"/console/partners/{acme.pk}/contacts/", {
        "name": "Wile E. Coyote", "email": "wile@acme.test", "job_title": "CTO", "is_primary": "on"})
    assert response.status_code == 302
    contact = Contact.objects.get(partner=acme)
    assert contact.is_primary and contact.job_title == "CTO"
    assert "Wile E. Coyote" in html(client.get(f"/console/partners/{acme.pk}/?tab=contacts"))

    response = client.post(f"/console/contacts/{contact.pk}/edit/", {"name": "Wile Coyote", "email": "w@acme.test"})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.name, contact.is_primary) == ("Wile Coyote", False)

    response = client.post(f"/console/contacts/{contact.pk}/delete/")
    assert response.status_code == 302
    assert not Contact.objects.filter(partner=acme).exists()
    assert AuditEvent.objects.filter(verb="contact.deleted", partner=acme).exists()


def test_contact_with_bad_input_is_not_saved(acme, channel_manager):
    response = client_for(channel_manager).post(f"/console/partners/{acme.pk}/contacts/",
                                                {"name": "", "email": "not-an-email"})
    assert response.status_code == 200
    assert "Enter a valid email address." in html(response)
    assert not Contact.objects.filter(partner=acme).exists()


def test_contact_delete_needs_post(acme, channel_manager):
    contact = partners.save_contact(actor=channel_manager, partner=acme, data={"name": "Wile"})
    assert client_for(channel_manager).get(f"/console/contacts/{contact.pk}/delete/").status_code == 405
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_save_scorecard(acme, channel_manager):
    criteria = list(ScorecardCriterion.objects.all())
    assert len(criteria) >= 2
    data = {f"score_{c.code}": "4" for c in criteria}
    data[f"score_{criteria[0].code}"] = "2"
    data[f"note_{criteria[0].code}"] = "Small team"
    data.update(reference_checks="Two customers vouched", roi_projection="250000", roi_currency="EUR")
    client = client_for(channel_manager)
    response = client.post(f"/console/partners/{acme.pk}/scorecard/", data)
    assert response.status_code == 302
    assert ScorecardScore.objects.filter(partner=acme).count() == len(criteria)
    assert ScorecardScore.objects.get(partner=acme, criterion=criteria[0]).note == "Small team"
    acme.refresh_from_db()
    assert acme.roi_currency == "EUR" and acme.reference_checks == "Two customers vouched"
    page = html(client.get(response["Location"]))
    assert str(acme.weighted_score()) in page
    assert "Scorecard saved." in page


def test_scorecard_refuses_out_of_range_scores(acme, channel_manager):
    code = ScorecardCriterion.objects.first().code
    response = client_for(channel_manager).post(f"/console/partners/{acme.pk}/scorecard/",
                                                {f"score_{code}": "9", "roi_currency": "USD"})
    assert response.status_code == 200
    assert "Select a valid choice" in html(response)
    assert not ScorecardScore.objects.filter(partner=acme).exists()


def test_start_onboarding_and_tick_a_step(acme, channel_manager):
    client = client_for(channel_manager)
    assert "Start onboarding" in html(client.get(f"/console/partners/{acme.pk}/?tab=onboarding"))
    client.post(f"/console/partners/{acme.pk}/onboarding/")
    tasks = list(OnboardingTask.objects.filter(partner=acme))
    assert tasks
    task = tasks[0]
    response = client.post(f"/console/tasks/{task.pk}/done/", {"done": "1"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.is_done and task.completed_by == channel_manager
    page = html(client.get(f"/console/partners/{acme.pk}/?tab=onboarding"))
    assert f"1 / {len(tasks)}" in page
    client.post(f"/console/tasks/{task.pk}/done/", {"done": "0"})
    task.refresh_from_db()
    assert not task.is_done


def test_overdue_step_is_flagged_and_can_be_rescheduled(acme, vendor_admin):
    partners.start_onboarding(actor=vendor_admin, partner=acme)
    task = OnboardingTask.objects.filter(partner=acme).first()
    OnboardingTask.objects.filter(pk=task.pk).update(due_on=timezone.localdate() - timedelta(days=3))
    client = client_for(vendor_admin)
    assert "Overdue" in html(client.get(f"/console/partners/{acme.pk}/?tab=onboarding"))
    new_due = timezone.localdate() + timedelta(days=10)
    client.post(f"/console/tasks/{task.pk}/edit/", {f"t{task.pk}-due_on": new_due.isoformat(),
                                                    f"t{task.pk}-owner": vendor_admin.pk})
    task.refresh_from_db()
    assert task.due_on == new_due and task.owner == vendor_admin


def test_another_manager_cannot_tick_acmes_step(acme, vendor_admin, other_manager):
    partners.start_onboarding(actor=vendor_admin, partner=acme)
    task = OnboardingTask.objects.filter(partner=acme).first()
    assert client_for(other_manager).post(f"/console/tasks/{task.pk}/done/", {"done": "1"}).status_code == 404
    task.refresh_from_db()
    assert not task.is_done


def test_invite_a_partner_admin_from_the_partner_page_and_revoke(acme, channel_manager):
    client = client_for(channel_manager)
    response = client.post(f"/console/partners/{acme.pk}/invitations/",
                           {"email": "Boss@Acme.test", "full_name": "Big Boss", "role": "partner_admin"})
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="boss@acme.test")
    assert invitation.partner == acme and invitation.status == "pending"
    page = html(client.get(f"/console/partners/{acme.pk}/?tab=users"))
    assert "boss@acme.test" in page

    response = client.post(f"/console/invitations/{invitation.pk}/revoke/",
                           {"next": f"/console/partners/{acme.pk}/?tab=users"})
    assert response["Location"] == f"/console/partners/{acme.pk}/?tab=users"
    invitation.refresh_from_db()
    assert invitation.status == "revoked"


def test_invite_an_existing_user_shows_the_error(acme, acme_admin, channel_manager):
    response = client_for(channel_manager).post(f"/console/partners/{acme.pk}/invitations/",
                                                {"email": acme_admin.email, "role": "partner_sales"})
    assert response.status_code == 200
    assert "Already has an account." in html(response)
    assert not Invitation.objects.exists()


def test_board_shows_partners_in_their_stage_columns(acme, globex, vendor_admin):
    partners.change_stage(actor=vendor_admin, partner=globex, stage="qualification")
    backdate(acme, 40)
    page = html(client_for(vendor_admin).get("/console/board/"))
    identification = page.split('aria-label="Identification"')[1].split("</section>")[0]
    qualification = page.split('aria-label="Qualification"')[1].split("</section>")[0]
    assert "Acme Systems" in identification and "Late" in identification and "40 days in stage" in identification
    assert "Globex GmbH" in qualification and "Acme" not in qualification


def test_board_limits_columns_and_links_to_the_rest(vendor_admin, monkeypatch):
    from openprm.partners import views

    monkeypatch.setattr(views, "BOARD_LIMIT", 2)
    for n in range(5):
        make_partner(vendor_admin, f"Board {n}")
    page = html(client_for(vendor_admin).get("/console/board/"))
    assert "3 more" in page
    assert "/console/partners/?stage=identification" in page


def test_partner_audit_tab_shows_only_that_partner(acme, globex, vendor_admin):
    page = html(client_for(vendor_admin).get(f"/console/partners/{acme.pk}/?tab=audit"))
    assert "Ada Admin added the partner Acme Systems" in page and "partner.created" not in page
    assert "Globex GmbH" not in page


def test_times_are_shown_in_the_viewers_time_zone(acme, vendor_admin):
    User.objects.filter(pk=vendor_admin.pk).update(time_zone="Asia/Tokyo")
    page = html(client_for(vendor_admin).get(f"/console/partners/{acme.pk}/?tab=audit"))
    assert "JST" in page


def test_support_staff_see_every_partner_read_only(acme, globex):
    user = make_user("sam@vendor.test", "support")
    page = html(client_for(user).get("/console/partners/"))
    assert "Acme Systems" in page and "Globex GmbH" in page
    assert "New partner" not in page


def _onboarding(partner, actor):
    for stage in ("qualification", "negotiation", "onboarding"):
        partners.change_stage(actor=actor, partner=partner, stage=stage)


def test_verify_a_partner_domain(acme, acme_admin, channel_manager):
    domain = partners.add_domain(actor=acme_admin, partner=acme, domain="acme.test")
    client = client_for(channel_manager)
    assert "Unverified" in html(client.get(f"/console/partners/{acme.pk}/"))
    response = client.post(f"/console/domains/{domain.pk}/verify/", {"verified": "1"})
    assert response.status_code == 302
    domain.refresh_from_db()
    assert domain.verified
    assert AuditEvent.objects.filter(verb="partner_domain.verified", partner=acme).exists()


def test_another_manager_cannot_verify_acmes_domain(acme, acme_admin, other_manager):
    domain = partners.add_domain(actor=acme_admin, partner=acme, domain="acme.test")
    assert client_for(other_manager).post(f"/console/domains/{domain.pk}/verify/").status_code == 404
    domain.refresh_from_db()
    assert not domain.verified


def test_manager_approves_a_request_to_join(acme, vendor_admin, channel_manager):
    _onboarding(acme, vendor_admin)
    domain = partners.add_domain(actor=vendor_admin, partner=acme, domain="acme.test")
    partners.verify_domain(actor=vendor_admin, domain=domain)
    join = partners.request_to_join(email="newbie@acme.test", full_name="New Bie", password="Sturdy-passw0rd-42")
    join = partners.confirm_join_request(token=partners.join_confirmation_token(join))
    client = client_for(channel_manager)
    assert "newbie@acme.test" in html(client.get(f"/console/partners/{acme.pk}/?tab=users"))
    response = client.post(f"/console/join-requests/{join.pk}/approve/", {"role": "partner_marketing"})
    assert response.status_code == 302
    user = User.objects.get(email="newbie@acme.test")
    assert (user.partner, user.role) == (acme, "partner_marketing")


def test_manager_declines_a_request_to_join(acme, vendor_admin, channel_manager):
    _onboarding(acme, vendor_admin)
    domain = partners.add_domain(actor=vendor_admin, partner=acme, domain="acme.test")
    partners.verify_domain(actor=vendor_admin, domain=domain)
    join = partners.request_to_join(email="nope@acme.test", full_name="No Pe", password="Sturdy-passw0rd-42")
    join = partners.confirm_join_request(token=partners.join_confirmation_token(join))
    client_for(channel_manager).post(f"/console/join-requests/{join.pk}/decline/")
    join.refresh_from_db()
    assert join.status == "declined"
    assert not User.objects.filter(email="nope@acme.test").exists()
