"""Every change to deals: registrations, customer matching, prevention rules, conflict cases, protection expiry,
leads and lead import — one module per concern.

Callers import from the package (`from openprm.deals import services`, `services.register(...)`); this file
re-exports each module's public API. Modules depend one way: `access`, `_common` ← `matching`, `prevention` ←
`registration` ← `conflicts`, `expiry`, `leads` ← `lead_import`.
"""

from .access import (
    LEAD_CREATOR_ROLES,
    REGISTERING_ROLES,
    can_close,
    can_create_leads,
    can_register_for,
    can_review,
    can_work_conflicts,
)
from .conflicts import advance_conflict, decide_conflict, prevent_conflict
from .expiry import expire_registrations, send_expiry_reminders
from .lead_import import (
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    REQUIRED_IMPORT_COLUMNS,
    LeadImportRow,
    check_lead_rows,
    import_leads,
    read_leads_csv,
)
from .leads import (
    LEAD_FIELDS,
    TIER_RANK,
    accept_lead,
    create_lead,
    decline_lead,
    open_lead,
    route_expired_leads,
)
from .matching import is_customer_protected, matching_registrations
from .prevention import territory_flags
from .registration import (
    NOT_EARNING_STAGES,
    approve,
    close,
    decide_extension,
    register,
    reject,
    request_extension,
    set_participants,
)

__all__ = [
    "LEAD_CREATOR_ROLES", "LEAD_FIELDS", "MAX_IMPORT_BYTES", "MAX_IMPORT_ROWS", "NOT_EARNING_STAGES",
    "REGISTERING_ROLES", "REQUIRED_IMPORT_COLUMNS", "TIER_RANK", "LeadImportRow", "accept_lead",
    "advance_conflict", "approve", "can_close", "can_create_leads", "can_register_for", "can_review",
    "can_work_conflicts", "check_lead_rows", "close", "create_lead", "decide_conflict", "decide_extension",
    "decline_lead", "expire_registrations", "import_leads", "is_customer_protected", "matching_registrations",
    "open_lead", "prevent_conflict", "read_leads_csv", "register", "reject", "request_extension",
    "route_expired_leads", "send_expiry_reminders", "set_participants", "territory_flags",
]
