"""One shape for a page that changes something: POST → form → service → flash → redirect.

Every console and portal page that runs a service call goes through `page_action`, so a domain refusal is
mapped the same way on every page: `NotAllowed` → the 403 page, field errors onto the form (the page is
shown again), anything else as a flash message; success flashes and redirects to a safe `next` or the
page's own URL. `safe_next` is the one guard against open redirects.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from .errors import DomainError, NotAllowed
from .forms import apply_domain_error


def safe_next(request, fallback: str) -> str:
    """The `next` of the request (POST, then GET) when it stays on this site, else `fallback`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


def page_action(request, call: Callable[..., Any], *, redirect_to: str | Callable[[Any], str],
                success: str | tuple[int, str] | Callable[[Any], str | tuple[int, str]] = "", form=None,
                show_form: Callable[[Any], HttpResponse] | None = None,
                refusal: Callable[[DomainError], str] | None = None,
                on_refusal: Callable[[DomainError], HttpResponse | None] | None = None) -> HttpResponse:
    """Run one service call for a page and answer it.

    `call` receives the form's `cleaned_data` when a form is given, else nothing. An invalid form, or a
    refusal naming fields of it, shows the page again through `show_form(form)`; without `show_form` the
    messages are flashed instead. A refusal shown on the form is also kept as `form.refusal`, for pages that
    show more than its messages (a link to the duplicate it names); a form whose fields are named differently
    from the service's places it itself through its `apply_error(exc)`.
    `redirect_to` and `success` may be callables of the call's result (`redirect_to` gets None after a
    refusal). `success` is flashed as a success, or at the level it names as a `(level, text)` pair (e.g.
    `messages.WARNING`). `refusal` words a flashed refusal (default `error_text`), e.g. to name the object a
    list's row action was for. `on_refusal(exc)` lets a page answer a refusal its own way (a public form
    answering 429 with the message on the form, say); when it returns None the usual mapping applies.
    `NotAllowed` is always the 403 page.
    """
    if form is not None and not form.is_valid():
        if show_form is not None:
            return show_form(form)
        for field_messages in form.errors.values():
            for message in field_messages:
                messages.error(request, message)
        return redirect(safe_next(request, _resolve(redirect_to, None)))
    try:
        result = call(form.cleaned_data) if form is not None else call()
    except NotAllowed as exc:
        # The page's own role checks normally stop this earlier; a rule of the domain may still refuse.
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        answer = on_refusal(exc) if on_refusal is not None else None
        if answer is not None:
            return answer
        if form is not None and show_form is not None and exc.errors:
            place_on_form(form, exc)
            return show_form(form)
        messages.error(request, (refusal or error_text)(exc))
        return redirect(safe_next(request, _resolve(redirect_to, None)))
    text = _resolve(success, result)
    level, text = text if isinstance(text, tuple) else (messages.SUCCESS, text)
    if text:
        messages.add_message(request, level, text)
    return redirect(safe_next(request, _resolve(redirect_to, result)))


def place_on_form(form, exc: DomainError) -> None:
    """Put a refusal on the form (through the form's own `apply_error` when it has one) and keep it as
    `form.refusal`."""
    if callable(getattr(form, "apply_error", None)):
        form.apply_error(exc)
    else:
        apply_domain_error(form, exc)
    form.refusal = exc


def refusal_on_form(form, show_form: Callable[[Any], HttpResponse]) -> Callable[[DomainError], HttpResponse]:
    """An `on_refusal` for form pages: every refusal lands on the form and the page is shown again, so
    nothing the user typed is lost (field messages on their fields, the rest above the form)."""
    def answer(exc: DomainError) -> HttpResponse:
        place_on_form(form, exc)
        return show_form(form)
    return answer


def error_text(exc: DomainError) -> str:
    """A refusal as one sentence for a flash message: its message and any field messages that add to it."""
    details = [m for field_messages in exc.errors.values() for m in field_messages if m != exc.message]
    return " ".join([exc.message, *details])


def _resolve(value, result):
    return value(result) if callable(value) else value


def form_page(request, *, form_class, instance, template: str, context: dict, call: Callable[[dict], Any],
              success: str) -> HttpResponse:
    """A page of one form that edits `instance` (a settings page): GET shows it; POST runs `call(cleaned_data)`
    through `page_action`, showing the page again with the errors by their fields, or redirecting to itself."""
    def show(form):
        return render(request, template, {**context, "form": form})

    if request.method != "POST":
        return show(form_class(instance=instance))
    return page_action(request, call, form=form_class(request.POST, instance=instance), show_form=show,
                       redirect_to=request.path, success=success)
