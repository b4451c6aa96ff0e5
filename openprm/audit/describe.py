"""Audit events as sentences: "Hannah Weiss approved payout #1 of 318,083.00 USD".

Every page that shows an audit event (the console home's activity, a partner's timeline, a registration's
history, the audit trail, the portal's history of a deal) reads it through `describe`, so none of them shows an
event code (`user.signed_in`), a stored raw value (`318083.000`) or a "(partner #17)" instead of a name.

The sentences live beside the code that records the events: each app keeps an `audit_sentences.py` that calls
`sentences({...})`. The audit app sits below the other apps and never imports them; it finds those modules by
name when Django starts (`AuditConfig.ready` → `autodiscover_modules`), the way the admin finds `admin.py`.
A code nobody registered still reads as a sentence (`_fallback`), so a new event never shows its code.

A sentence is a callable taking `Facts` and returning the words after the actor's name, or a format string
with these fields: `{object}` (what the event is about, as recorded), `{partner}` (the partner's name),
`{note}`, `{old[field]}` / `{new[field]}` (a change's values, made readable) and `{money[amount,currency]}`
(an amount from the changes with its currency: `{money[total,currency]}`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from openprm.lib import formatting
from openprm.lib.formatting import in_sentence
from openprm.lib.money import CURRENCIES, format_money

from .models import Action

# Events that are not activity: the console home's "Recent activity" leaves them out (they stay in the trail).
NOT_ACTIVITY = frozenset({"user.signed_in", "user.signed_out", "rate_limit.exceeded"})

SYSTEM_NAME = "The system"
PUBLIC_NAME = "A visitor"
CLI_NAME = "An operator (command line)"

Sentence = str | Callable[["Facts"], str]
_SENTENCES: dict[str, Sentence] = {}

# "(partner #17)", "partner #17": how some objects name their partner when they are recorded in bulk.
_PARTNER_REF = re.compile(r"\s*\(?\bpartner #\d+\)?", re.IGNORECASE)
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_DECIMAL = re.compile(r"^-?\d+\.\d+$|^-?\d+(\.\d+)?[eE][+-]?\d+$")


def sentences(mapping: dict[str, Sentence]) -> None:
    """Register the sentences of some event codes (called from an app's `audit_sentences.py`)."""
    _SENTENCES.update(mapping)


def registered() -> dict[str, Sentence]:
    """Every registered event code and its sentence (tests check that each one reads well)."""
    return dict(_SENTENCES)


def activity(events):
    """`events` without the ones that are not activity (sign-ins): for the home pages' activity feeds."""
    return events.exclude(verb__in=NOT_ACTIVITY)


def readable_value(value, field: str = "") -> str:
    """A stored change value as a person reads it: no exponent, no 3-decimal money, dates as dates."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(readable_value(v, field) for v in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{readable_field(k)} {readable_value(v)}" for k, v in value.items()) or "—"
    if isinstance(value, (int, Decimal, float)):
        return readable_number(value)
    text = str(value)
    if _DECIMAL.match(text):
        return readable_number(text)
    moment = _parse_moment(text) if ":" in text else None
    if moment is not None:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, timezone.utc)
        return formatting.moment(moment)
    day = _parse_day(text)
    if day is not None:
        return formatting.day(day)
    if _CODE.match(text) and "_" in text:
        return text.replace("_", " ")
    return text


def readable_number(value) -> str:
    """Grouped, never an exponent, cents kept but no third zero: 318083.000 → 318,083.00, 2500 → 2,500,
    0.031 → 0.031, 17 → 17."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return str(value)
    exponent = number.as_tuple().exponent
    if exponent >= 0 or number == number.to_integral_value() and exponent < -2:
        # An integer, or a whole amount stored with extra zeros: cents only when it was written with them.
        return f"{number:,.2f}" if exponent < 0 else f"{number.to_integral_value():,f}"
    places = max(2, -number.normalize().as_tuple().exponent)
    return f"{number:,.{places}f}"


def readable_field(name: str) -> str:
    """`won_amount` → "won amount"; `partner_id` → "partner"."""
    return name.removesuffix("_id").replace("_", " ")


def _parse_moment(text: str) -> datetime | None:
    try:
        return parse_datetime(text)
    except ValueError:
        return None


def _parse_day(text: str) -> date | None:
    try:
        return parse_date(text)
    except ValueError:
        return None


class _Values:
    """`{old[field]}` / `{new[field]}` in a sentence: one side of the event's changes, readable."""

    def __init__(self, changes: dict, side: int):
        self.changes, self.side = changes, side

    def __getitem__(self, field: str) -> str:
        pair = self.changes.get(field)
        return readable_value(pair[self.side] if pair else None, field)


class _Money:
    """`{money[amount,currency]}`: an amount of the changes (after) with a currency field or a code."""

    def __init__(self, facts: Facts):
        self.facts = facts

    def __getitem__(self, key: str) -> str:
        amount_field, _, currency = key.partition(",")
        return self.facts.money(amount_field.strip(), currency.strip())


class Facts:
    """What a sentence may use of one event, already limited to what the viewer may read."""

    def __init__(self, event, *, actor: str, changes: dict, note: str, partner_name: str):
        self.event = event
        self.actor = actor
        self.changes = changes or {}
        self.note = note or ""
        self.partner = partner_name
        self.object = clean_object(event.object_repr, partner_name)
        self.old, self.new = _Values(self.changes, 0), _Values(self.changes, 1)
        # The object inside a sentence: "approved the reseller agreement #3" (an "OEM agreement" stays as is).
        self.thing = _lower_first(self.object)

    def has(self, field: str) -> bool:
        """Whether the event records a value for `field` (after the change)."""
        pair = self.changes.get(field)
        return bool(pair) and pair[1] not in (None, "", [])

    def money(self, amount_field: str, currency: str) -> str:
        """The amount after the change with its currency (`currency` is a field name or an ISO code)."""
        pair = self.changes.get(amount_field)
        code = currency if currency in CURRENCIES else str((self.changes.get(currency) or [None, ""])[1] or "")
        if not pair or pair[1] in (None, ""):
            return ""
        try:
            amount = Decimal(str(pair[1]))
        except InvalidOperation:
            return readable_value(pair[1])
        return format_money(amount, code) if code in CURRENCIES else readable_number(amount)

    def format(self, template: str) -> str:
        return template.format_map({"object": self.object, "thing": self.thing, "partner": self.partner or "a partner",
                                    "note": self.note, "actor": self.actor, "old": self.old, "new": self.new,
                                    "money": _Money(self)})


def clean_object(text: str, partner_name: str) -> str:
    """The recorded object text made readable: a "(partner #17)" becomes the partner's name (or goes), and an
    amount recorded without grouping ("400000.00 USD", "12.500 EUR") is written as money ("400,000.00 USD")."""
    text = _MONEY_IN_TEXT.sub(_money_match, text or "")
    text = _DAY_IN_TEXT.sub(lambda m: _readable_day(m.group(0)), text)
    if not _PARTNER_REF.search(text):
        return text
    replacement = f" ({partner_name})" if partner_name else ""
    return _PARTNER_REF.sub(replacement, text).strip()


_MONEY_IN_TEXT = re.compile(r"(?<![\d,.])(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?) ([A-Z]{3})\b")


_DAY_IN_TEXT = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _readable_day(text: str) -> str:
    day = _parse_day(text)
    return formatting.day(day) if day else text


def _money_match(match) -> str:
    number = match.group(1)
    if match.group(2) not in CURRENCIES or number.lstrip("-").isdigit() and len(number.lstrip("-")) < 4:
        return match.group(0)  # "1 TWD" reads well as it is
    return format_money(Decimal(match.group(1)), match.group(2))


def _lower_first(text: str) -> str:
    """ "Reseller agreement #3" → "reseller agreement #3"; "OEM agreement" and "#12 Acme" stay."""
    return in_sentence(text)


def actor_name(event) -> str:
    """Who did it, as a name: the user's name, "The system" or "A visitor" (never an e-mail if a name is kept)."""
    if event.actor_id and event.actor is not None:
        return event.actor.display_name
    label = event.actor_label or ""
    if label in ("", "system"):
        return SYSTEM_NAME
    if label == "public":
        return PUBLIC_NAME
    if label == "cli":
        return CLI_NAME
    return label


def describe(event, *, actor: str | None = None, changes: dict | None = None, note: str | None = None,
             partner_name: str | None = None) -> str:
    """One event as a sentence. Pass what the viewer may read (`audit.scoping.as_seen_by` does) — the actor
    as shown, the changes and the note; the defaults are the event as recorded (vendor staff's view)."""
    if partner_name is None:
        partner_name = event.partner.name if event.partner_id and event.partner is not None else ""
    facts = Facts(event, actor=actor if actor is not None else actor_name(event),
                  changes=event.changes if changes is None else changes,
                  note=event.note if note is None else note, partner_name=partner_name)
    sentence = _SENTENCES.get(event.verb)
    try:
        words = sentence(facts) if callable(sentence) else facts.format(sentence) if sentence else None
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):
        words = None  # a sentence that does not fit an old event's values: read it the generic way
    if not words:
        words = _fallback(event, facts)
    return _capitalize(f"{facts.actor} {words}".strip())


_ACTION_WORDS = {Action.CREATE: "created", Action.UPDATE: "updated", Action.DELETE: "deleted",
                 Action.ACCESS: "opened"}


def _fallback(event, facts: Facts) -> str:
    """A readable sentence for a code no app registered: "Hannah Weiss updated payout details: Kangaroo"."""
    thing, _, what = (event.verb or "").partition(".")
    thing_words = (event.object_type.partition(".")[2] if not thing else thing).replace("_", " ") or "record"
    if event.action == Action.TRANSITION or event.action not in _ACTION_WORDS:
        what_words = what.replace("_", " ") or "changed"
        return f"changed {thing_words} {facts.object}: {what_words}".strip().rstrip(":")
    return f"{_ACTION_WORDS[event.action]} {thing_words} {facts.object}".strip()


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def describe_all(events: Iterable) -> list:
    """Set `sentence` on each event as vendor staff read it (the console's audit trail)."""
    shown = list(events)
    for event in shown:
        event.sentence = describe(event)
    return shown


def object_type_label(object_type: str) -> str:
    """`deals.registration` → "registration": the model's own name, never its code."""
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type.partition(".")[2].replace("_", " ") or object_type
