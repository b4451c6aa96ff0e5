"""Bulk actions on list pages: the same service call for each selected row.

Staff who handle many rows at once (the deal review queue, the commission ledger, the partner list) tick rows and
pick one action. Each row still goes through its service — so its rules, its audit event and its notifications
are exactly those of the row's own button — and each runs in its own transaction, so one refusal does not undo
the others. The flash messages say how many were done and which rows were not, and why.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect

from .errors import DomainError
from .pages import error_text, safe_next
from .params import int_list_param

# One request handles at most this many rows: a page shows far fewer, and a bigger job belongs in a task.
MAX_ROWS = 500
# How many failed rows the flash message names; the rest are counted.
NAMED_FAILURES = 10
FIELD = "ids"


@dataclass
class BulkOutcome:
    """What a bulk run did: the labels of the rows done, and (label, why) of those refused."""

    done: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def selected_ids(request) -> list[int]:
    """The row ids ticked in the POST (`ids`), numbers only, each once, in the order given."""
    return list(dict.fromkeys(int_list_param(request.POST.getlist(FIELD))))


def run_each(objects: Iterable, call: Callable[[Any], Any], *, label: Callable[[Any], str]) -> BulkOutcome:
    """`call(obj)` for each object in a transaction of its own; a domain refusal is kept with the row's label
    and the run goes on with the next row."""
    outcome = BulkOutcome()
    for obj in objects:
        try:
            with transaction.atomic():
                call(obj)
        except DomainError as exc:
            outcome.failed.append((label(obj), error_text(exc)))
        else:
            outcome.done.append(label(obj))
    return outcome


def failure_text(failed: list[tuple[str, str]]) -> str:
    """'2 not done: #4 Initech: already approved. #9 Hooli: …' naming the first few refused rows."""
    named = " ".join(f"{label}: {why}" for label, why in failed[:NAMED_FAILURES])
    more = len(failed) - NAMED_FAILURES
    return f"{len(failed)} not done: {named}" + (f" …and {more} more." if more > 0 else "")


def bulk_action(request, *, queryset, call: Callable[[Any], Any], label: Callable[[Any], str],
                done: Callable[[int], str], redirect_to: str, form=None) -> HttpResponse:
    """Answer a list page's bulk POST: validate `form` (its errors flashed, nothing done), load the ticked ids
    through `queryset` (the caller scopes it with `for_user`, so rows the user may not see are simply "not
    found"), run `call` on each through `run_each`, flash `done(count)` and the failures, and go back to the
    list (a safe `next`, else `redirect_to`)."""
    back = redirect(safe_next(request, redirect_to))
    if form is not None and not form.is_valid():
        for field_messages in form.errors.values():
            for message in field_messages:
                messages.error(request, message)
        return back
    ids = selected_ids(request)
    if not ids:
        messages.error(request, "Select at least one row first.")
        return back
    if len(ids) > MAX_ROWS:
        messages.error(request, f"Select at most {MAX_ROWS} rows at a time; {len(ids)} were selected.")
        return back
    found = {obj.pk: obj for obj in queryset.filter(pk__in=ids)}
    outcome = run_each((found[pk] for pk in ids if pk in found), call, label=label)
    outcome.failed += [(f"#{pk}", "not found") for pk in ids if pk not in found]
    if outcome.done:
        messages.success(request, done(len(outcome.done)))
    if outcome.failed:
        messages.error(request, failure_text(outcome.failed))
    return back
