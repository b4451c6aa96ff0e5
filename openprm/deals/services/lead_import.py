"""Lead import: a CSV file of leads, checked row by row, added and routed all together or not at all."""

import csv
import io
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from django.db import transaction

from openprm.lib.matching import normalize_company_name

from ..exceptions import NotAllowed, ValidationFailed
from .access import can_create_leads
from .leads import LEAD_FIELDS, _add_lead, _clean_lead

MAX_IMPORT_ROWS = 1000
MAX_IMPORT_BYTES = 2 * 1024 * 1024
REQUIRED_IMPORT_COLUMNS = ("company_name", "country")


@dataclass
class LeadImportRow:
    """One data row of an import file: its line number, what it says, and what is wrong with it."""

    line: int
    data: dict
    clean: dict = dataclass_field(default_factory=dict)
    errors: dict[str, list[str]] = dataclass_field(default_factory=dict)


def read_leads_csv(content: bytes | str) -> list[LeadImportRow]:
    """The rows of a lead CSV: UTF-8 (a BOM is fine), a header row naming the columns (see LEAD_FIELDS;
    `company_name` and `country` are required), `products` separated by semicolons. Blank lines are skipped.

    Raises ValidationFailed (errors on `file`) when the file as a whole cannot be read.
    """
    size = len(content) if isinstance(content, bytes) else len(content.encode("utf-8", "replace"))
    if size > MAX_IMPORT_BYTES:
        raise ValidationFailed("The file is too large.",
                               errors={"file": [f"At most {MAX_IMPORT_BYTES // (1024 * 1024)} MB."]})
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed("The file is not UTF-8 text.",
                                   errors={"file": ["Save the spreadsheet as “CSV UTF-8” and upload it again."]}
                                   ) from None
    content = content.lstrip("\ufeff")
    try:
        reader = csv.reader(io.StringIO(content, newline=""))
        lines = list(reader)
    except csv.Error as exc:
        raise ValidationFailed("The file is not a valid CSV.", errors={"file": [f"Not a CSV file: {exc}."]}) from None
    if not lines or not any(cell.strip() for cell in lines[0]):
        raise ValidationFailed("The file is empty.", errors={"file": ["The first line must name the columns."]})
    header = [cell.strip().lower().replace(" ", "_") for cell in lines[0]]
    unknown = [name for name in header if name and name not in LEAD_FIELDS]
    missing = [name for name in REQUIRED_IMPORT_COLUMNS if name not in header]
    problems = []
    if missing:
        problems.append(f"Missing {'column' if len(missing) == 1 else 'columns'}: {', '.join(missing)}.")
    if unknown:
        problems.append(f"Unknown {'column' if len(unknown) == 1 else 'columns'}: {', '.join(unknown)}. "
                        f"Known columns: {', '.join(LEAD_FIELDS)}.")
    if len(set(header) - {""}) != len([h for h in header if h]):
        problems.append("A column is named twice.")
    if problems:
        raise ValidationFailed("The columns are not right.", errors={"file": problems})
    rows = []
    for number, cells in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        row = LeadImportRow(line=number, data={name: (cells[i] if i < len(cells) else "")
                                               for i, name in enumerate(header) if name})
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            row.errors["__all__"] = [f"{len(cells)} cells, but the header names {len(header)} columns."]
        rows.append(row)
    if not rows:
        raise ValidationFailed("The file has no leads.", errors={"file": ["Add one lead per line under the header."]})
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationFailed("Too many rows.", errors={"file": [
            f"At most {MAX_IMPORT_ROWS} leads per file; this one has {len(rows)}. Split it."]})
    return rows


def check_lead_rows(rows: list[LeadImportRow]) -> list[LeadImportRow]:
    """Validate every row like a single lead, and catch the same company twice in one file."""
    seen: dict[tuple, int] = {}
    for row in rows:
        clean, errors = _clean_lead(row.data)
        row.clean = clean
        for name, messages in errors.items():
            row.errors.setdefault(name, []).extend(messages)
        if not row.errors:
            key = ("domain", clean["domain"]) if clean["domain"] else (
                "name", normalize_company_name(clean["company_name"]), clean["country"])
            if key in seen:
                row.errors["company_name"] = [f"The same company as line {seen[key]}."]
            else:
                seen[key] = row.line
    return rows


@transaction.atomic
def import_leads(*, actor, rows: list[LeadImportRow], source: str = "", dry_run: bool = False) -> list:
    """Add and route every lead of an import, or none: any row with a problem refuses the whole file.

    Raises ValidationFailed with errors keyed `rows.<line>.<field>` (line numbers as in the file, the header
    being line 1). With `dry_run`, checks only and returns []; else returns the new leads in file order.
    """
    if not can_create_leads(actor):
        raise NotAllowed("Leads are shared by the vendor's channel and marketing teams.")
    check_lead_rows(rows)
    errors = {f"rows.{row.line}.{name}": messages for row in rows for name, messages in row.errors.items()}
    if errors:
        bad = len({row.line for row in rows if row.errors})
        raise ValidationFailed(f"{bad} of {len(rows)} rows need correcting; nothing was imported.", errors=errors)
    if dry_run:
        return []
    label = f"imported from {source}" if source else "imported"
    return [_add_lead(actor=actor, clean=row.clean, note=f"{label}, line {row.line}") for row in rows]
