"""Downloads: a partner's statement for a period as CSV, XLSX and PDF, and the ledger's filtered lines as CSV.

`statements` is what `statements.statement(partner=, period=)` returns: one dict per currency with the
opening balance, the period's lines, what was earned and paid, and the closing balance.
"""

import io
from xml.sax.saxutils import escape

from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify

from openprm.lib import clock, tables
from openprm.lib.money import format_money, quantize
from openprm.lib.tables import XLSX_TYPE as XLSX_TYPE
from openprm.lib.tables import append_row, attachment, csv_writer, money_format, new_workbook, workbook_download

from .models import PayoutDetails
from .services.payouts import NO_DETAILS

FORMATS = ("csv", "xlsx", "pdf")
LINE_HEADER = ["date", "kind", "explanation", "amount", "currency", "status", "registration"]


def _filename(partner, period: str, ext: str) -> str:
    return f"statement-{slugify(partner.name) or partner.pk}-{period}.{ext}"


def _line_row(line) -> list:
    return [line.accrued_on.isoformat(), line.get_kind_display(), line.explanation,
            quantize(line.amount, line.currency), line.currency, line.get_status_display(),
            line.registration_id or ""]


def statement_csv(*, partner, period: str, statements: list[dict]) -> HttpResponse:
    """One block per currency: the balances as labelled rows, then the period's lines."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(["partner", partner.name])
    writer.writerow(["period", period])
    if not statements:
        writer.writerow(["no commission lines"])
    for s in statements:
        currency = s["currency"]
        writer.writerow([])
        writer.writerow(["currency", currency])
        writer.writerow(["opening_balance", quantize(s["opening_balance"], currency)])
        writer.writerow(LINE_HEADER)
        for line in s["lines"]:
            writer.writerow(_line_row(line))
        writer.writerow(["earned", quantize(s["earned"], currency)])
        writer.writerow(["paid", quantize(s["paid"], currency)])
        writer.writerow(["closing_balance", quantize(s["closing_balance"], currency)])
    return attachment(buffer.getvalue(), "text/csv; charset=utf-8", _filename(partner, period, "csv"))


def statement_xlsx(*, partner, period: str, statements: list[dict]) -> HttpResponse:
    """A workbook with one sheet per currency; amounts are numbers in the currency's format."""
    from openpyxl.styles import Font

    bold = Font(bold=True)
    workbook = new_workbook()
    for s in statements or [{"currency": "", "lines": []}]:
        currency = s["currency"]
        sheet = workbook.create_sheet(title=currency or "Statement")
        append_row(sheet, ["Partner", partner.name])
        append_row(sheet, ["Period", period])
        if not currency:
            append_row(sheet, ["No commission lines in this period."])
            continue
        number_format = money_format(currency)

        def money_row(label, value, sheet=sheet, currency=currency, number_format=number_format):
            append_row(sheet, [label, quantize(value, currency), currency], formats={2: number_format})
            sheet.cell(row=sheet.max_row, column=1).font = bold

        append_row(sheet, ["Currency", currency])
        money_row("Opening balance", s["opening_balance"])
        append_row(sheet, [])
        append_row(sheet, [h.replace("_", " ").capitalize() for h in LINE_HEADER], bold=True)
        for line in s["lines"]:
            append_row(sheet, _line_row(line), formats={4: number_format})
        append_row(sheet, [])
        money_row("Earned", s["earned"])
        money_row("Paid", s["paid"])
        money_row("Closing balance", s["closing_balance"])
        sheet.column_dimensions["A"].width = 16
        sheet.column_dimensions["B"].width = 16
        sheet.column_dimensions["C"].width = 80
        sheet.column_dimensions["D"].width = 16
    return workbook_download(workbook, _filename(partner, period, "xlsx"))


# Characters the PDF's standard fonts (WinAnsi) lack, written as their nearest plain equivalent.
_PDF_PLAIN = str.maketrans({"−": "-", "→": "->", "≥": ">=", "≤": "<="})


def _pdf_text(value) -> str:
    text = str(value).translate(_PDF_PLAIN)
    return escape(text.encode("cp1252", "replace").decode("cp1252"))


def statement_pdf(*, partner, period: str, statements: list[dict]) -> HttpResponse:
    """An A4 statement: partner, period, and per currency the opening balance, each line and the closing."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    body = styles["BodyText"].clone("cell", fontSize=8, leading=10)
    right = body.clone("right", alignment=2)
    bold = body.clone("bold", fontName="Helvetica-Bold")

    def p(text, style=body):
        return Paragraph(_pdf_text(text), style)

    title = f"Commission statement — {partner.name} — {period}"
    story = [Paragraph(_pdf_text(title), styles["Title"]),
             p(f"Partner: {partner.legal_name or partner.name}"), p(f"Period: {period}"),
             p(f"Generated {timezone.localtime(clock.moment()):%d %b %Y %H:%M %Z}"), Spacer(1, 4 * mm)]
    if not statements:
        story.append(p("No commission lines in this period."))
    for s in statements:
        currency = s["currency"]
        story.append(Paragraph(_pdf_text(f"Currency: {currency}"), styles["Heading2"]))
        rows = [[p("Opening balance", bold), "", "", p(format_money(s["opening_balance"], currency), right), ""]]
        rows.append([p(h, bold) for h in ("Date", "Kind", "Explanation", "Amount", "Status")])
        for line in s["lines"]:
            rows.append([p(line.accrued_on.isoformat()), p(line.get_kind_display()), p(line.explanation),
                         p(format_money(line.amount, currency), right), p(line.get_status_display())])
        for label, key in (("Earned", "earned"), ("Paid", "paid"), ("Closing balance", "closing_balance")):
            rows.append([p(label, bold), "", "", p(format_money(s[key], currency), right), ""])
        table = Table(rows, colWidths=[22 * mm, 22 * mm, 150 * mm, 36 * mm, 30 * mm], repeatRows=2)
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                                   ("BACKGROUND", (0, 1), (-1, 1), colors.whitesmoke)]))
        story += [table, Spacer(1, 6 * mm)]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), title=title, author="OpenPRM",
                            leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm)
    doc.build(story)
    return attachment(buffer.getvalue(), "application/pdf", _filename(partner, period, "pdf"))


def statement_download(fmt: str, *, partner, period: str, statements: list[dict]) -> HttpResponse:
    exporter = {"csv": statement_csv, "xlsx": statement_xlsx, "pdf": statement_pdf}[fmt]
    return exporter(partner=partner, period=period, statements=statements)


def ledger_csv(lines) -> HttpResponse:
    """The ledger's (filtered) lines, one row each, with the explanation."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(["id", "partner_id", "partner", "registration", "kind", "amount", "currency", "status",
                     "status_reason", "period", "accrued_on", "available_on", "explanation", "source_key"])
    for line in lines.select_related("partner").iterator(chunk_size=2000):
        writer.writerow([line.pk, line.partner_id, line.partner.name, line.registration_id or "",
                         line.kind, quantize(line.amount, line.currency), line.currency, line.status,
                         line.status_reason, line.period, line.accrued_on.isoformat(),
                         line.available_on.isoformat(), line.explanation, line.source_key])
    return attachment(buffer.getvalue(), "text/csv; charset=utf-8", "commission-lines.csv")


PAYOUT_CSV_HEADER = ["payout", "partner_id", "partner", "legal_name", "amount", "currency", "lines", "status",
                     "account_holder", "iban", "account_number", "routing_number", "swift", "tax_id", "country"]
CANNOT_BE_PAID = "cannot be paid"


def _payout_row(payout, item, details) -> list:
    """One partner of the batch: its net at the currency's decimals, and where to pay it — or "cannot be
    paid" with the reason and no bank columns when it has no payout details."""
    amount = quantize(item.amount, payout.currency)
    head = [payout.pk, item.partner_id, item.partner.name, item.partner.legal_name, amount, payout.currency]
    if item.blocked_reason or details is None:
        return head + [0, f"{CANNOT_BE_PAID}: {item.blocked_reason or NO_DETAILS}"] + [""] * 7
    return head + [payout.lines.filter(partner_id=item.partner_id).count(), "pay", details.account_holder,
                   details.clear("iban"), details.clear("account_number"), details.clear("routing_number"),
                   details.swift, details.clear("tax_id"), details.country]


def payout_csv(payout) -> HttpResponse:
    """The batch as CSV for the bank or ERP, with each partner's payout details in clear (the file goes to
    the bank); partners without details are listed as "cannot be paid". Text cells go through the formula
    guard of `tables.csv_download`."""
    items = list(payout.items.select_related("partner"))
    details = {d.partner_id: d for d in PayoutDetails.objects.filter(partner_id__in=[i.partner_id for i in items])}
    return tables.csv_download(f"payout-{payout.pk}-{payout.currency}.csv", PAYOUT_CSV_HEADER,
                               (_payout_row(payout, item, details.get(item.partner_id)) for item in items))
