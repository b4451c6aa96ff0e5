"""Commission pages: the vendor's under /console/commissions/, the partner's under /portal/earnings/."""

from django.urls import path

from . import configuration_views, views

app_name = "commissions"

urlpatterns = [
    path("console/commissions/plans/", views.plan_list, name="console_plans"),
    path("console/commissions/plans/new/", views.plan_new, name="console_plan_new"),
    path("console/commissions/plans/preview/", views.plan_preview, name="console_plan_preview"),
    path("console/commissions/plans/<int:plan_id>/", views.plan_detail, name="console_plan"),
    path("console/commissions/ledger/", views.ledger, name="console_ledger"),
    path("console/commissions/ledger/bulk/", views.line_bulk, name="console_line_bulk"),
    path("console/commissions/ledger/<int:line_id>/", views.line_detail, name="console_line"),
    path("console/commissions/ledger/<int:line_id>/hold/", views.line_hold, name="console_line_hold"),
    path("console/commissions/ledger/<int:line_id>/release/", views.line_release, name="console_line_release"),
    path("console/commissions/ledger/<int:line_id>/cancel/", views.line_cancel, name="console_line_cancel"),
    path("console/commissions/registrations/<int:registration_id>/", views.registration_commissions,
         name="console_registration"),
    path("console/commissions/statements/", views.statements, name="console_statements"),
    path("console/commissions/statements/download.<str:fmt>", views.statement_download,
         name="console_statement_download"),
    path("console/commissions/payouts/", views.payout_list, name="console_payouts"),
    path("console/commissions/payouts/<int:payout_id>/", views.payout_detail, name="console_payout"),
    path("console/commissions/payouts/<int:payout_id>/approve/", views.payout_approve,
         name="console_payout_approve"),
    path("console/commissions/payouts/<int:payout_id>/export/", views.payout_export, name="console_payout_export"),
    path("console/commissions/payouts/<int:payout_id>/paid/", views.payout_paid, name="console_payout_paid"),
    path("console/commissions/partners/<int:partner_id>/payout-details/", views.partner_payout_details,
         name="console_payout_details"),
    path("console/commissions/incentives/", views.incentives_page, name="console_incentives"),
    path("console/commissions/incentives/spiffs/new/", views.spiff_new, name="console_incentive_spiff_new"),
    path("console/commissions/incentives/spiffs/<int:spiff_id>/end/", views.spiff_end,
         name="console_incentive_spiff_end"),
    path("console/commissions/incentives/targets/", views.target_set, name="console_incentive_target_set"),
    path("console/commissions/incentives/rewards/", views.reward_award, name="console_incentive_reward"),
    path("console/commissions/partners/<int:partner_id>/plans/", views.partner_plans,
         name="console_partner_plans"),
    path("console/commissions/won-without-plan/", views.won_without_plan, name="console_won_without_plan"),
    path("console/commissions/recalculations/", views.recalculations, name="console_recalculations"),
    path("console/commissions/recalculations/<int:run_id>/", views.recalculation_status,
         name="console_recalculation"),
    path("portal/earnings/", views.my_earnings, name="portal_earnings"),
    path("portal/earnings/statements/", views.my_statements, name="portal_statements"),
    path("portal/earnings/statements/download.<str:fmt>", views.my_statement_download,
         name="portal_statement_download"),
    path("portal/earnings/payout-details/", views.my_payout_details, name="portal_payout_details"),
    # The program settings area's Commissions tab (commissions/configuration_views.py).
    path("console/settings/commissions/", configuration_views.console_settings, name="console_settings"),
]
