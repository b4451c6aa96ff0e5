"""Tabular downloads every app shares: CSV and XLSX responses, safe against spreadsheet formulas.

Text that people typed (customer and partner names, notes) can start like a formula (`=HYPERLINK(…)`); a
spreadsheet would run it. Every export writes through this module, so it is guarded in one place:

- `safe_cell` is the one cell function: text starting with `=`, `+`, `-`, `@`, a tab, CR or LF gets a leading
  apostrophe; numbers (Decimal, int, float) stay numbers so spreadsheets can sum them and a refund of
  `-12.50` stays parseable; dates become ISO text. The guard is on the *type*, not the look: text that
  happens to read "-12.50" was typed by someone and is quoted.
- `csv_writer` wraps `csv.writer` and passes every cell through `safe_cell`; `csv_download` and the
  streaming `csv_stream` use it. XLSX rows go through `append_row`, which stores text as text, never formulas.

tests/test_export_formulas.py feeds every export a hostile value and fails when a module builds its own
`csv.writer` or `Workbook`.
"""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

from .money import minor_units

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
# What a spreadsheet reads as the start of a formula (tab, CR and LF because some strip them first).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value):
    """One CSV cell: numbers as they are, dates as ISO text, None as empty, and any other value as text with a
    leading apostrophe when it starts like a formula."""
    if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
        return value  # a number never starts a formula; "-5" must stay a number
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text


class SafeCsvWriter:
    """`csv.writer` whose every cell goes through `safe_cell`; `writerow` returns what the stream's write does
    (the line itself for a streaming echo buffer)."""

    def __init__(self, stream):
        self._writer = csv.writer(stream)

    def writerow(self, row):
        return self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(stream) -> SafeCsvWriter:
    """The CSV writer every export uses (see the module docstring)."""
    return SafeCsvWriter(stream)


def attachment(content, content_type: str, filename: str) -> HttpResponse:
    """`content` as a download named `filename`."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_download(filename: str, header: list[str], rows) -> HttpResponse:
    """A CSV file: the header, then one line per row (an iterable of value lists)."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return attachment(buffer.getvalue(), CSV_TYPE, filename)


class _Echo:
    """A file-like object whose write returns the line, so a generator can stream what the writer makes."""

    def write(self, value):
        return value


def csv_stream(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    """Stream rows as CSV so a long export (audit trail, partner list) never sits whole in memory."""
    writer = csv_writer(_Echo())

    def lines():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


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
