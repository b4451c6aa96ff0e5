"""Incentives without Django admin: SPIFFs, quarterly targets and rewards through the services, the console's
Incentives page, the API and the partner's earnings page — as those who run them and those who must not."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from conftest import api_client_for, client_for, make_user, race
from openprm.audit.models import AuditEvent
from openprm.commissions import services
from openprm.commissions.exceptions import Conflict, NotAllowed, ValidationFailed
from openprm.commissions.forms import current_quarter
from openprm.commissions.models import LedgerLine, LineKind, LineStatus, QuarterlyTarget, Spiff
from openprm.idempotency.services import issue_form_token

D = Decimal


def today():
    return timezone.localdate()


def spiff(actor, **overrides):
    data = {"name": "Analytics push", "products": ["Analytics"], "starts_on": today() - timedelta(days=10),
            "ends_on": today() + timedelta(days=20), "amount": "500", "currency": "USD"}
    data.update(overrides)
    return services.create_spiff(actor=actor, **data)


def post(client, path, body):
    return client.post(path, body, content_type="application/json")


# ---------------------------------------------------------------- services

def test_create_spiff_stores_it_and_records_the_event(finance_user):
    made = spiff(finance_user, products="Analytics, Edge ,Analytics", amount="499.999")
    assert made.products == ["Analytics", "Edge"]
    assert made.amount == D("500.00") and made.percent is None
    event = AuditEvent.objects.get(verb="spiff.created")
    assert event.object_id == str(made.pk) and event.actor == finance_user


@pytest.mark.parametrize("overrides, fields", [
    ({"amount": "500", "percent": "5"}, {"amount", "percent"}),
    ({"amount": None}, {"amount", "percent"}),
    ({"amount": "-5"}, {"amount"}),
    ({"amount": None, "percent": "150"}, {"percent"}),
    ({"products": [" "]}, {"products"}),
    ({"name": ""}, {"name"}),
    ({"currency": "XXX"}, {"currency"}),
    ({"ends_on": "2020-01-01", "starts_on": "2020-02-01"}, {"ends_on"}),
    ({"starts_on": "not a date"}, {"starts_on"}),
])
def test_create_spiff_refuses_bad_input_and_writes_nothing(finance_user, overrides, fields):
    with pytest.raises(ValidationFailed) as caught:
        spiff(finance_user, **overrides)
    assert set(caught.value.errors) == fields
    assert not Spiff.objects.exists() and not AuditEvent.objects.filter(verb="spiff.created").exists()


def test_only_program_admins_and_finance_run_incentives(vendor_admin, channel_manager, acme_admin, acme):
    for user in (channel_manager, acme_admin):
        with pytest.raises(NotAllowed):
            spiff(user)
        with pytest.raises(NotAllowed):
            services.set_quarterly_target(actor=user, partner=acme, quarter="2026-Q4", target="1000",
                                          bonus_amount="100")
        with pytest.raises(NotAllowed):
            services.award_reward(actor=user, partner=acme, amount="10", currency="USD", reason="x")
    made = spiff(vendor_admin)
    with pytest.raises(NotAllowed):
        services.end_spiff(actor=channel_manager, spiff=made)
    made.refresh_from_db()
    assert made.ends_on == today() + timedelta(days=20)
    assert not QuarterlyTarget.objects.exists() and not LedgerLine.objects.exists()


def test_a_spiff_created_by_the_service_pays_on_a_won_deal_and_ending_it_keeps_booked_lines(
        active, plan, win, finance_user):
    acme, _ = active
    plan(type="revenue_share", rate_percent="10", assign_to=[acme])
    made = spiff(finance_user)
    pct = spiff(finance_user, name="Edge 2%", products=["Edge"], amount=None, percent="2")
    won = win(acme, 10000, closed_on=today() - timedelta(days=1), products=["analytics", "Edge"])
    lines = LedgerLine.objects.filter(registration=won, kind=LineKind.SPIFF).order_by("amount")
    assert [(line.amount, line.rule["spiff"]) for line in lines] == [(D("200.00"), pct.pk), (D("500.00"), made.pk)]

    ended = services.end_spiff(actor=finance_user, spiff=made)
    assert ended.ends_on == today() - timedelta(days=1)
    assert Spiff.objects.filter(pk=made.pk).exists()
    assert LedgerLine.objects.filter(kind=LineKind.SPIFF, rule__spiff=made.pk).count() == 1  # booked line stays
    later = win(acme, 10000, closed_on=today(), products=["Analytics"])
    assert not LedgerLine.objects.filter(registration=later, kind=LineKind.SPIFF).exists()
    event = AuditEvent.objects.get(verb="spiff.ended")
    assert event.changes["ends_on"] == [str(today() + timedelta(days=20)), str(today() - timedelta(days=1))]
    with pytest.raises(Conflict):
        services.end_spiff(actor=finance_user, spiff=made)


def test_end_spiff_never_extends_or_ends_before_the_start(finance_user):
    made = spiff(finance_user, starts_on=today() + timedelta(days=5))
    with pytest.raises(ValidationFailed) as caught:
        services.end_spiff(actor=finance_user, spiff=made, ends_on=today() + timedelta(days=40))
    assert "ends_on" in caught.value.errors
    with pytest.raises(ValidationFailed):
        services.end_spiff(actor=finance_user, spiff=made, ends_on=today())
    upcoming_ended = services.end_spiff(actor=finance_user, spiff=made, ends_on=today() + timedelta(days=4))
    assert upcoming_ended.ends_on < upcoming_ended.starts_on  # it never runs


def test_set_quarterly_target_creates_then_changes_it(finance_user, acme):
    target, created = services.set_quarterly_target(actor=finance_user, partner=acme, quarter="2026-q4",
                                                    target="100000", bonus_amount="2500")
    assert created and target.quarter == "2026-Q4" and target.bonus_amount == D("2500.00")
    again, created = services.set_quarterly_target(actor=finance_user, partner=acme, quarter="2026-Q4",
                                                   target="120000", currency="EUR", bonus_percent="1.5")
    assert not created and again.pk == target.pk
    assert (again.target, again.currency, again.bonus_amount, again.bonus_percent) == (
        D("120000.00"), "EUR", None, D("1.5"))
    assert QuarterlyTarget.objects.count() == 1
    changed = AuditEvent.objects.get(verb="quarterly_target.changed")
    assert changed.partner_id == acme.pk and changed.changes["target"] == ["100000.00", "120000.00"]
    assert AuditEvent.objects.filter(verb="quarterly_target.created", partner=acme).count() == 1


@pytest.mark.parametrize("overrides, fields", [
    ({"quarter": "2026-Q5"}, {"quarter"}),
    ({"quarter": "2026-11"}, {"quarter"}),
    ({"target": "0"}, {"target"}),
    ({"target": "abc"}, {"target"}),
    ({"bonus_amount": None}, {"bonus_amount", "bonus_percent"}),
    ({"bonus_percent": "3"}, {"bonus_amount", "bonus_percent"}),
    ({"currency": "usdollar"}, {"currency"}),
])
def test_set_quarterly_target_refuses_bad_input(finance_user, acme, overrides, fields):
    data = {"quarter": "2026-Q4", "target": "1000", "currency": "USD", "bonus_amount": "100"}
    data.update(overrides)
    with pytest.raises(ValidationFailed) as caught:
        services.set_quarterly_target(actor=finance_user, partner=acme, **data)
    assert set(caught.value.errors) == fields
    assert not QuarterlyTarget.objects.exists()


def test_a_target_set_through_the_service_earns_its_bonus_and_then_is_frozen(active, win, finance_user):
    acme, _ = active
    services.set_quarterly_target(actor=finance_user, partner=acme, quarter="2026-Q4", target="50000",
                                  bonus_amount="1000")
    win(acme, 60000, closed_on=today().replace(year=2026, month=11, day=2))
    [bonus] = services.award_quarterly_bonuses(quarter="2026-Q4")
    assert bonus.amount == D("1000.00")
    with pytest.raises(Conflict):
        services.set_quarterly_target(actor=finance_user, partner=acme, quarter="2026-Q4", target="10",
                                      bonus_amount="5000")
    assert QuarterlyTarget.objects.get().target == D("50000.00")


# ---------------------------------------------------------------- console page

URL = "/console/commissions/incentives/"


def test_the_page_lists_spiffs_by_status_and_targets_with_progress(active, win, finance_user):
    acme, globex = active
    spiff(finance_user, name="Running one")
    spiff(finance_user, name="Coming one", starts_on=today() + timedelta(days=3))
    spiff(finance_user, name="Old one", starts_on=today() - timedelta(days=90), ends_on=today() - timedelta(days=60))
    services.set_quarterly_target(actor=finance_user, partner=acme, quarter=current_quarter(), target="40000",
                                  bonus_amount="100")
    win(acme, 10000, closed_on=today())
    html = client_for(finance_user).get(URL).content.decode()
    assert reverse("commissions:console_incentives") == URL
    for text in ("Running one", "Coming one", "Old one", "Active", "Upcoming", "Ended", "Acme Systems",
                 "40,000.00 USD", "10,000.00 USD", "25% of target", 'style="width: 25%"', "End now",
                 "New SPIFF", "Set a quarterly target", "Award a reward"):
        assert text in html, text
    assert html.count("End now") == 2  # not for the ended one


def test_a_missing_fx_rate_is_shown_never_taken_as_one(active, win, finance_user):
    acme, _ = active
    services.set_quarterly_target(actor=finance_user, partner=acme, quarter=current_quarter(), target="1000",
                                  bonus_amount="100")
    win(acme, 5000, closed_on=today(), currency="EUR")
    html = client_for(finance_user).get(URL).content.decode()
    assert "Missing FX rate: EUR" in html
    assert "% of target" not in html and "5,000.00 USD" not in html


def test_channel_managers_read_their_partners_targets_only(active, finance_user, channel_manager):
    acme, globex = active
    for partner, amount in ((acme, "11111"), (globex, "22222")):
        services.set_quarterly_target(actor=finance_user, partner=partner, quarter=current_quarter(),
                                      target=amount, bonus_amount="100")
    response = client_for(channel_manager).get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "11,111.00 USD" in html and "22,222.00 USD" not in html and "Globex" not in html
    assert "New SPIFF" not in html and "Award a reward" not in html
    assert client_for(channel_manager).post(reverse("commissions:console_incentive_reward"), {
        "reward-partner": acme.pk, "reward-amount": "10", "reward-currency": "USD",
        "reward-reason": "x"}).status_code == 403
    assert not LedgerLine.objects.exists()


def test_others_cannot_open_the_page(acme_admin, acme):
    assert client_for(acme_admin).get(URL).status_code == 403
    assert client_for(make_user("mo@vendor.test", "marketing")).get(URL).status_code == 403


def test_the_spiff_form_creates_and_shows_field_errors(finance_user):
    client = client_for(finance_user)
    base = {"spiff-form_token": issue_form_token(),
            "spiff-name": "Q4 edge", "spiff-products": "Edge, Analytics", "spiff-starts_on": str(today()),
            "spiff-ends_on": str(today() + timedelta(days=30)), "spiff-currency": "USD"}
    bad = client.post(reverse("commissions:console_incentive_spiff_new"), {**base, "spiff-amount": "100",
                                                                    "spiff-percent": "5"})
    assert bad.status_code == 200
    assert "Give either an amount or a percentage for the SPIFF, not both." in bad.content.decode()
    assert not Spiff.objects.exists()
    early = client.post(reverse("commissions:console_incentive_spiff_new"), {**base, "spiff-amount": "100",
                                                                      "spiff-ends_on": "2000-01-01"})
    assert "On or after the start." in early.content.decode() and not Spiff.objects.exists()
    good = client.post(reverse("commissions:console_incentive_spiff_new"), {**base, "spiff-percent": "5"})
    assert good.status_code == 302
    made = Spiff.objects.get()
    assert made.products == ["Edge", "Analytics"] and made.percent == D("5")
    ended = client.post(reverse("commissions:console_incentive_spiff_end", args=[made.pk]))
    assert ended.status_code == 302
    made.refresh_from_db()
    assert made.ends_on == today() - timedelta(days=1)
    assert client.post(reverse("commissions:console_incentive_spiff_end", args=[987654])).status_code == 404


def test_the_target_form_sets_and_shows_field_errors(finance_user, acme):
    client = client_for(finance_user)
    base = {"target-form_token": issue_form_token(),
            "target-partner": acme.pk, "target-quarter": "2026-Q4", "target-target": "90000",
            "target-currency": "USD"}
    bad = client.post(reverse("commissions:console_incentive_target_set"), base)
    assert bad.status_code == 200 and "Give an amount or a percentage for the bonus." in bad.content.decode()
    wrong = client.post(reverse("commissions:console_incentive_target_set"), {**base, "target-quarter": "Q4",
                                                                      "target-bonus_amount": "10"})
    assert "A quarter such as 2026-Q4." in wrong.content.decode()
    assert not QuarterlyTarget.objects.exists()
    good = client.post(reverse("commissions:console_incentive_target_set"), {**base, "target-bonus_percent": "2"})
    assert good.status_code == 302 and good["Location"].endswith("?quarter=2026-Q4")
    assert QuarterlyTarget.objects.get(partner=acme).bonus_percent == D("2")
    assert "90,000.00 USD" in client.get(good["Location"]).content.decode()


def test_the_reward_form_books_an_approved_line(finance_user, acme):
    client = client_for(finance_user)
    bad = client.post(reverse("commissions:console_incentive_reward"), {"reward-form_token": issue_form_token(),
        "reward-partner": acme.pk, "reward-amount": "250", "reward-currency": "USD", "reward-reason": ""})
    assert bad.status_code == 200 and "This field is required." in bad.content.decode()
    assert not LedgerLine.objects.exists()
    good = client.post(reverse("commissions:console_incentive_reward"), {"reward-form_token": issue_form_token(),
        "reward-partner": acme.pk, "reward-amount": "250", "reward-currency": "EUR",
        "reward-reason": "Partner of the year"})
    assert good.status_code == 302
    line = LedgerLine.objects.get()
    assert (line.partner, line.kind, line.amount, line.currency, line.status) == (
        acme, LineKind.REWARD, D("250.00"), "EUR", LineStatus.APPROVED)


# ---------------------------------------------------------------- portal

def test_the_earnings_page_shows_running_spiffs_and_only_the_partners_own_target(
        active, win, finance_user, acme_admin, globex_admin):
    acme, globex = active
    spiff(finance_user, name="Running one", amount=None, percent="3")
    spiff(finance_user, name="Coming one", starts_on=today() + timedelta(days=3))
    services.set_quarterly_target(actor=finance_user, partner=acme, quarter=current_quarter(), target="20000",
                                  bonus_amount="700")
    services.set_quarterly_target(actor=finance_user, partner=globex, quarter=current_quarter(), target="33333",
                                  bonus_amount="999")
    win(acme, 5000, closed_on=today())
    html = client_for(acme_admin).get(reverse("commissions:portal_earnings")).content.decode()
    for text in ("Running one", "Analytics", "3% of the credited deal value", "20,000.00 USD", "700.00 USD",
                 "5,000.00 USD", "25% of your target"):
        assert text in html, text
    assert "Coming one" not in html and "33,333" not in html and "999.00" not in html
    other = client_for(globex_admin).get(reverse("commissions:portal_earnings")).content.decode()
    assert "33,333.00 USD" in other and "20,000" not in other
    assert client_for(globex_admin).get(reverse("commissions:portal_earnings"), {"partner": acme.pk}).status_code == 404


# ---------------------------------------------------------------- API

def test_spiff_api(finance_user, channel_manager, acme_admin):
    api = api_client_for(finance_user)
    body = {"name": "Edge", "products": ["Edge"], "starts_on": str(today()),
            "ends_on": str(today() + timedelta(days=9)), "percent": "2.5"}
    created = post(api, "/api/v1/spiffs", body)
    assert created.status_code == 201, created.json()
    assert created.json() | {"id": 0} == {"id": 0, "name": "Edge", "products": ["Edge"], "starts_on": str(today()),
                                          "ends_on": str(today() + timedelta(days=9)), "amount": None,
                                          "percent": "2.5", "currency": "USD", "status": "active"}
    both = post(api, "/api/v1/spiffs", {**body, "amount": "10"})
    assert both.status_code == 422 and set(both.json()["errors"]) == {"amount", "percent"}
    assert post(api_client_for(acme_admin), "/api/v1/spiffs", body).status_code == 403
    assert post(api_client_for(channel_manager), "/api/v1/spiffs", body).status_code == 403
    assert Spiff.objects.count() == 1
    assert [s["name"] for s in api_client_for(acme_admin).get("/api/v1/spiffs").json()] == ["Edge"]
    assert api.get("/api/v1/spiffs", {"status": "ended"}).json() == []
    assert api.get("/api/v1/spiffs", {"status": "bogus"}).status_code == 422
    spiff_id = created.json()["id"]
    assert post(api_client_for(channel_manager), f"/api/v1/spiffs/{spiff_id}/end", {}).status_code == 403
    assert post(api, "/api/v1/spiffs/987654/end", {}).status_code == 404
    late = post(api, f"/api/v1/spiffs/{spiff_id}/end", {"ends_on": str(today() + timedelta(days=30))})
    assert late.status_code == 422 and "ends_on" in late.json()["errors"]
    ended = post(api, f"/api/v1/spiffs/{spiff_id}/end", {})
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    assert post(api, f"/api/v1/spiffs/{spiff_id}/end", {}).status_code == 409


def test_quarterly_target_api(finance_user, acme, globex, acme_admin, globex_admin):
    api = api_client_for(finance_user)
    body = {"partner": acme.pk, "quarter": "2026-Q4", "target": "100000", "bonus_amount": "2500"}
    created = post(api, "/api/v1/quarterly-targets", body)
    assert created.status_code == 201, created.json()
    assert created.json() | {"id": 0} == {"id": 0, "partner": acme.pk, "quarter": "2026-Q4", "target": "100000.00",
                                          "currency": "USD", "bonus_amount": "2500.00", "bonus_percent": None}
    changed = post(api, "/api/v1/quarterly-targets", {**body, "bonus_amount": None, "bonus_percent": "1"})
    assert changed.status_code == 200 and changed.json()["bonus_percent"] == "1"
    bad = post(api, "/api/v1/quarterly-targets", {**body, "bonus_percent": "1"})
    assert bad.status_code == 422 and "bonus_percent" in bad.json()["errors"]
    assert post(api, "/api/v1/quarterly-targets", {**body, "quarter": "2026-13"}).status_code == 422
    assert post(api, "/api/v1/quarterly-targets", {**body, "partner": 987654}).status_code == 404
    assert post(api_client_for(globex_admin), "/api/v1/quarterly-targets", body).status_code == 404
    assert post(api_client_for(acme_admin), "/api/v1/quarterly-targets", body).status_code == 403
    post(api, "/api/v1/quarterly-targets", {**body, "partner": globex.pk, "quarter": "2026-Q3"})
    assert api.get("/api/v1/quarterly-targets").json()["count"] == 2
    assert api.get("/api/v1/quarterly-targets", {"quarter": "2026-q3"}).json()["items"][0]["partner"] == globex.pk
    assert api.get("/api/v1/quarterly-targets", {"partner": acme.pk}).json()["count"] == 1
    own = api_client_for(acme_admin).get("/api/v1/quarterly-targets").json()
    assert [t["partner"] for t in own["items"]] == [acme.pk]
    assert api_client_for(acme_admin).get("/api/v1/quarterly-targets", {"partner": globex.pk}).json()["count"] == 0


def test_reward_api(finance_user, channel_manager, acme, globex_admin):
    api = api_client_for(finance_user)
    created = post(api, f"/api/v1/partners/{acme.pk}/rewards", {"amount": "750", "currency": "USD",
                                                                 "reason": "Top partner 2026"})
    assert created.status_code == 201, created.json()
    assert (created.json()["kind"], created.json()["amount"], created.json()["status"]) == ("reward", "750.00",
                                                                                          "approved")
    bad = post(api, f"/api/v1/partners/{acme.pk}/rewards", {"amount": "-1", "currency": "USD", "reason": ""})
    assert bad.status_code == 422 and {"amount", "reason"} <= set(bad.json()["errors"])
    assert post(api, "/api/v1/partners/987654/rewards", {"amount": "1", "currency": "USD",
                                                          "reason": "x"}).status_code == 404
    assert post(api_client_for(globex_admin), f"/api/v1/partners/{acme.pk}/rewards",
                {"amount": "1", "currency": "USD", "reason": "x"}).status_code == 404
    assert post(api_client_for(channel_manager), f"/api/v1/partners/{acme.pk}/rewards",
                {"amount": "1", "currency": "USD", "reason": "x"}).status_code == 403
    assert LedgerLine.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serializes writers; the race needs real ones")
@pytest.mark.django_db(transaction=True)
def test_two_clicks_setting_the_same_target_at_once_give_one_target(acme, finance_user):
    """Two people (or a double click) set Acme's first 2026-Q4 target at the same moment: one target, no error."""
    outcomes = race([lambda amount=amount: services.set_quarterly_target(
        actor=finance_user, partner=acme, quarter="2026-Q4", target="100000", bonus_amount=amount)
        for amount in ("1000", "2000")])
    assert all(isinstance(o, tuple) for o in outcomes), outcomes
    assert sorted(created for _target, created in outcomes) == [False, True]
    target = QuarterlyTarget.objects.get(partner=acme, quarter="2026-Q4")
    assert target.bonus_amount in (Decimal("1000.00"), Decimal("2000.00"))
