"""Text normalisation shared by matching and search."""

import re
from urllib.parse import urlsplit


def normalize_domain(value: str) -> str:
    """`https://www.Acme.com/about` → `acme.com`: lower-case, no scheme, no `www.`, no path or port."""
    value = (value or "").strip().lower()
    if not value:
        return ""
    if "@" in value and "/" not in value:
        value = value.rsplit("@", 1)[1]
    if "//" not in value:
        value = "//" + value
    host = urlsplit(value).hostname or ""
    host = host.rstrip(".")
    return host[4:] if host.startswith("www.") else host


_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def is_valid_domain(value: str) -> bool:
    """True for a plausible registrable host name such as `acme.co.uk`."""
    return bool(_DOMAIN_RE.match(value or ""))
