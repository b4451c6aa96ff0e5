"""One way to write money, counts and articles (issue 10, item 11)."""

import zoneinfo
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone

from openprm.lib import clock
from openprm.lib.formatting import (
    article,
    date_style_for,
    day,
    in_sentence,
    moment,
    money,
    plural,
    reset_date_style,
    use_date_style,
)


@pytest.mark.parametrize(("phrase", "expected"), [
    ("OEM partner", "an OEM partner"), ("reseller", "a reseller"), ("hour", "an hour"), ("user", "a user"),
    ("18-month term", "an 18-month term"), ("12-month term", "a 12-month term"), ("MDF request", "an MDF request"),
    ("SPIFF", "a SPIFF"), ("OEM / white-label", "an OEM / white-label"), ("European firm", "a European firm"),
    ("alliance", "an alliance"),
])
def test_the_article_follows_the_sound(phrase, expected):
    assert article(phrase) == expected


@pytest.mark.parametrize(("count", "expected"), [
    (0, "0 tier changes"), (1, "1 tier change"), (2, "2 tier changes"), (1200, "1,200 tier changes"),
])
def test_counts_agree_with_their_noun(count, expected):
    assert plural(count, "tier change") == expected


def test_irregular_plurals():
    assert plural(2, "reply") == "2 replies" and plural(2, "batch") == "2 batches" and plural(2, "day") == "2 days"
    assert plural(2, "person", "people") == "2 people"


def test_money_is_grouped_at_the_currencys_decimals():
    assert money(Decimal("318083.000"), "USD") == "318,083.00 USD"
    assert money("1250.4", "JPY") == "1,250 JPY" and money(Decimal("5E+1"), "EUR") == "50.00 EUR"
    assert money(None, "USD") == "—"


def test_labels_inside_a_sentence_keep_acronyms():
    assert in_sentence("Reseller") == "reseller" and in_sentence("OEM") == "OEM" and in_sentence("") == ""


def test_the_filters_are_on_every_template():
    rendered = Template('{{ amount|money:"USD" }} · {{ n|plural:"tier change" }} · {{ m|plural:"reply,replies" }}'
                        ' · {{ kind|in_sentence|article }}').render(
        Context({"amount": Decimal("1234.5"), "n": 1, "m": 3, "kind": "OEM"}))
    assert rendered == "1,234.50 USD · 1 tier change · 3 replies · an OEM"


def test_rates_never_print_an_exponent():
    rendered = Template("top {{ a|decimal }}% · {{ b|decimal }} · {{ c|decimal }}").render(
        Context({"a": Decimal("10.00"), "b": Decimal("12.50"), "c": Decimal("0.0300")}))
    assert rendered == "top 10% · 12.5 · 0.03"


@pytest.mark.parametrize(("header", "style"), [
    ("en-US,en;q=0.9", "mdy"), ("en-GB,en;q=0.8", "dmy"), ("de-DE", "dmy"), ("", "dmy"), ("en", "dmy"),
    ("es-us", "mdy"),
])
def test_the_date_style_follows_the_readers_first_language(header, style):
    assert date_style_for(header) == style


def test_dates_are_written_in_the_readers_style():
    # Any year reads the same way: the last day of January of next year, whatever today is.
    year = clock.today().year + 1
    when = datetime(year, 1, 31, 15, 5, tzinfo=UTC)
    assert day(date(year, 1, 31)) == f"31 Jan {year}"
    with timezone.override("Europe/Berlin"):
        assert moment(when) == f"31 Jan {year}, 16:05"
        token = use_date_style("mdy")
        try:
            assert day(date(year, 1, 31)) == f"Jan 31, {year}" and moment(when) == f"Jan 31, {year}, 4:05 PM"
        finally:
            reset_date_style(token)


@pytest.mark.django_db
def test_a_page_writes_dates_in_the_browsers_locale(acme, vendor_admin):
    from conftest import client_for

    client = client_for(vendor_admin)
    created = timezone.localtime(acme.created_at, zoneinfo.ZoneInfo(vendor_admin.time_zone or "UTC")).date()
    us = client.get("/console/audit/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    gb = client.get("/console/audit/", HTTP_ACCEPT_LANGUAGE="en-GB").content.decode()
    assert f"{created:%b} {created.day}, {created.year}" in us
    assert f"{created.day} {created:%b} {created.year}" in gb


def test_paragraphs_wrap_like_prose_and_keep_list_items_and_escape():
    # Issue 10, item 15: terms typed with the editor's line wraps broke mid-sentence on the signing page.
    text = "The partner resells the\nproducts in its territory.\n\nIt must:\n- keep <records>\n2. report & pay"
    html = Template("{{ text|paragraphs }}").render(Context({"text": text}))
    assert html == ("<p>The partner resells the products in its territory.</p>\n"
                    "<p>It must:<br>- keep &lt;records&gt;<br>2. report &amp; pay</p>")
    assert Template("{{ text|paragraphs }}").render(Context({"text": ""})) == ""
    # A numbered clause title keeps its own line; a long numbered clause that wrapped is joined.
    clause = ("2. Support\nSupport is split between\nthe parties.\n\n"
              "3. The partner pays every invoice within the payment\nterms.")
    assert Template("{{ text|paragraphs }}").render(Context({"text": clause})) == (
        "<p>2. Support<br>Support is split between the parties.</p>\n"
        "<p>3. The partner pays every invoice within the payment terms.</p>")
