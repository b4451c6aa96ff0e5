"""Template filters loaded on every template (settings TEMPLATES "builtins"): one way to write money, counts and
articles on every page (`lib.formatting`).

    {{ line.amount|money:line.currency }}       318,083.00 USD
    {{ changes|length|plural:"tier change" }}   1 tier change / 2 tier changes
    {{ partner_type|article }}                  an OEM partner
    {{ tier.top_percent|decimal }}              10 (never 1E+1)
    {{ agreement.starts_on|day }}               4 Dec 2026 (Dec 4, 2026 in the US)
    {{ event.created_at|moment }}               4 Dec 2026, 15:05
    {{ kind_label|in_sentence|article }}        a reseller / an OEM
    {{ agreement.ip_terms|paragraphs }}         <p>…</p> per paragraph, editor line wraps joined
"""

import re

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from . import formatting
from .money import plain_decimal

register = template.Library()


@register.filter
def money(value, currency):
    """`{{ amount|money:currency }}`: grouped, the currency's decimals, its code."""
    return formatting.money(value, currency)


@register.filter
def decimal(value):
    """`{{ tier.top_percent|decimal }}`: a rate or percentage without trailing zeros and never in exponent
    notation (`Decimal("10.00").normalize()` prints "1E+1"): 10.00 → 10, 12.50 → 12.5."""
    if value is None or value == "":
        return ""
    try:
        return plain_decimal(value)
    except (ArithmeticError, ValueError, TypeError):
        return value


@register.filter
def plural(count, words: str):
    """`{{ n|plural:"tier change" }}` or `{{ n|plural:"reply,replies" }}` → "1 tier change", "2 replies"."""
    singular, _, plural_form = str(words).partition(",")
    try:
        number = int(count)
    except (TypeError, ValueError):
        number = len(count) if hasattr(count, "__len__") else 0
    return formatting.plural(number, singular, plural_form or None)


@register.filter
def in_sentence(text):
    """`{{ kind_label|in_sentence }}`: "Reseller" → "reseller", "OEM" stays "OEM" (never `|lower`)."""
    return formatting.in_sentence(str(text))


@register.filter(expects_localtime=True)
def day(value):
    """`{{ registration.protected_until|day }}`: "4 Dec 2026", or "Dec 4, 2026" for a reader in the US."""
    return formatting.day(value)


@register.filter(expects_localtime=True)
def moment(value):
    """`{{ event.created_at|moment }}`: "4 Dec 2026, 15:05" in the reader's zone (named once per page)."""
    return formatting.moment(value)


@register.filter
def article(phrase):
    """`{{ "OEM partner"|article }}` → "an OEM partner"."""
    return formatting.article(str(phrase))


_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s")


def _is_heading(line: str) -> bool:
    """A numbered clause title ("2. Support"): short, numbered, not ending like a sentence that wraps on."""
    return bool(_LIST_ITEM.match(line)) and len(line) <= 40 and not line.endswith((".", ",", ";", ":"))


@register.filter(needs_autoescape=True)
def paragraphs(text, autoescape=True):
    """`{{ clause|paragraphs }}`: legal text as paragraphs that wrap to the page. Blank lines separate paragraphs;
    a single line break inside one is only where the author's editor wrapped, so it becomes a space (Django's
    `linebreaks` would keep it as a hard break mid-sentence), unless the next line starts a list item or the line
    is a numbered clause title."""
    if not text:
        return ""
    esc = conditional_escape if autoescape else (lambda value: value)
    blocks = []
    for block in re.split(r"\n\s*\n", str(text).replace("\r\n", "\n").strip()):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        html = ""
        for index, line in enumerate(lines):
            if index:
                html += "<br>" if _LIST_ITEM.match(line) or _is_heading(lines[index - 1]) else " "
            html += str(esc(line))
        blocks.append(f"<p>{html}</p>")
    return mark_safe("\n".join(blocks))  # every piece of text above went through conditional_escape
