"""Repeating a request that moves money must not move it twice.

- API: money endpoints carry `@idempotent` (under their `@router.post`). A request with an
  `Idempotency-Key` header runs once per user and key; a retry with the same body gets the first answer
  again (header `Idempotent-Replayed: true`), with another body a 422.
- Pages: forms that move money inherit `OneTimeTokenForm`; the view calls `spend_form_token` in the
  transaction of its write, so a second submit of the same rendered form is refused with a form error.
"""

import hashlib
import secrets
from functools import wraps

from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from ninja.decorators import decorate_view

from openprm.accounts.services import authenticate_token
from openprm.lib.errors import Conflict, ValidationFailed

from .models import IdempotentRequest, UsedFormToken

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
FORM_TOKEN_SALT = "openprm.idempotency.form-token"


def _caller(request):
    """The user the API will authenticate (bearer token, else the signed-in session), or None.

    Operation decorators run before ninja's authentication, so the key is bound to the same user here.
    """
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return authenticate_token(header[7:].strip())
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated and user.is_active else None


def _fingerprint(request) -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(request.body)
    return digest.hexdigest()


def _refusal(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code, "errors": {HEADER: [detail]}}, status=status)


def _replay(record: IdempotentRequest, fingerprint: str):
    if record.fingerprint != fingerprint:
        return _refusal(422, "idempotency_key_reused",
                        "This Idempotency-Key was already used for a different request; use a new key.")
    response = HttpResponse(record.body, status=record.status, content_type=record.content_type or None)
    response["Idempotent-Replayed"] = "true"
    return response


def _run_once(run):
    """Wrap ninja's Operation.run: with a key, record the request, run it and keep its answer, atomically."""

    @wraps(run)
    def wrapper(request, *args, **kwargs):
        key = request.headers.get(HEADER)
        user = _caller(request) if key is not None else None
        if user is None:  # no key (the services' duplicate rules still apply), or not signed in (401)
            return run(request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            return _refusal(422, "validation_error", f"Give a key of 1 to {MAX_KEY_LENGTH} characters.")
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotentRequest.objects.create(user=user, key=key, method=request.method,
                                                              path=request.path, fingerprint=fingerprint)
            except IntegrityError:
                # A retry: the first request has committed (a concurrent one waited for it on the unique key).
                return _replay(IdempotentRequest.objects.get(user=user, key=key), fingerprint)
            response = run(request, *args, **kwargs)
            if response.status_code >= 500 or getattr(response, "streaming", False):
                transaction.set_rollback(True)  # nothing to replay: the key stays free for a retry
                return response
            record.status, record.content_type = response.status_code, response.get("Content-Type", "")
            record.body = response.content.decode(response.charset or "utf-8")
            record.save(update_fields=["status", "content_type", "body"])
            return response

    return wrapper


def idempotent(func):
    """Make an API endpoint honour `Idempotency-Key` (put it under the `@router.post`/`put` decorator)."""
    return decorate_view(_run_once)(func)


# ---------------------------------------------------------------- one-time form tokens

class FormAlreadySubmitted(Conflict):
    """The same rendered form was submitted twice (a double click, a reload): the first submit counted."""

    code = "form_already_submitted"


def issue_form_token() -> str:
    """A fresh, signed one-time token for a form being rendered."""
    return signing.dumps(secrets.token_hex(16), salt=FORM_TOKEN_SALT)


@transaction.atomic
def spend_form_token(*, actor, token: str, path: str) -> None:
    """Spend a form's one-time token; call it in the transaction of the write it guards, before the write.

    A second submit of the same form (even at the same moment: the unique nonce makes it wait for the
    first) raises FormAlreadySubmitted; a token that was not issued here raises ValidationFailed.
    """
    try:
        nonce = signing.loads(token or "", salt=FORM_TOKEN_SALT)
    except signing.BadSignature:
        message = "The form has expired; reload the page and submit it again."
        raise ValidationFailed(message, errors={"__all__": [message]}) from None
    try:
        with transaction.atomic():
            UsedFormToken.objects.create(nonce=nonce, user=actor, path=path)
    except IntegrityError:
        raise FormAlreadySubmitted(
            "This form was already submitted; it was not booked a second time. Reload the page to start anew.",
            errors={"__all__": ["This form was already submitted; it was not booked a second time."]}) from None
