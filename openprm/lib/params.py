"""Integers from query strings and request bodies, kept inside the range the database can compare.

SQLite refuses to bind an integer beyond 64 bits (OverflowError), and Django guards only primary-key
lookups against it, not foreign keys (`?manager=99999999999999999999999`). So every integer a user types
into a filter goes through here: out of range is treated like any other value that is not a number.
"""

from typing import Annotated
from urllib.parse import urlencode

from pydantic import Field

DB_INT_MIN = -(2**63)
DB_INT_MAX = 2**63 - 1

# For API parameters and fields that are compared with database integers: outside the range is a 422.
DbInt = Annotated[int, Field(ge=DB_INT_MIN, le=DB_INT_MAX)]


def int_param(value) -> int | None:
    """`value` as an int when it is one the database can hold, else None (a filter then filters nothing)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if DB_INT_MIN <= number <= DB_INT_MAX else None


def int_list_param(values) -> list[int]:
    """The values that int_param accepts, in order; the others are dropped."""
    return [number for number in (int_param(v) for v in values) if number is not None]


def querystring(params, drop=("page",)) -> str:
    """The GET parameters `params` minus `drop` and empty values, urlencoded: for pagination, sort and CSV links."""
    return urlencode([(k, v) for k, v in params.items() if k not in drop and v])
