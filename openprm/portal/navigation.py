"""The portal's tabs: every partner area, each shown only to the roles its page lets in.

Every portal page is open to all of the partner's people (the pages themselves refuse changes to roles that
may not make them), so each tab is shown to everyone; `visible` is where a role-only area would say so.
tests/test_navigation.py opens every tab for every partner role.
"""

from openprm.lib.navigation import Link, shown
from openprm.support.services import may_use_support

TABS: list[Link] = [
    Link("Home", "portal:home", ("portal:home", "partners:portal_task_done")),
    Link("Deals", "deals:portal_list", ("deals:portal_list", "deals:portal_new", "deals:portal_detail",
                                        "deals:portal_extension")),
    Link("Leads", "deals:portal_leads", ("deals:portal_lead*",)),
    Link("My tier", "programs:portal_tier"),
    Link("Agreements", "agreements:portal_list", ("agreements:portal_*",)),
    Link("Support", "support:portal_queue", ("support:portal_*",), visible=may_use_support),
    Link("Earnings", "commissions:portal_earnings", ("commissions:portal_*",)),
    Link("Profile", "partners:portal_profile", ("partners:portal_profile*", "partners:portal_branding_edit",
                                                 "partners:portal_contact_*", "partners:portal_domain_*")),
    Link("Users", "accounts:portal_users", ("accounts:portal_*", "partners:portal_join_*")),
    Link("API tokens", "accounts:account", ("accounts:account", "accounts:create_token", "accounts:revoke_token"),
         anchor="tokens"),
]


def tabs(user, current: str) -> list[dict]:
    """The tabs `user` may use; `current` ("namespace:url_name") marks the active one."""
    return shown(TABS, user, current)
