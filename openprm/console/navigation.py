"""The console's sidebar: every vendor area, each shown only to the roles its page lets in.

Who may open a page is decided by the page itself (its decorator and role check); the `visible` rules
here repeat those decisions by calling the same functions and role lists, and tests/test_navigation.py
opens every link for every role to keep the two in step.
"""

from openprm.commissions.views import LEDGER_ROLES, MONEY_ROLES
from openprm.deals.services import can_work_conflicts
from openprm.lib.navigation import Link, shown

SECTIONS: list[tuple[str, list[Link]]] = [
    ("", [Link("Home", "console:home")]),
    ("Partners", [
        Link("All partners", "partners:console_list", (
            "partners:console_list", "partners:console_new", "partners:console_detail", "partners:console_edit",
            "partners:console_contact_*", "partners:console_stage", "partners:console_scorecard",
            "partners:console_onboarding_start", "partners:console_task_*", "partners:console_domain_verify",
            "partners:console_join_*", "partners:console_invite", "programs:console_partner_tier*",
            "commissions:console_partner_plans")),
        Link("Lifecycle board", "partners:console_board"),
    ]),
    ("Deals", [
        Link("Review queue", "deals:console_queue", ("deals:console_queue", "deals:console_detail",
                                                     "deals:console_approve", "deals:console_reject",
                                                     "deals:console_extension", "deals:console_close",
                                                     "deals:console_participants")),
        Link("Pipeline board", "deals:console_board"),
        Link("Conflicts", "deals:console_conflicts", ("deals:console_conflict*",), visible=can_work_conflicts),
        Link("Leads", "deals:console_leads", ("deals:console_lead*",)),
    ]),
    ("Program", [
        Link("Tiers", "programs:console_tiers", ("programs:console_tier*", "programs:console_settings")),
        Link("Tier reviews", "programs:console_reviews", ("programs:console_review*",)),
        Link("Agreements", "agreements:console_list", ("agreements:console_*",)),
        Link("FX rates", "programs:console_fx_rates"),
        Link("Products", "programs:console_products", ("programs:console_product*",)),
    ]),
    ("Commissions", [
        Link("Plans", "commissions:console_plans", ("commissions:console_plan*",),
             visible=lambda u: u.role in MONEY_ROLES),
        Link("Ledger", "commissions:console_ledger",
             ("commissions:console_ledger", "commissions:console_line*", "commissions:console_registration"),
             visible=lambda u: u.role in LEDGER_ROLES),
        Link("Statements", "commissions:console_statements", ("commissions:console_statement*",),
             visible=lambda u: u.role in LEDGER_ROLES),
        Link("Incentives", "commissions:console_incentives", ("commissions:console_incentive*",),
             visible=lambda u: u.role in LEDGER_ROLES),
        Link("Payouts", "commissions:console_payouts", ("commissions:console_payout*",),
             visible=lambda u: u.role in MONEY_ROLES),
        Link("Won without a plan", "commissions:console_won_without_plan", visible=lambda u: u.role in MONEY_ROLES),
        Link("Recalculation", "commissions:console_recalculations", ("commissions:console_recalculation*",),
             visible=lambda u: u.role in MONEY_ROLES),
    ]),
    ("Administration", [
        Link("People", "accounts:console_people", ("accounts:console_people", "accounts:console_user_*",
                                                       "accounts:console_invitation_*")),
        Link("Audit trail", "audit:console_list"),
        Link("Program settings", "partners:console_settings",
             ("partners:console_settings*", "deals:console_settings", "commissions:console_settings"),
             visible=lambda u: u.is_program_admin),
        Link("Django admin", "admin:index", ("admin:*",), visible=lambda u: u.is_program_admin and u.is_staff),
    ]),
    ("Developers", [Link("API docs", "/api/v1/docs")]),
]


def sidebar(user, current: str) -> list[dict]:
    """The sections with the links `user` may use; `current` ("namespace:url_name") marks the active one."""
    sections = [{"title": title, "links": shown(links, user, current)} for title, links in SECTIONS]
    return [section for section in sections if section["links"]]
