"""How the partners app's audit events read (see `openprm.audit.describe`)."""

from openprm.audit.describe import readable_field, sentences


def _partner_updated(facts) -> str:
    """Name the fields that changed ("updated Acme's website and manager"), not their codes."""
    fields = [readable_field(name) for name in facts.changes]
    if not fields:
        return f"updated {facts.object}"
    listed = fields[0] if len(fields) == 1 else ", ".join(fields[:-1]) + " and " + fields[-1]
    return f"updated the {listed} of {facts.object}"


def _task_done(facts) -> str:
    return f"completed the onboarding step “{facts.object}”" + (f" for {facts.partner}" if facts.partner else "")


def _task_reopened(facts) -> str:
    return f"reopened the onboarding step “{facts.object}”" + (f" for {facts.partner}" if facts.partner else "")


def _join(words: str):
    """A join request reads by its address: "approved the request of ann@acme.test to join Acme"."""
    def sentence(facts) -> str:
        address = facts.object.removeprefix("Join request from ").strip()
        return words.format(address=address, partner=facts.partner or "a partner")
    return sentence


sentences({
    "partner.created": "added the partner {object}",
    "partner.updated": _partner_updated,
    "partner.stage_changed": "moved {object} from {old[stage]} to {new[stage]}",
    "partner.tier_changed": "changed the tier of {object} from {old[tier]} to {new[tier]}",
    "partner.scored": "scored {object}",
    "partner.logo_changed": "changed the logo of {object}",
    "partner.demotion_scheduled": "scheduled a tier demotion for {object}",
    "partner.demotion_canceled": "canceled the scheduled demotion of {object}",
    "contact.created": "added the contact {object} to {partner}",
    "contact.updated": "updated the contact {object} of {partner}",
    "contact.deleted": "removed the contact {object} from {partner}",
    "partner_domain.added": "added the domain {object} to {partner}",
    "partner_domain.verified": "verified the domain {object} of {partner}",
    "partner_domain.unverified": "marked the domain {object} of {partner} as not verified",
    "partner_domain.removed": "removed the domain {object} from {partner}",
    "join_request.created": _join("asked to join {partner} as {address}"),
    "join_request.confirmed": _join("confirmed the request of {address} to join {partner}"),
    "join_request.approved": _join("approved the request of {address} to join {partner}"),
    "join_request.declined": _join("declined the request of {address} to join {partner}"),
    "join_request.superseded": _join("replaced an earlier request of {address} to join {partner}"),
    "onboarding.started": "started the onboarding of {object}",
    "onboarding.task_done": _task_done,
    "onboarding.task_reopened": _task_reopened,
    "onboarding.task_updated": "updated the onboarding step “{object}”",
    "onboarding_template.created": "created the onboarding template {object}",
    "onboarding_template.updated": "updated the onboarding template {object}",
    "onboarding_template_item.created": "added the onboarding step “{object}” to a template",
    "onboarding_template_item.updated": "updated the onboarding template step “{object}”",
    "stage_target.updated": "changed a stage target to {object}",
    "scorecard_criterion.created": "added the scorecard criterion {object}",
    "scorecard_criterion.updated": "updated the scorecard criterion {object}",
})
