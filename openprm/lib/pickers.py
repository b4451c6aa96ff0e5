"""Searchable pickers: one widget for choosing a partner, a user, a product, a territory or a time zone.

A picker is a text input tied to a `<datalist>`, so the browser offers matches as the user types. Short, fixed
lists (time zones, territories) are written into the datalist; long or scoped ones (partners, users, products)
are filled by htmx from a search endpoint of their app, which answers at most `MAX_MATCHES` options out of what
the user may see (`for_user`) — never a `<select>` of every partner. A picked object reads "Name (#id)";
`picked_id` turns that (or a bare id) back into the id.
"""

import re
from collections.abc import Callable, Iterable
from urllib.parse import urlencode

from django import forms
from django.http import HttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from .params import int_param

MAX_MATCHES = 20
_ID_AT_END = re.compile(r"\(#(\d{1,19})\)\s*$")


def option_text(name: str, pk: int) -> str:
    """How a picked object reads in its input: `Acme Systems (#12)`."""
    return f"{name} (#{pk})"


def picked_id(value) -> int | None:
    """The id in a picker's value: `Acme Systems (#12)` or `12` → 12; anything else → None."""
    text = str(value or "").strip()
    match = _ID_AT_END.search(text)
    return int_param(match.group(1) if match else text)


def search_text(request) -> str:
    """What the user typed: the picker sends its own value under its field's name (`field` names it)."""
    return (request.GET.get(request.GET.get("field") or "q") or request.GET.get("q") or "").strip()[:100]


def search_terms(request) -> tuple[str, str]:
    """(what stays, what to search) of a picker's value. A multi-value picker (`multi=1`: a comma list such as
    products or territories) searches the last entry and keeps the ones before it, so each suggestion is the
    whole list with that entry completed — no script needed."""
    text = search_text(request)
    if request.GET.get("multi") != "1" or "," not in text:
        return "", text
    done, _, last = text.rpartition(",")
    kept = ", ".join(part.strip() for part in done.split(",") if part.strip())
    return (kept + ", " if kept else ""), last.strip()


def options_response(values: Iterable[str], prefix: str = "") -> HttpResponse:
    """The datalist's options for a search endpoint: at most MAX_MATCHES, escaped; `prefix` (a multi-value
    picker's earlier entries) before each."""
    values = list(values)[:MAX_MATCHES]
    return HttpResponse(format_html_join("", '<option value="{}"></option>', ((prefix + v,) for v in values)))


class Picker(forms.TextInput):
    """A text input with a datalist: `options` (pairs or values, or a callable giving them) are written into the
    page; `search` (a URL name) fills the datalist from that endpoint as the user types."""

    def __init__(self, *, options: Iterable | Callable[[], Iterable] | None = None, search: str = "",
                 search_params: dict | None = None, multiple: bool = False, attrs: dict | None = None):
        super().__init__(attrs)
        self.options = options
        self.search = search
        # A comma list (several products or territories): the endpoint completes the last entry.
        self.search_params = {**(search_params or {}), **({"multi": "1"} if multiple else {})}

    def _options(self) -> list[str]:
        options = self.options() if callable(self.options) else (self.options or [])
        return [option[0] if isinstance(option, (tuple, list)) else option for option in options]

    def render(self, name, value, attrs=None, renderer=None):
        attrs = dict(attrs or {})
        list_id = f"{attrs.get('id') or 'id_' + name}-options"
        attrs.update({"list": list_id, "autocomplete": "off"})
        if self.search:
            query = urlencode({**self.search_params, "field": name})
            attrs.update({"hx-get": f"{reverse(self.search)}?{query}", "hx-target": f"#{list_id}",
                          "hx-trigger": "input changed delay:250ms, focus once", "hx-swap": "innerHTML"})
        field = super().render(name, value, attrs, renderer)
        options = format_html_join("", '<option value="{}"></option>', ((v,) for v in self._options()))
        return format_html('{}<datalist id="{}">{}</datalist>', field, list_id, options)


class PickedIdField(forms.CharField):
    """A picker's value read as an object id (`Name (#id)` or the bare id); the form checks it exists and is
    visible to the user (e.g. with `for_user`) in its own `clean_<field>`."""

    default_error_messages = {"invalid": "Choose one of the suggestions."}

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        pk = picked_id(text)
        if pk is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return pk


class PickerChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField chosen through a Picker searching `search` (a URL name): the input shows
    `Name (#id)`, and the field's queryset (scoped by the form with `for_user`) still decides which ids are
    valid, so a typed id of an object the user may not see is refused like any unknown one."""

    def __init__(self, queryset, *, search: str, search_params: dict | None = None, **kwargs):
        kwargs.setdefault("widget", Picker(search=search, search_params=search_params))
        kwargs.setdefault("empty_label", None)
        super().__init__(queryset, **kwargs)

    def prepare_value(self, value):
        if hasattr(value, "pk"):
            return option_text(self.label_from_instance(value), value.pk)
        pk = picked_id(value) if value not in self.empty_values else None
        found = self.queryset.filter(pk=pk).first() if pk is not None else None
        return option_text(self.label_from_instance(found), found.pk) if found else (value or "")

    def to_python(self, value):
        if value in self.empty_values:
            return None
        pk = picked_id(value)
        if pk is None:
            raise forms.ValidationError("Choose one of the suggestions.", code="invalid_choice")
        return super().to_python(pk)


def picked_text(queryset, value) -> str:
    """A filter's picker text: `Name (#id)` when `value` picks an object of `queryset` (scoped by the caller),
    else what was typed."""
    pk = picked_id(value)
    found = queryset.filter(pk=pk).first() if pk is not None else None
    return option_text(str(found), found.pk) if found else str(value or "")
