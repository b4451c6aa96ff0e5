"""How the agreements app's audit events read (see `openprm.audit.describe`)."""

from openprm.audit.describe import sentences

sentences({
    "agreement.created": "drafted the {thing} for {partner}",
    "agreement.updated": "edited the {thing} for {partner}",
    "agreement.sent": "sent the {thing} to {partner}",
    "agreement.signed": "signed the {thing} for {partner}",
    "agreement.activated": "started the {thing} of {partner}",
    "agreement.expired": "ended the {thing} of {partner} at the end of its term",
    "agreement.renewed": "renewed the {thing} of {partner}",
    "agreement.terminated": "terminated the {thing} of {partner}",
    "agreement.notice_reminder": "reminded {partner} that the notice date of the {thing} is near",
    "agreement.expiry_reminder": "reminded {partner} that the {thing} is about to end",
    "agreement_template.published": "published the agreement template {object}",
    "agreement_template.activated": "made the agreement template {object} available",
    "agreement_template.deactivated": "withdrew the agreement template {object}",
})
