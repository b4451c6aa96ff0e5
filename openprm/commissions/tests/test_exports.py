"""Statement downloads (CSV, XLSX, PDF) from the console and the portal, and who may have them."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from conftest import client_for
from openprm.commissions import exports, services
from openprm.commissions.statements import statement

Q4 = {"period": "2026-Q4"}


@pytest.fixture
def earned(active, plan, win, vendor_admin):
    """Acme: 1,000.00 USD earned in Q3 (unpaid, so Q4 opens with it) and 250.00 USD in Q4; Globex: 10.00 USD."""
    acme, globex = active
    plan(type="revenue_share", rate_percent="10", holding_days=0, assign_to=[acme, globex])
    win(acme, 10000, closed_on=date(2026, 8, 1))
    reg = win(acme, 2500, closed_on=date(2026, 10, 5))
    win(globex, 100, closed_on=date(2026, 10, 5))
    services.approve_due_lines(today=date(2026, 10, 6))
    return acme, globex, reg


def test_statement_csv_lists_balances_and_lines(earned, finance_user):
    acme, _, _ = earned
    response = client_for(finance_user).get(reverse("commissions:console_statement_download", args=["csv"]),
                                            {"partner": acme.pk, **Q4})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="statement-acme-systems-2026-Q4.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert ["opening_balance", "1000.00"] in rows
    assert ["closing_balance", "1250.00"] in rows
    line = next(r for r in rows if r and r[0] == "2026-10-05")
    assert line[1:5] == ["Commission", "2,500.00 × 10% (plan rate) = 250.00 USD", "250.00", "USD"]


def test_statement_xlsx_opens_and_carries_the_closing_balance(earned, acme_admin):
    response = client_for(acme_admin).get(reverse("commissions:portal_statement_download", args=["xlsx"]), Q4)
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_TYPE
    assert response["Content-Disposition"].endswith('.xlsx"')
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["USD"]
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert values["Partner"] == "Acme Systems" and values["Period"] == "2026-Q4"
    assert Decimal(str(values["Opening balance"])) == Decimal("1000")
    assert Decimal(str(values["Closing balance"])) == Decimal("1250")
    explanations = [row[2] for row in sheet.iter_rows(values_only=True) if row and len(row) > 2]
    assert "2,500.00 × 10% (plan rate) = 250.00 USD" in explanations


def test_statement_pdf_is_a_pdf(earned, finance_user, acme_admin):
    acme, _, reg = earned
    services.refund(actor=finance_user, registration=reg, amount="250", reason="Partial return")
    for client, url, params in (
            (client_for(finance_user), reverse("commissions:console_statement_download", args=["pdf"]),
             {"partner": acme.pk}),
            (client_for(acme_admin), reverse("commissions:portal_statement_download", args=["pdf"]), {})):
        response = client.get(url, {**params, **Q4})
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert response["Content-Disposition"] == 'attachment; filename="statement-acme-systems-2026-Q4.pdf"'


def test_an_empty_period_still_downloads(earned, acme_admin):
    client = client_for(acme_admin)
    for fmt in exports.FORMATS:
        response = client.get(reverse("commissions:portal_statement_download", args=[fmt]), {"period": "2020-Q1"})
        assert response.status_code == 200, fmt


def test_nobody_downloads_another_partners_statement(earned, acme_admin, globex_admin, channel_manager,
                                                     other_manager):
    acme, globex, _ = earned
    portal = reverse("commissions:portal_statement_download", args=["csv"])
    assert client_for(globex_admin).get(portal, {"partner": acme.pk, **Q4}).status_code == 404
    own = client_for(globex_admin).get(portal, Q4).content.decode()
    assert "10.00" in own and "250.00" not in own
    console = reverse("commissions:console_statement_download", args=["csv"])
    assert client_for(other_manager).get(console, {"partner": acme.pk, **Q4}).status_code == 404
    assert client_for(channel_manager).get(console, {"partner": acme.pk, **Q4}).status_code == 200
    assert client_for(acme_admin).get(console, {"partner": acme.pk, **Q4}).status_code == 403
    assert client_for(acme_admin).get(reverse("commissions:portal_statement_download", args=["doc"]), Q4).status_code \
        == 404
    assert client_for(acme_admin).get(portal, {"period": "soon"}).status_code == 404


def test_exporters_match_the_statement(earned):
    acme, _, _ = earned
    statements = statement(partner=acme, period="2026-Q4")
    response = exports.statement_csv(partner=acme, period="2026-Q4", statements=statements)
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert ["earned", "250.00"] in rows and ["paid", "0.00"] in rows


def test_typed_text_never_becomes_a_spreadsheet_formula(earned, finance_user):
    from openprm.commissions.models import LedgerLine
    from openprm.partners.models import Partner

    acme, _, _ = earned
    Partner.objects.filter(pk=acme.pk).update(name='=HYPERLINK("http://evil")')
    acme.refresh_from_db()
    statement_rows = list(csv.reader(io.StringIO(exports.statement_csv(
        partner=acme, period="2026-Q4", statements=statement(partner=acme, period="2026-Q4")).content.decode())))
    assert statement_rows[0] == ["partner", "'=HYPERLINK(\"http://evil\")"]
    ledger_rows = list(csv.reader(io.StringIO(exports.ledger_csv(
        LedgerLine.objects.filter(partner=acme)).content.decode())))
    assert {row[2] for row in ledger_rows[1:]} == {"'=HYPERLINK(\"http://evil\")"}
    workbook = load_workbook(io.BytesIO(exports.statement_xlsx(
        partner=acme, period="2026-Q4", statements=statement(partner=acme, period="2026-Q4")).content))
    assert workbook["USD"]["B1"].data_type == "s"
