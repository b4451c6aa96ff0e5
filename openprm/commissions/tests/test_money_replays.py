"""A double click, a retry or twenty parallel posts book money once: Idempotency-Key on the API, one-time form
tokens on the pages, and the services refusing the same refund or reward again within a minute."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from conftest import api_client_for, client_for, race
from openprm.accounts import services as accounts
from openprm.commissions import services
from openprm.commissions.exceptions import LikelyDuplicate
from openprm.commissions.models import LedgerLine, LineKind, Refund
from openprm.idempotency.models import IdempotentRequest
from openprm.idempotency.services import issue_form_token
from openprm.lib import clock

D = Decimal
REWARD = {"amount": "750", "currency": "USD", "reason": "Top partner 2026"}


def post(client, path, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(path, json.dumps(body), content_type="application/json", **headers)


def rewards(partner):
    return LedgerLine.objects.filter(partner=partner, kind=LineKind.REWARD)


@pytest.fixture
def booked(active, plan, win):
    acme, _ = active
    plan(type="revenue_share", rate_percent="10", assign_to=[acme])
    return win(acme, 20000)


# ---------------------------------------------------------------- API: Idempotency-Key

def test_a_retried_reward_with_the_same_key_answers_the_first_response(active, finance_user):
    acme, _ = active
    client = api_client_for(finance_user)
    first = post(client, f"/api/v1/partners/{acme.pk}/rewards", REWARD, key="reward-1")
    again = post(client, f"/api/v1/partners/{acme.pk}/rewards", REWARD, key="reward-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert rewards(acme).count() == 1


def test_a_key_reused_for_another_body_is_422_and_books_nothing(active, finance_user):
    acme, _ = active
    client = api_client_for(finance_user)
    assert post(client, f"/api/v1/partners/{acme.pk}/rewards", REWARD, key="k").status_code == 201
    other = post(client, f"/api/v1/partners/{acme.pk}/rewards", {**REWARD, "amount": "900"}, key="k")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert list(rewards(acme).values_list("amount", flat=True)) == [D("750.000")]


def test_keys_belong_to_their_user(active, finance_user, vendor_admin):
    """Another user's request with the same key is not a replay of the first (and sees nothing of it)."""
    acme, _ = active
    first = post(api_client_for(finance_user), f"/api/v1/partners/{acme.pk}/rewards", REWARD, key="shared")
    other = post(api_client_for(vendor_admin), f"/api/v1/partners/{acme.pk}/rewards",
                 {**REWARD, "reason": "Another award"}, key="shared")
    assert (first.status_code, other.status_code) == (201, 201)
    assert rewards(acme).count() == 2


def test_a_refused_request_is_replayed_as_refused_and_a_bad_key_is_422(active, finance_user):
    acme, _ = active
    client = api_client_for(finance_user)
    bad = {**REWARD, "amount": "-5"}
    first = post(client, f"/api/v1/partners/{acme.pk}/rewards", bad, key="neg")
    assert first.status_code == 422
    assert post(client, f"/api/v1/partners/{acme.pk}/rewards", bad, key="neg").json() == first.json()
    too_long = post(client, f"/api/v1/partners/{acme.pk}/rewards", REWARD, key="x" * 256)
    assert too_long.status_code == 422 and not rewards(acme).exists()


def test_a_retried_refund_with_its_key_claws_back_once(booked, finance_user):
    client = api_client_for(finance_user)
    body = {"amount": "5000", "reason": "Returned hardware"}
    first = post(client, f"/api/v1/registrations/{booked.pk}/refund", body, key="refund-7")
    again = post(client, f"/api/v1/registrations/{booked.pk}/refund", body, key="refund-7")
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert Refund.objects.count() == 1
    assert list(LedgerLine.objects.filter(kind=LineKind.CLAWBACK).values_list("amount", flat=True)) == [D("-500")]


def test_a_retried_won_outcome_answers_the_first_response(active, vendor_admin, plan, win):
    """The close endpoint books commissions: a retry with its key answers 200 again instead of a 409."""
    from openprm.deals import services as deals
    from openprm.deals.tests.conftest import submission

    acme, _ = active
    plan(type="revenue_share", rate_percent="10", assign_to=[acme])
    reg = deals.register(actor=vendor_admin, partner=acme, data=submission())
    deals.approve(actor=vendor_admin, registration=reg)
    client = api_client_for(vendor_admin)
    body = {"outcome": "won", "amount": "1000", "currency": "USD"}
    first = post(client, f"/api/v1/registrations/{reg.pk}/close", body, key="won-1")
    again = post(client, f"/api/v1/registrations/{reg.pk}/close", body, key="won-1")
    assert first.status_code == again.status_code == 200 and again.json() == first.json()
    assert post(client, f"/api/v1/registrations/{reg.pk}/close", body).status_code == 409  # without a key
    assert LedgerLine.objects.filter(registration=reg).count() == 1


def test_every_money_endpoint_honours_the_key(banked, finance_user, vendor_admin, booked):
    """SPIFF, target, payout create/approve/paid, hold and cancel: each replays its first answer."""
    acme, _ = banked
    client = api_client_for(finance_user)
    today = clock.today()
    line = LedgerLine.objects.get(registration=booked)
    LedgerLine.objects.filter(pk=line.pk).update(status="approved", available_on=today)
    calls = [
        ("/api/v1/spiffs", {"name": "Edge", "products": ["Edge"], "starts_on": str(today),
                            "ends_on": str(today + timedelta(days=9)), "amount": "100", "currency": "USD"}),
        ("/api/v1/quarterly-targets", {"partner": acme.pk, "quarter": "2031-Q1", "target": "1000",
                                       "currency": "USD", "bonus_amount": "10"}),
        ("/api/v1/payouts", {"currency": "USD", "up_to": str(today)}),
    ]
    for path, body in calls:
        first, again = post(client, path, body, key=path), post(client, path, body, key=path)
        assert first.status_code in (200, 201), (path, first.json())
        assert (again.status_code, again.json()) == (first.status_code, first.json()), path
    payout = first.json()["id"]
    approver = api_client_for(vendor_admin)  # four-eyes: not the builder
    for who, path, body in ((approver, f"/api/v1/payouts/{payout}/approve", {}),
                            (client, f"/api/v1/payouts/{payout}/mark-paid", {"reference": "BANK-1"})):
        first, again = post(who, path, body, key=path), post(who, path, body, key=path)
        assert first.status_code == again.status_code == 200 and again.json() == first.json(), path
    other = LedgerLine.objects.create(
        partner=acme, kind=LineKind.REWARD, amount=D("5"), currency="USD", period="2031", accrued_on=today,
        available_on=today, status="approved", explanation="test line", source_key="test:hold")
    for action in ("hold", "cancel"):
        path = f"/api/v1/commissions/{other.pk}/{action}"
        first, again = (post(client, path, {"reason": action}, key=path) for _ in range(2))
        assert first.status_code == again.status_code == 200 and again.json() == first.json(), path
    assert IdempotentRequest.objects.count() == 7


# ---------------------------------------------------------------- services: the same again within a minute

def test_the_same_reward_again_within_a_minute_is_refused(active, finance_user):
    acme, _ = active
    services.award_reward(actor=finance_user, partner=acme, **REWARD)
    with pytest.raises(LikelyDuplicate) as refused:
        services.award_reward(actor=finance_user, partner=acme, **REWARD)
    assert "double submit" in refused.value.message
    services.award_reward(actor=finance_user, partner=acme, **{**REWARD, "reason": "Best newcomer"})
    assert rewards(acme).count() == 2
    rewards(acme).update(created_at=clock.moment() - timedelta(seconds=61))
    services.award_reward(actor=finance_user, partner=acme, **REWARD)
    assert rewards(acme).count() == 3


def test_the_same_refund_again_within_a_minute_is_refused_over_the_api(booked, finance_user):
    client = api_client_for(finance_user)
    body = {"amount": "5000", "reason": "Returned hardware"}
    assert post(client, f"/api/v1/registrations/{booked.pk}/refund", body).status_code == 201
    again = post(client, f"/api/v1/registrations/{booked.pk}/refund", body)
    assert again.status_code == 409 and again.json()["code"] == "likely_duplicate"
    assert Refund.objects.count() == 1 and LedgerLine.objects.filter(kind=LineKind.CLAWBACK).count() == 1
    Refund.objects.update(created_at=clock.moment() - timedelta(minutes=2))
    assert post(client, f"/api/v1/registrations/{booked.pk}/refund", body).status_code == 201


# ---------------------------------------------------------------- pages: one-time form tokens

def test_submitting_the_refund_form_twice_books_one_refund(booked, finance_user):
    client = client_for(finance_user)
    url = reverse("commissions:console_registration", args=[booked.pk])
    page = client.get(url).content.decode()
    assert 'name="form_token"' in page
    data = {"form_token": issue_form_token(), "amount": "5000", "reason": "Returned hardware"}
    assert client.post(url, data).status_code == 302
    again = client.post(url, {**data, "reason": "Returned hardware, again"})
    assert again.status_code == 200
    assert "already submitted" in again.content.decode()
    assert Refund.objects.count() == 1 and LedgerLine.objects.filter(kind=LineKind.CLAWBACK).count() == 1


def test_a_money_form_without_its_token_books_nothing(booked, finance_user):
    client = client_for(finance_user)
    url = reverse("commissions:console_registration", args=[booked.pk])
    response = client.post(url, {"amount": "5000", "reason": "Returned hardware"})
    assert response.status_code == 200 and "reload the page" in response.content.decode()
    assert not Refund.objects.exists()


def test_a_refused_submit_leaves_the_token_for_the_corrected_one(active, finance_user):
    acme, _ = active
    client = client_for(finance_user)
    url = reverse("commissions:console_incentive_reward")
    data = {"reward-form_token": issue_form_token(), "reward-partner": acme.pk, "reward-amount": "750",
            "reward-currency": "USD", "reward-reason": ""}
    assert client.post(url, data).status_code == 200  # the reason is missing: nothing booked, token unspent
    assert client.post(url, {**data, "reward-reason": "Top partner"}).status_code == 302
    again = client.post(url, {**data, "reward-reason": "Top partner"})
    assert "already submitted" in again.content.decode()
    assert rewards(acme).count() == 1


# ---------------------------------------------------------------- at the same moment

needs_real_writers = pytest.mark.skipif(connection.vendor != "postgresql",
                                        reason="SQLite serializes writers; the race needs real ones")


def _bearer(user) -> dict:
    _, secret = accounts.create_token(actor=None, user=user, name="race")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@needs_real_writers
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("key", [None, "same-key"])
def test_twenty_parallel_reward_posts_book_one_reward(active, finance_user, key):
    acme, _ = active
    auth = _bearer(finance_user)
    outcomes = race([lambda: post(Client(**auth), f"/api/v1/partners/{acme.pk}/rewards", REWARD, key=key)
                     for _ in range(20)])
    statuses = sorted(o.status_code for o in outcomes)
    assert rewards(acme).count() == 1
    if key is None:
        assert statuses == [201] + [409] * 19
    else:
        assert statuses == [201] * 20 and len({o.content for o in outcomes}) == 1


@needs_real_writers
@pytest.mark.django_db(transaction=True)
def test_two_identical_refund_posts_at_once_give_one_refund(booked, finance_user):
    auth = _bearer(finance_user)
    body = {"amount": "5000", "reason": "Returned hardware"}
    outcomes = race([lambda: post(Client(**auth), f"/api/v1/registrations/{booked.pk}/refund", body)
                     for _ in range(2)])
    assert sorted(o.status_code for o in outcomes) == [201, 409]
    assert Refund.objects.count() == 1 and LedgerLine.objects.filter(kind=LineKind.CLAWBACK).count() == 1


@needs_real_writers
@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_the_refund_form_books_once(booked, finance_user):
    url = reverse("commissions:console_registration", args=[booked.pk])
    token = issue_form_token()

    def submit(reason):
        return client_for(finance_user).post(url, {"form_token": token, "amount": "5000", "reason": reason})

    outcomes = race([lambda: submit("Returned hardware"), lambda: submit("Returned hardware (2)")])
    assert sorted(o.status_code for o in outcomes) == [200, 302]
    assert Refund.objects.count() == 1 and LedgerLine.objects.filter(kind=LineKind.CLAWBACK).count() == 1
