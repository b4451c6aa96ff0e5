"""How the accounts app's audit events read (see `openprm.audit.describe`)."""

from openprm.audit.describe import sentences

from .models import Role


def _role(facts) -> str:
    """The role as people call it ("partner sales rep"), not its code."""
    code = (facts.changes.get("role") or [None, ""])[1]
    return str(Role(code).label).lower() if code in Role.values else facts.new["role"]


def _password(words: str, own_words: str):
    def sentence(facts) -> str:
        return own_words if facts.object == facts.actor else words.format(object=facts.object)
    return sentence


def _user_updated(facts) -> str:
    """Deactivation and reactivation say so; other edits name the fields that changed."""
    active = facts.changes.get("is_active")
    if active and active[1] is False:
        return f"deactivated the account of {facts.object}"
    if active and active[1] is True:
        return f"reactivated the account of {facts.object}"
    if "role" in facts.changes:
        return f"changed the role of {facts.object} to {_role(facts)}"
    return f"updated the account of {facts.object}"


def _user_created(facts) -> str:
    if facts.has("role"):
        return f"added {facts.object} as {_role(facts)}"
    return f"added {facts.object}"


def _invitation(words: str):
    """An invitation reads by its address: "sent an invitation to ann@acme.test"."""
    def sentence(facts) -> str:
        return words.format(address=facts.object.removeprefix("Invitation for ").strip())
    return sentence


sentences({
    "user.created": _user_created,
    "user.updated": _user_updated,
    "user.signed_in": "signed in",
    "user.locked_out": "locked the account of {object} after too many failed sign-ins",
    "user.password_changed": _password("changed the password of {object}", "changed their password"),
    "user.password_reset": _password("reset the password of {object}", "reset their password"),
    "invitation.sent": _invitation("invited {address}"),
    "invitation.accepted": _invitation("accepted the invitation sent to {address}"),
    "invitation.revoked": _invitation("revoked the invitation of {address}"),
    "api_token.created": "created the API token {object}",
    "api_token.revoked": "revoked the API token {object}",
    "rate_limit.exceeded": "went over a rate limit ({object})",
})
