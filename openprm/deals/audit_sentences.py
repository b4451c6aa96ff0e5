"""How the deals app's audit events read (see `openprm.audit.describe`)."""

from openprm.audit.describe import sentences

from .models import ConflictDecision


def _decided(facts) -> str:
    code = (facts.changes.get("decision") or [None, ""])[1]
    decision = ConflictDecision(code).label.lower() if code in ConflictDecision.values else facts.new["decision"]
    return f"decided {facts.thing}: {decision}"


def _won(facts) -> str:
    amount = facts.money("won_amount", "won_currency")
    return f"marked registration {facts.object} won" + (f" at {amount}" if amount else "")


def _lead_offered(facts) -> str:
    return f"offered the lead {facts.object} to {facts.partner}" if facts.partner else \
        f"offered the lead {facts.object} to a partner"


sentences({
    "registration.submitted": "registered the deal {object}",
    "registration.approved": "approved registration {object}",
    "registration.rejected": "rejected registration {object}",
    "registration.conflict": "put registration {object} into a conflict case",
    "registration.canceled": "canceled registration {object}",
    "registration.won": _won,
    "registration.lost": "marked registration {object} lost",
    "registration.expired": "ended the protection of registration {object}",
    "registration.expiry_reminder": "reminded {partner} that the protection of registration {object} ends soon",
    "registration.extension_requested": "asked to extend the protection of registration {object}",
    "registration.extension_approved": "extended the protection of registration {object}",
    "registration.extension_declined": "declined to extend the protection of registration {object}",
    "registration.participants_changed": "changed the participating partners of registration {object}",
    "registration.refunded": "recorded a refund on registration {object}",
    "conflict.opened": "opened {thing}",
    "conflict.advanced": "moved {thing} to the {new[step]} step",
    "conflict.decided": _decided,
    "conflict.closed": "closed {thing}",
    "deal_program.updated": "updated the deal registration settings",
    "lead.created": "added the lead {object}",
    "lead.offered": _lead_offered,
    "lead.opened": "opened the lead {object}",
    "lead.accepted": "accepted the lead {object}",
    "lead.declined": "declined the lead {object}",
    "lead.converted": "converted the lead {object} into a registration",
    "lead.offer_expired": "withdrew the lead {object} from {partner}: no answer in time",
})
