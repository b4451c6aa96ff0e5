"""Every change to support tickets, one module per concern; callers import from here.

`common` (who may do what, the clock helpers, notifications), `tickets` (opening, comments, attachments),
`workflow` (escalation, status, assignment), `breaches` (the scheduled SLA breach job).
"""

from .breaches import flag_breaches  # noqa: F401
from .common import (  # noqa: F401
    PARTNER_WORKERS,
    STAFF_WORKERS,
    can_comment,
    can_work,
    is_partner_worker,
    is_staff_worker,
    may_use_support,
    scaled_seconds,
    tickets_for,
)
from .help_page import (  # noqa: F401
    MIN_FILL_SECONDS,
    configure_help_page,
    customer_reply,
    help_page_of,
    submit_help_request,
    ticket_by_token,
)
from .tickets import (  # noqa: F401
    ATTACHMENT_MAX_BYTES,
    add_comment,
    check_files,
    open_ticket,
    sniff,
    visible_comments,
)
from .workflow import (  # noqa: F401
    TRANSITIONS,
    assign,
    assignable,
    escalate,
    set_status,
)
