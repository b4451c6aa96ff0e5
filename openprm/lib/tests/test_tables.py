"""Tabular downloads: typed text never becomes a spreadsheet formula, numbers stay numbers."""

import csv
import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from openprm.lib import tables


def test_csv_cells_that_look_like_formulas_become_text():
    response = tables.csv_download("x.csv", ["a", "b", "c", "d"],
                                   [["=1+2", "-cmd", Decimal("-5.00"), date(2026, 1, 2)], ["@SUM", None, 3, "ok"]])
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1] == ["'=1+2", "'-cmd", "-5.00", "2026-01-02"]
    assert rows[2] == ["'@SUM", "", "3", "ok"]


def test_xlsx_keeps_text_as_text_and_money_as_numbers():
    response = tables.xlsx_download("x.xlsx", ["name", "amount", "currency"],
                                    [["=HYPERLINK(\"x\")", Decimal("1234.5"), "JPY"], ["B", None, ""]],
                                    title="Things", money_columns={1: 2})
    sheet = load_workbook(io.BytesIO(response.content))["Things"]
    name, amount, _ = next(sheet.iter_rows(min_row=2, max_row=2))
    assert name.data_type == "s" and name.value == "=HYPERLINK(\"x\")"
    assert amount.value == 1234.5 and amount.number_format == "#,##0"  # JPY has no minor unit
    assert sheet["A1"].font.bold
