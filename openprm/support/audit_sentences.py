"""How the support app's audit events read (see `openprm.audit.describe`)."""

from openprm.audit.describe import sentences

sentences({
    "ticket.created": "opened the support ticket {object}",
    "ticket.commented": "answered on the support ticket {object}",
    "ticket.internal_note": "added an internal note to the support ticket {object}",
    "ticket.status_changed": "changed the status of the support ticket {object}",
    "ticket.assigned": "assigned the support ticket {object}",
    "ticket.escalated": "escalated the support ticket {object} ({note})",
    "ticket.de_escalated": "sent the support ticket {object} back to L2",
    "ticket.first_response_breached": "flagged the support ticket {object}: its first-response target passed",
    "ticket.resolution_breached": "flagged the support ticket {object}: its resolution target passed",
    "support.help_page_changed": "changed the public help page of {partner}",
    "support.sla_policy_changed": "changed the support SLA targets",
    "support.settings_changed": "changed the support settings",
})
