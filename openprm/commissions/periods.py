"""Plan periods as keys ("2026-Q4", "2026-11", "2026") and their date bounds."""

import re
from datetime import date, timedelta


def period_key(period: str, day: date) -> str:
    """The key of the plan period containing `day`."""
    if period == "month":
        return f"{day.year}-{day.month:02d}"
    if period == "year":
        return str(day.year)
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def period_bounds(key: str) -> tuple[date, date]:
    """First and last day of a period key; ValueError for anything else."""
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", key or ""):
        year, quarter = int(m[1]), int(m[2])
        start = date(year, 3 * quarter - 2, 1)
        end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
        return start, end - timedelta(days=1)
    if m := re.fullmatch(r"(\d{4})-(\d{2})", key or ""):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise ValueError(f"no month {month}")
        end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        return date(year, month, 1), end - timedelta(days=1)
    if m := re.fullmatch(r"\d{4}", key or ""):
        return date(int(key), 1, 1), date(int(key), 12, 31)
    raise ValueError(f"{key!r} is not a period such as 2026-Q4, 2026-11 or 2026")
