"""Payouts (issue 10, items 3 and 4): four-eyes approval, the partner told when paid, payout details kept
encrypted and shown masked, the export carrying them ("cannot be paid" without them) at the currency's
decimals, and the minimum payout per currency — at service, API and page level."""

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from conftest import api_client_for, client_for, make_user
from openprm.audit.models import AuditEvent
from openprm.commissions import configuration, services
from openprm.commissions.exceptions import FourEyesRequired, NotAllowed, ValidationFailed
from openprm.commissions.exports import payout_csv
from openprm.commissions.models import (
    CommissionSettings,
    LedgerLine,
    LineKind,
    LineStatus,
    Payout,
    PayoutDetails,
    PayoutStatus,
)
from openprm.idempotency.services import issue_form_token
from openprm.lib import clock
from openprm.programs.exceptions import MissingFxRate
from openprm.programs.services import set_fx_rate

from .conftest import BANK, IBAN

D = Decimal
US_BANK = {"account_holder": "Globex GmbH", "account_number": "000123456789", "routing_number": "021000021",
           "swift": "", "tax_id": "", "country": "US"}


def approved_line(partner, amount, currency="USD", n=1):
    """An approved, unbatched reward line of `amount` available today (a payout's input)."""
    today = clock.today()
    return LedgerLine.objects.create(
        partner=partner, kind=LineKind.REWARD, amount=D(amount), currency=currency, period=str(today.year),
        accrued_on=today, available_on=today, status=LineStatus.APPROVED, explanation="test line",
        source_key=f"test:{partner.pk}:{currency}:{n}")


def rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def put(client, path, body):
    return client.put(path, json.dumps(body), content_type="application/json")


@pytest.fixture
def second_finance(db):
    return make_user("fin2@vendor.test", "finance", full_name="Frank Finance")


@pytest.fixture
def batch(banked, finance_user):
    """A draft USD batch of Acme's 1,000.00, built by finance_user."""
    acme, _ = banked
    approved_line(acme, "1000")
    return services.create_payout(actor=finance_user, currency="USD", up_to=clock.today())


# ---------------------------------------------------------------- four-eyes

def test_the_builder_cannot_approve_the_batch_another_finance_user_can(batch, finance_user, second_finance):
    with pytest.raises(FourEyesRequired):
        services.approve_payout(actor=finance_user, payout=batch)
    batch.refresh_from_db()
    assert batch.status == PayoutStatus.DRAFT and batch.approved_by is None
    services.approve_payout(actor=second_finance, payout=batch)
    batch.refresh_from_db()
    assert batch.status == PayoutStatus.APPROVED and batch.approved_by == second_finance


def test_four_eyes_can_be_turned_off_in_the_settings_audited(batch, finance_user, vendor_admin):
    configuration.update_commission_settings(actor=vendor_admin, data={"payout_four_eyes": False})
    event = AuditEvent.objects.filter(verb="commission_settings.updated").latest("id")
    assert event.changes["payout_four_eyes"] == [True, False]
    services.approve_payout(actor=finance_user, payout=batch)
    batch.refresh_from_db()
    assert batch.status == PayoutStatus.APPROVED


def test_four_eyes_refusal_over_the_api_and_on_the_page(batch, finance_user, vendor_admin):
    answer = api_client_for(finance_user).post(f"/api/v1/payouts/{batch.pk}/approve", "{}",
                                               content_type="application/json")
    assert answer.status_code == 409 and answer.json()["code"] == "four_eyes_required"
    page = client_for(finance_user).get(reverse("commissions:console_payout", args=[batch.pk])).content.decode()
    assert "Four-eyes approval" in page and "Approve batch" not in page
    refused = client_for(finance_user).post(reverse("commissions:console_payout_approve", args=[batch.pk]),
                                            follow=True)
    assert "another finance user or a program admin must approve" in refused.content.decode()
    assert Payout.objects.get().status == PayoutStatus.DRAFT
    admin_page = client_for(vendor_admin).get(reverse("commissions:console_payout", args=[batch.pk]))
    assert "Approve batch" in admin_page.content.decode()
    client_for(vendor_admin).post(reverse("commissions:console_payout_approve", args=[batch.pk]))
    assert Payout.objects.get().status == PayoutStatus.APPROVED


def test_the_settings_page_turns_four_eyes_off_and_sets_currency_minimums(vendor_admin):
    url = reverse("commissions:console_settings")
    client = client_for(vendor_admin)
    page = client.get(url).content.decode()
    assert "Four-eyes payout approval" in page and "Minimum payout (USD, the program currency)" in page
    bad = client.post(url, {"minimum_payout": "50", "minimum_payout_overrides": "XXX 5"})
    assert bad.status_code == 200 and "XXX is not a supported currency." in bad.content.decode()
    client.post(url, {"minimum_payout": "50", "minimum_payout_overrides": "jpy 5000, EUR 45.50"})
    row = CommissionSettings.current()
    assert row.payout_four_eyes is False  # an unticked box
    assert row.minimum_payout_overrides == {"JPY": "5000", "EUR": "45.50"}
    assert "JPY 5000" in client.get(url).content.decode()


# ---------------------------------------------------------------- paid: the partner is told

def test_marking_paid_tells_the_paid_partners_admins_with_a_link_to_the_statement(
        batch, banked, finance_user, vendor_admin, acme_admin, globex_admin, django_capture_on_commit_callbacks):
    services.approve_payout(actor=vendor_admin, payout=batch)
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_paid(actor=finance_user, payout=batch, reference="BANK-7")
    note = acme_admin.notifications.get()
    assert note.title == "Commission payout of 1,000.00 USD sent"
    assert note.summary.startswith("A commission payout of 1,000.00 USD was sent")
    assert note.url.startswith("/portal/earnings/statements/?period=")
    assert client_for(acme_admin).get(note.url).status_code == 200
    assert not globex_admin.notifications.exists()  # Globex was not in the batch
    sent = [m for m in mail.outbox if m.to == [acme_admin.email]]
    assert len(sent) == 1 and "BANK-7" in sent[0].body and "/portal/earnings/statements/?period=" in sent[0].body


# ---------------------------------------------------------------- payout details

def test_details_are_encrypted_at_rest_masked_and_audited_without_the_numbers(acme, acme_admin):
    details = services.set_payout_details(actor=acme_admin, partner=acme, data=BANK)
    raw = PayoutDetails.objects.values().get(pk=details.pk)
    assert IBAN not in json.dumps(raw, default=str) and BANK["tax_id"] not in json.dumps(raw, default=str)
    assert details.clear("iban") == IBAN and details.masked("iban") == "•••• 3000"
    assert details.masked("tax_id") == "•••• 6789"
    event = AuditEvent.objects.get(verb="payout_details.updated")
    assert IBAN not in json.dumps(event.changes) and "3000" not in json.dumps(event.changes)
    assert event.changes["iban"] == [None, "(hidden)"] and event.changes["account_holder"][1] == BANK["account_holder"]


@pytest.mark.parametrize(("change", "field"), [
    ({"iban": "DE89370400440532013001"}, "iban"),  # checksum off by one
    ({"iban": "XX89370400440532013000"}, "iban"),  # no such country
    ({"account_number": "123456789", "routing_number": "021000021"}, "iban"),  # both kinds of account
    ({"iban": ""}, "iban"),  # neither
    ({"swift": "DEUT"}, "swift"),
    ({"country": "ZZ"}, "country"),
    ({"account_holder": " "}, "account_holder"),
    ({"tax_id": "<script>"}, "tax_id"),
])
def test_bad_details_are_refused_by_field_and_nothing_is_written(acme, finance_user, change, field):
    with pytest.raises(ValidationFailed) as refused:
        services.set_payout_details(actor=finance_user, partner=acme, data={**BANK, **change})
    assert field in refused.value.errors
    assert not PayoutDetails.objects.exists()


def test_account_and_routing_number_instead_of_an_iban(globex, finance_user):
    details = services.set_payout_details(actor=finance_user, partner=globex,
                                          data={**US_BANK, "account_number": "0001-2345-6789"})
    assert details.clear("account_number") == "000123456789" and details.masked("routing_number") == "•••• 0021"
    assert details.iban == ""
    with pytest.raises(ValidationFailed) as refused:
        services.set_payout_details(actor=finance_user, partner=globex, data={**US_BANK, "routing_number": ""})
    assert "routing_number" in refused.value.errors


def test_only_the_partners_own_admin_or_finance_keep_its_details(acme, acme_rep, globex_admin, channel_manager):
    for actor in (acme_rep, globex_admin, channel_manager):
        with pytest.raises(NotAllowed):
            services.set_payout_details(actor=actor, partner=acme, data=BANK)
    assert not PayoutDetails.objects.exists()


def test_payout_details_api(acme, acme_admin, acme_rep, globex_admin, finance_user):
    path = f"/api/v1/partners/{acme.pk}/payout-details"
    own = api_client_for(acme_admin)
    assert own.get(path).status_code == 404  # nothing entered yet
    saved = put(own, path, BANK)
    assert saved.status_code == 200
    assert saved.json()["iban"] == "•••• 3000" and saved.json()["tax_id"] == "•••• 6789"
    assert IBAN not in saved.content.decode()
    assert own.get(path).json()["account_holder"] == BANK["account_holder"]
    bad = put(own, path, {**BANK, "iban": "DE00370400440532013000"})
    assert bad.status_code == 422 and "iban" in bad.json()["errors"]
    both = put(own, path, {**BANK, "account_number": "123456", "routing_number": "021000021"})
    assert both.status_code == 422 and "account_number" in both.json()["errors"]
    assert put(own, path, {**BANK, "colour": "red"}).status_code == 422  # unknown field
    assert put(api_client_for(globex_admin), path, BANK).status_code == 404  # another partner's: not found
    assert api_client_for(globex_admin).get(path).status_code == 404
    assert put(api_client_for(acme_rep), path, BANK).status_code == 403  # not the partner admin
    by_finance = put(api_client_for(finance_user), path, {**US_BANK, "account_holder": "Acme Systems Inc."})
    assert by_finance.status_code == 200 and by_finance.json()["account_number"] == "•••• 6789"
    assert by_finance.json()["iban"] == ""


def test_payout_details_pages_portal_and_console(acme, acme_admin, acme_rep, finance_user):
    url = reverse("commissions:portal_payout_details")
    client = client_for(acme_admin)
    assert "No payout details yet" in client.get(url).content.decode()
    bad = client.post(url, {**BANK, "iban": "DE89370400440532013001"})
    assert bad.status_code == 200 and "not a valid IBAN" in bad.content.decode()
    saved = client.post(url, BANK, follow=True)
    page = saved.content.decode()
    assert "Payout details saved." in page and "On file: •••• 3000" in page and IBAN not in page
    # Left empty, the numbers on file are kept.
    client.post(url, {**BANK, "iban": "", "tax_id": "", "account_holder": "Acme Systems Incorporated"})
    details = PayoutDetails.objects.get()
    assert details.clear("iban") == IBAN and details.account_holder == "Acme Systems Incorporated"
    assert client_for(acme_rep).get(url).status_code == 403
    console = reverse("commissions:console_payout_details", args=[acme.pk])
    finance = client_for(finance_user)
    partner_page = finance.get(reverse("partners:console_detail", args=[acme.pk])).content.decode()
    assert f'href="{console}"' in partner_page
    assert "On file: •••• 3000" in finance.get(console).content.decode()
    finance.post(console, {**US_BANK, "account_holder": "Acme Systems Inc."})
    details.refresh_from_db()
    assert details.clear("account_number") == "000123456789" and details.iban == ""


# ---------------------------------------------------------------- "cannot be paid" and the export

def test_a_partner_without_details_cannot_be_paid_and_waits_for_the_next_batch(
        active, finance_user, vendor_admin):
    acme, globex = active
    services.set_payout_details(actor=finance_user, partner=acme, data=BANK)
    approved_line(acme, "1000")
    waiting = approved_line(globex, "700")
    payout = services.create_payout(actor=finance_user, currency="USD", up_to=clock.today())
    assert payout.total == D("1000")
    blocked = payout.items.get(partner=globex)
    assert blocked.blocked_reason and blocked.amount == D("700")
    waiting.refresh_from_db()
    assert waiting.payout is None  # not silently paid with the batch
    page = client_for(finance_user).get(reverse("commissions:console_payout", args=[payout.pk])).content.decode()
    assert "Cannot be paid" in page and "Globex GmbH" in page
    services.approve_payout(actor=vendor_admin, payout=payout)
    exported = rows(client_for(finance_user).post(reverse("commissions:console_payout_export", args=[payout.pk])))
    header, by_partner = exported[0], {row[2]: dict(zip(exported[0], row, strict=True)) for row in exported[1:]}
    assert header[7:] == ["status", "account_holder", "iban", "account_number", "routing_number", "swift",
                          "tax_id", "country"]
    assert by_partner["Acme Systems"]["status"] == "pay" and by_partner["Acme Systems"]["iban"] == IBAN
    assert by_partner["Acme Systems"]["amount"] == "1000.00"
    assert by_partner["Globex GmbH"]["status"].startswith("cannot be paid")
    assert by_partner["Globex GmbH"]["iban"] == ""
    services.mark_paid(actor=finance_user, payout=payout, reference="B-1")
    waiting.refresh_from_db()
    assert waiting.status == LineStatus.APPROVED
    # Once Globex has details, the next batch pays it.
    services.set_payout_details(actor=finance_user, partner=globex, data=US_BANK)
    nxt = services.create_payout(actor=finance_user, currency="USD", up_to=clock.today())
    assert [(i.partner_id, i.amount, i.blocked_reason) for i in nxt.items.all()] == [(globex.pk, D(700), "")]


def test_no_batch_when_nobody_over_the_minimum_has_details(active, finance_user):
    acme, _ = active
    approved_line(acme, "1000")
    with pytest.raises(services.Conflict, match="no payout details"):
        services.create_payout(actor=finance_user, currency="USD", up_to=clock.today())
    assert not Payout.objects.exists()


def test_csv_amounts_have_the_currencys_decimals(banked, finance_user, vendor_admin):
    acme, _ = banked
    set_fx_rate(actor=vendor_admin, currency="JPY", valid_on=clock.today(), rate="0.0067")
    approved_line(acme, "53208", currency="JPY")
    approved_line(acme, "53208", currency="USD", n=2)
    for currency, expected in (("USD", "53208.00"), ("JPY", "53208")):
        payout = services.create_payout(actor=finance_user, currency=currency, up_to=clock.today())
        assert rows(payout_csv(payout))[1][4] == expected


# ---------------------------------------------------------------- the minimum payout per currency

def test_the_minimum_payout_is_converted_to_each_currency(banked, finance_user, vendor_admin):
    acme, globex = banked
    set_fx_rate(actor=vendor_admin, currency="JPY", valid_on=clock.today() - timedelta(days=3), rate="0.0067")
    # 50 USD is 7,463 JPY at 0.0067: 5,000 JPY is under it (it used to pass as "5,000 ≥ 50").
    assert services.minimum_payout("JPY") == D("7463")
    approved_line(acme, "5000", currency="JPY")
    approved_line(globex, "8000", currency="JPY")
    payout = services.create_payout(actor=finance_user, currency="JPY", up_to=clock.today())
    assert [i.partner_id for i in payout.items.all()] == [globex.pk]
    assert LedgerLine.objects.get(partner=acme).payout is None  # carried over


def test_a_per_currency_override_wins_and_a_missing_rate_is_an_error(banked, finance_user, vendor_admin):
    acme, _ = banked
    approved_line(acme, "5000", currency="JPY")
    with pytest.raises(MissingFxRate) as missing:
        services.create_payout(actor=finance_user, currency="JPY", up_to=clock.today())
    assert "currency" in missing.value.errors
    configuration.update_commission_settings(actor=vendor_admin, data={"minimum_payout_overrides": {"jpy": "1000"}})
    assert services.minimum_payout("JPY") == D("1000")
    payout = services.create_payout(actor=finance_user, currency="JPY", up_to=clock.today())
    assert payout.total == D("5000")


def test_minimum_payout_settings_over_the_api(vendor_admin, finance_user):
    client = api_client_for(vendor_admin)
    url = "/api/v1/settings/commissions"
    changed = client.patch(url, json.dumps({"minimum_payout_overrides": {"JPY": "5000"}, "payout_four_eyes": False}),
                           content_type="application/json")
    assert changed.status_code == 200
    assert changed.json()["payout_four_eyes"] is False
    assert D(changed.json()["minimum_payout_overrides"]["JPY"]) == D("5000")
    bad = client.patch(url, json.dumps({"minimum_payout_overrides": {"XXX": "5"}}), content_type="application/json")
    assert bad.status_code == 422 and "minimum_payout_overrides" in bad.json()["errors"]
    negative = client.patch(url, json.dumps({"minimum_payout_overrides": {"EUR": "-5"}}),
                            content_type="application/json")
    assert negative.status_code == 422
    assert CommissionSettings.current().minimum_payout_overrides == {"JPY": "5000"}


def test_the_payouts_page_says_the_minimum_per_currency(banked, finance_user, vendor_admin):
    acme, _ = banked
    configuration.update_commission_settings(actor=vendor_admin, data={"minimum_payout_overrides": {"JPY": "1000"}})
    approved_line(acme, "900", currency="JPY")
    client = client_for(finance_user)
    page = client.get(reverse("commissions:console_payouts")).content.decode()
    assert "1,000 JPY set per currency" in page and "50.00 USD by default" in page
    refused = client.post(reverse("commissions:console_payouts"),
                          {"form_token": issue_form_token(), "currency": "JPY", "up_to": clock.today().isoformat()},
                          follow=True)
    assert "No partner has at least 1,000 JPY" in refused.content.decode()
