"""Answers for requests refused before any view runs, decided in one place for pages and the API.

A body over DATA_UPLOAD_MAX_MEMORY_SIZE (or with more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS) makes
Django raise a SuspiciousOperation when the body is first read — by a view, a form, the CSRF check or the
API's parser. Django then answers a bare 400 page; here it becomes what it is: 413, as JSON for the API
and as a page that says what happened for people.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults

TOO_BIG = (RequestDataTooBig, TooManyFieldsSent)


def too_big_message() -> str:
    """What the person or client is told: the limit in megabytes, so they know how much to cut."""
    megabytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
    return (f"The request is too large: this server accepts at most {megabytes:g} MB of form or JSON data "
            f"(and {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields) at once.")


def too_big_json() -> JsonResponse:
    """The API's 413, in the API's error shape."""
    return JsonResponse({"detail": too_big_message(), "code": "too_large", "errors": {}}, status=413)


def bad_request(request, exception=None):
    """handler400: a too-large body is a 413 (JSON under /api/, else a page); anything else stays Django's 400."""
    if isinstance(exception, TOO_BIG):
        if request.path.startswith("/api/"):
            return too_big_json()
        return render(request, "413.html", {"message": too_big_message()}, status=413)
    return defaults.bad_request(request, exception)
