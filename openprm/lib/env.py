"""Reading configuration from environment variables with explicit types."""

import os

TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    """The variable's value, or `default` when it is unset."""
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    """A yes/no variable; anything unrecognised is an error rather than a silent default."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise ValueError(f"{name} must be one of {sorted(TRUE_VALUES | FALSE_VALUES)}, not {raw!r}")


def env_int(name: str, default: int) -> int:
    """An integer variable."""
    raw = os.environ.get(name)
    return default if raw in (None, "") else int(raw)


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    """A comma-separated list; blanks are dropped."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_site_url() -> str:
    """The address people reach the site at, for links in e-mails: no trailing slash.

    `OPENPRM_SITE_URL` (or the older `SITE_URL`) when set; otherwise the local server on `PORT` (8000 by
    default), which is what `make demo` serves, so `PORT=8080 make demo` sends links that open.
    """
    configured = env_str("OPENPRM_SITE_URL") or env_str("SITE_URL")
    if configured:
        return configured.strip().rstrip("/")
    return f"http://127.0.0.1:{env_int('PORT', 8000)}"
