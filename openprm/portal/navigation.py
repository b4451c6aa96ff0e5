"""The portal's tabs: every partner area, each shown only to the roles its page lets in.

Every portal page is open to all of the partner's people (the pages themselves refuse changes to roles that
may not make them), so each tab is shown to everyone; `visible` is where a role-only area would say so.
tests/test_navigation.py opens every tab for every partner role.
"""

from openprm.lib.navigation import Link, shown

TABS: list[Link] = [
    Link("Home", "portal:home", ("portal:home", "portal:task_done")),
    Link("Deals", "deals:portal_list", ("deals:portal_list", "deals:portal_new", "deals:portal_detail",
                                        "deals:portal_extension")),
    Link("Leads", "deals:portal_leads", ("deals:portal_lead*",)),
    Link("My tier", "programs:portal_tier"),
    Link("Agreements", "agreements:portal_list", ("agreements:portal_*",)),
    Link("Earnings", "commissions:portal_earnings", ("commissions:portal_*",)),
    Link("Profile", "portal:profile", ("portal:profile*", "portal:branding_edit", "portal:contact_*",
                                       "portal:domain_*")),
    Link("Users", "portal:users", ("portal:users", "portal:user_update", "portal:invitation_revoke",
                                   "portal:join_*")),
    Link("API tokens", "accounts:account", ("accounts:account", "accounts:create_token", "accounts:revoke_token"),
         anchor="tokens"),
]


def tabs(user, current: str) -> list[dict]:
    """The tabs `user` may use; `current` ("namespace:url_name") marks the active one."""
    return shown(TABS, user, current)
