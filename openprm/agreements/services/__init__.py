"""Every change to agreements, one module per concern; callers import from here as before.

`common` (audited fields, who may do what, notifications), `facts` (what other apps ask of agreements: territories,
discount, tier, agreement in force; reads only), `drafting` (input and drafts), `lifecycle` (send, sign, terminate,
scheduled activation, renewal, expiry and reminders), `templates` (template versions).
"""

from .common import (  # noqa: F401
    AUDIT_FIELDS,
    EDITABLE_FIELDS,
    EXPIRY_REMINDER_DAYS,
    NOTICE_REMINDER_DAYS,
    REGION_CODES,
    TEMPLATE_TEXT_FIELDS,
    can_manage,
    can_sign,
)
from .drafting import (  # noqa: F401
    commission_plans,
    create_agreement,
    default_end,
    update_agreement,
)
from .facts import (  # noqa: F401
    active_agreement,
    active_territories,
    discount_on,
    expand_territories,
    normalize_territory,
    territories_by_partner,
    tier_of,
)
from .lifecycle import (  # noqa: F401
    activate_due,
    end_due,
    send,
    send_reminders,
    sign,
    terminate,
)
from .templates import (  # noqa: F401
    TEMPLATE_AUDIT_FIELDS,
    TEMPLATE_MAX_LENGTHS,
    TEMPLATE_REQUIRED_TEXTS,
    can_manage_templates,
    publish_template_version,
    set_template_active,
)
