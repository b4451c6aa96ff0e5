"""Tabular downloads every app shares: CSV and XLSX responses, safe against spreadsheet formulas.

Text that people typed (customer and partner names, notes) can start like a formula (`=HYPERLINK(…)`); a
spreadsheet would run it. CSV cells get a leading apostrophe; XLSX cells are stored as text, never formulas.
Numbers (Decimal, int) stay numbers so spreadsheets can sum them; money columns get the currency's format.
"""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone

from .money import minor_units

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value) -> str:
    """A CSV cell: text starting like a formula gets a leading apostrophe; None is empty."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text


def attachment(content, content_type: str, filename: str) -> HttpResponse:
    """`content` as a download named `filename`."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv_value(value):
    if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
        return value  # numbers never start a formula; "-5" must stay a number
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return safe_text(value)


def csv_download(filename: str, header: list[str], rows) -> HttpResponse:
    """A CSV file: the header, then one line per row (an iterable of value lists)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return attachment(buffer.getvalue(), CSV_TYPE, filename)


def money_format(currency: str) -> str:
    """The XLSX number format for amounts in `currency` (grouped, at its minor unit)."""
    digits = minor_units(currency) if currency else 2
    return "#,##0" + ("." + "0" * digits if digits else "")


def new_workbook():
    """An empty workbook (no default sheet); add sheets with `workbook.create_sheet(title)`."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    return workbook


def append_row(sheet, values, *, bold: bool = False, formats: dict[int, str] | None = None) -> None:
    """Append one row: text stays text (never a formula), dates and numbers keep their type.

    `formats` maps 1-based column numbers to number formats (e.g. `money_format("USD")`).
    """
    from openpyxl.styles import Font

    cells = []
    for value in values:
        if isinstance(value, datetime) and timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)  # XLSX has no time zones
        cells.append(value)
    sheet.append(cells)
    row = sheet.max_row
    for column, value in enumerate(cells, start=1):
        cell = sheet.cell(row=row, column=column)
        if isinstance(value, str):
            cell.data_type = "s"
        if bold:
            cell.font = Font(bold=True)
        if formats and column in formats:
            cell.number_format = formats[column]


def workbook_download(workbook, filename: str) -> HttpResponse:
    """The workbook as an .xlsx download."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return attachment(buffer.getvalue(), XLSX_TYPE, filename)


def xlsx_download(filename: str, header: list[str], rows, *, title: str = "Sheet",
                  money_columns: dict[int, int] | None = None, widths: dict[str, int] | None = None
                  ) -> HttpResponse:
    """A one-sheet workbook: a bold header, then one row per value list.

    `money_columns` maps the 0-based index of an amount column to the index of its currency column, so
    each amount gets its own currency's format.
    """
    workbook = new_workbook()
    sheet = workbook.create_sheet(title=title[:31])
    append_row(sheet, header, bold=True)
    for row in rows:
        row = list(row)
        formats = {amount + 1: money_format(row[currency] or "") for amount, currency in (money_columns or {}).items()
                   if row[amount] not in (None, "")}
        append_row(sheet, row, formats=formats)
    sheet.freeze_panes = "A2"
    for column, width in (widths or {}).items():
        sheet.column_dimensions[column].width = width
    return workbook_download(workbook, filename)
