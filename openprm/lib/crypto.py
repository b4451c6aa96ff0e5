"""Sensitive values encrypted at rest (Fernet: AES-128-CBC with an HMAC), and shown masked.

The key is derived from `settings.FIELD_ENCRYPTION_KEY` (SECRET_KEY unless set). Only the services that own a
sensitive column call `encrypt`/`decrypt`; pages and the API show `mask(...)`, and audit events record that a
field changed, never its value.
"""

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


@lru_cache(maxsize=4)
def _fernet(secret: str) -> Fernet:
    # Fernet wants 32 url-safe base64 bytes; a SHA-256 of the configured secret gives them for any secret.
    digest = hashlib.sha256(("openprm.lib.crypto:" + secret).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(value: str) -> str:
    """`value` encrypted as text for a database column; an empty value stays empty."""
    if not value:
        return ""
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    """The clear text of `encrypt(...)`; ValueError when the key changed or the text was not encrypted by it."""
    if not token:
        return ""
    try:
        return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("the value cannot be decrypted with the configured key") from None


def mask(value: str, visible: int = 4) -> str:
    """`value` with all but its last `visible` characters hidden ("•••• 1234"); empty stays empty."""
    if not value:
        return ""
    return "•••• " + value[-visible:]
