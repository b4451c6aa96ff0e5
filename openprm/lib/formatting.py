"""How the product writes numbers and words for people, the same way on every page, e-mail and message.

- money: grouped, at the currency's decimals, with its code (`318,083.00 USD`, `1,250 JPY`) — `lib.money`'s rule;
- counts: `plural(1, "tier change")` → "1 tier change", `plural(2, "tier change")` → "2 tier changes";
- articles: `article("OEM partner")` → "an OEM partner", `article("reseller")` → "a reseller";
- labels inside a sentence: `in_sentence("Reseller")` → "reseller", `in_sentence("OEM")` → "OEM".

The template filters of the same names are in `openprm/lib/templatetags.py`, loaded on every template.
"""

import re
from decimal import Decimal, InvalidOperation

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
