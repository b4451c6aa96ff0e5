"""Every change to partners, one module per concern; callers import from here as before.

`common` (who may change a partner; shared helpers), `profile` (profile, branding, logo, contacts), `lifecycle`
(stages, scorecard, onboarding and their program settings), `self_registration` (applications, e-mail domains,
join requests and their confirmation).
"""

from .common import (  # noqa: F401
    AUDIT_FIELDS,
    PARTNER_EDITABLE_FIELDS,
    VENDOR_EDITABLE_FIELDS,
    can_edit_profile,
    can_manage_lifecycle,
)
from .lifecycle import (  # noqa: F401
    MAX_CRITERION_WEIGHT,
    MAX_STAGE_TARGET_DAYS,
    allowed_next_stages,
    change_stage,
    score_partner,
    set_criterion_weights,
    set_stage_targets,
    set_task_done,
    stage_targets,
    start_onboarding,
    template_for,
    update_task,
)
from .profile import (  # noqa: F401
    CONTACT_FIELDS,
    LOGO_FORMATS,
    LOGO_MAX_BYTES,
    LOGO_MAX_PIXELS,
    LOGO_TYPES_TEXT,
    create_partner,
    delete_contact,
    save_contact,
    set_brand_logo,
    update_partner,
)
from .self_registration import (  # noqa: F401
    FREE_EMAIL_DOMAINS,
    JOIN_CONFIRMATION_SALT,
    JOIN_DEFAULT_ROLE,
    JOINABLE_STAGES,
    add_domain,
    approve_join_request,
    confirm_join_request,
    decline_join_request,
    find_unconfirmed_join,
    is_free_email_domain,
    join_confirmation_token,
    partner_for_email,
    remove_domain,
    request_to_join,
    submit_application,
    verify_domain,
)
