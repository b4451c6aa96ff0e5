"""Text normalisation shared by matching and search."""

import re
import unicodedata
from urllib.parse import urlsplit

DOMAIN_HINT = "Enter a domain such as example.com."


class InvalidDomain(ValueError):
    """The text is not a domain (`[x]`, `http://[::1`, `not a domain`); the message is meant for the user.

    A ValueError so that pydantic validators turn it into a field error by themselves.
    """

    def __init__(self, message: str = DOMAIN_HINT):
        super().__init__(message)
        self.message = message


def fold_person_name(value: str) -> str:
    """A person's name for comparing, not showing: accents removed, case-folded, whitespace collapsed
    (`  José  ÁLVAREZ ` and `jose alvarez` are the same name)."""
    text = unicodedata.normalize("NFKD", value or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(text.split())


def normalize_domain(value: str) -> str:
    """`https://www.Acme.com/about` → `acme.com`: lower-case, no scheme, no `www.`, no path or port.

    Raises InvalidDomain when the text cannot be parsed at all: urlsplit raises a bare ValueError for
    brackets that are not an IPv6 address, which used to surface as a 500 wherever a domain was typed.
    """
    value = (value or "").strip().lower()
    if not value:
        return ""
    if "@" in value and "/" not in value:
        value = value.rsplit("@", 1)[1]
    if "//" not in value:
        value = "//" + value
    try:
        host = urlsplit(value).hostname or ""
    except ValueError as exc:
        raise InvalidDomain() from exc
    host = host.rstrip(".")
    return host[4:] if host.startswith("www.") else host


_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def is_valid_domain(value: str) -> bool:
    """True for a plausible registrable host name such as `acme.co.uk`."""
    return bool(_DOMAIN_RE.match(value or ""))


def parse_domain(value: str) -> str:
    """The one parser for a domain typed by someone: normalized (see normalize_domain), `""` when empty.

    Raises InvalidDomain when the text is unparsable or not a plausible host name, so every caller (services,
    forms, schemas, CSV rows) reports it on its own field instead of answering a 500.
    """
    domain = normalize_domain(value)
    if (value or "").strip() and not is_valid_domain(domain):
        raise InvalidDomain()  # including text with no host at all (`::1`, `http://`): not silently ""
    return domain
