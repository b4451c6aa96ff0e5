"""Navigation entries for the console sidebar and the portal tabs (each side lists its own in navigation.py)."""

from dataclasses import dataclass
from fnmatch import fnmatchcase

from django.urls import reverse


def everyone(user) -> bool:
    return True


@dataclass(frozen=True)
class Link:
    """One entry: `url` is a URL name ("namespace:name") or a path; `matches` are the URL names (shell-style
    patterns) whose pages highlight it, by default `url` itself; `visible(user)` says who sees it; `anchor` a
    part of the page to jump to."""

    label: str
    url: str
    matches: tuple[str, ...] = ()
    visible: object = everyone
    anchor: str = ""

    @property
    def href(self) -> str:
        path = self.url if self.url.startswith("/") else reverse(self.url)
        return f"{path}#{self.anchor}" if self.anchor else path

    def is_active(self, current: str) -> bool:
        return any(fnmatchcase(current, pattern) for pattern in self.matches or (self.url,))


def current_name(request) -> str:
    """The page's "namespace:url_name", which `Link.matches` patterns are compared with."""
    match = getattr(request, "resolver_match", None)
    return f"{match.namespace}:{match.url_name}" if match else ""


def shown(links, user, current: str) -> list[dict]:
    """The links `user` may see, as template data: label, href, active."""
    return [{"label": link.label, "href": link.href, "active": link.is_active(current)}
            for link in links if link.visible(user)]
