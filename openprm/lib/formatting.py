"""How the product writes numbers and words for people, the same way on every page, e-mail and message.

- money: grouped, at the currency's decimals, with its code (`318,083.00 USD`, `1,250 JPY`) — `lib.money`'s rule;
- counts: `plural(1, "tier change")` → "1 tier change", `plural(2, "tier change")` → "2 tier changes";
- articles: `article("OEM partner")` → "an OEM partner", `article("reseller")` → "a reseller";
- labels inside a sentence: `in_sentence("Reseller")` → "reseller", `in_sentence("OEM")` → "OEM";
- dates in the reader's locale: `day(d)` → "4 Dec 2026", or "Dec 4, 2026" for a reader in the United States
  (from the browser's Accept-Language, set per request by the accounts middleware); `moment(dt)` adds the time
  in the reader's time zone, which each page names once (templates/includes/time_zone_note.html).

The template filters of the same names are in `openprm/lib/templatetags.py`, loaded on every template.
"""

import re
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils import dateformat, timezone

from .money import format_money

# Words that start with a vowel letter but a consonant sound, and the reverse (silent h), lower-case.
_CONSONANT_SOUND = ("uni", "use", "usa", "user", "euro", "one", "once", "ubiq", "util", "u.s.", "ukr", "uk ")
_VOWEL_SOUND = ("hour", "honest", "honor", "honour", "heir")
# Letters whose name starts with a vowel sound, for acronyms read letter by letter ("an MDF fund", "an SLA").
_VOWEL_LETTERS = set("AEFHILMNORSX")
# Acronyms said as a word, not letter by letter ("a SPIFF", "a VAR").
_SAID_AS_WORDS = {"SPIFF", "SPIF", "VAR", "VARS", "NATO", "SAAS"}


def in_sentence(text: str) -> str:
    """A label inside a sentence: "Reseller" → "reseller", "Co-marketing" → "co-marketing"; an acronym or a
    name in capitals stays ("OEM / white-label", "SPIFF")."""
    text = text or ""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def money(value, currency: str) -> str:
    """`318083.000`, "USD" → "318,083.00 USD". An empty value reads "—"; a value that is not a number is
    shown as given rather than failing the page."""
    if value is None or value == "":
        return "—"
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return format_money(amount, currency or "") if currency else f"{amount:,}"


def plural(count, singular: str, plural_form: str | None = None) -> str:
    """ "1 tier change", "2 tier changes", "0 partners"; irregular plurals are given ("1 reply", "2 replies")."""
    word = singular if count == 1 else (plural_form or _regular_plural(singular))
    return f"{count:,} {word}" if isinstance(count, int) else f"{count} {word}"


def _regular_plural(singular: str) -> str:
    head, _, last = singular.rpartition(" ")
    if re.search(r"[^aeiou]y$", last):
        last = last[:-1] + "ies"
    elif re.search(r"(s|x|z|ch|sh)$", last):
        last += "es"
    else:
        last += "s"
    return f"{head} {last}" if head else last


def article(phrase: str) -> str:
    """ "an OEM partner", "a reseller", "an hour", "a user", "an MDF request": the indefinite article by sound."""
    text = (phrase or "").strip()
    if not text:
        return text
    return f"{indefinite_article(text)} {text}"


def indefinite_article(phrase: str) -> str:
    """ "a" or "an" for `phrase`, by how its first word sounds."""
    first = phrase.strip().split()[0] if phrase.strip() else ""
    if not first:
        return "a"
    word = re.sub(r"[^\w.]", "", first)
    if word in _SAID_AS_WORDS:
        return "an" if word[0] in "AEIOU" else "a"
    if len(word) > 1 and word.isupper() and word.isalpha():  # an acronym read letter by letter: OEM, MDF, SLA
        return "an" if word[0] in _VOWEL_LETTERS else "a"
    lower = word.lower()
    if lower.startswith(_VOWEL_SOUND):
        return "an"
    if lower.startswith(_CONSONANT_SOUND):
        return "a"
    if word[:1].isdigit():
        return "an" if re.match(r"^(8|11|18)(\D|$)|^8\d", word) else "a"
    return "an" if lower[:1] in "aeiou" else "a"


# How dates are written: day first (most of the world, the product's default) or month first.
DATE_STYLES = {
    "dmy": {"day": "j M Y", "moment": "j M Y, H:i"},
    "mdy": {"day": "M j, Y", "moment": "M j, Y, g:i A"},
}
# Regions whose readers write the month first (United States and the places that follow its usage).
MONTH_FIRST_REGIONS = {"US", "PH", "FM", "MH", "PW", "AS", "GU", "MP", "PR", "UM", "VI"}
_date_style: ContextVar[str] = ContextVar("date_style", default="dmy")


def date_style_for(accept_language: str) -> str:
    """The date style of the reader's first language in an Accept-Language header ("en-US,en;q=0.9" → "mdy")."""
    first = (accept_language or "").split(",")[0].split(";")[0].strip()
    region = first.replace("_", "-").split("-")[1] if "-" in first.replace("_", "-") else ""
    return "mdy" if region.upper() in MONTH_FIRST_REGIONS else "dmy"


def use_date_style(style: str):
    """Write dates in `style` for the rest of this request (returns a token for `reset_date_style`)."""
    return _date_style.set(style if style in DATE_STYLES else "dmy")


def reset_date_style(token) -> None:
    _date_style.reset(token)


def day(value) -> str:
    """A date (or the local date of a datetime) in the reader's style: "4 Dec 2026" / "Dec 4, 2026"."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    if not isinstance(value, (date, datetime)):
        return str(value)
    return dateformat.format(value, DATE_STYLES[_date_style.get()]["day"])


def moment(value) -> str:
    """A datetime in the reader's time zone and style: "4 Dec 2026, 15:05" / "Dec 4, 2026, 3:05 PM"."""
    if value in (None, ""):
        return ""
    if not isinstance(value, datetime):
        return day(value)
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, DATE_STYLES[_date_style.get()]["moment"])
