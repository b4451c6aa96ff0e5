"""Commission pages: the vendor's under /console/commissions/, the partner's under /portal/earnings/."""

from django.urls import path

from . import configuration_views, views

app_name = "commissions"

urlpatterns = [
    path("console/commissions/plans/", views.plan_list, name="plan_list"),
    path("console/commissions/plans/new/", views.plan_new, name="plan_new"),
    path("console/commissions/plans/preview/", views.plan_preview, name="plan_preview"),
    path("console/commissions/plans/<int:plan_id>/", views.plan_detail, name="plan_detail"),
    path("console/commissions/ledger/", views.ledger, name="ledger"),
    path("console/commissions/ledger/<int:line_id>/", views.line_detail, name="line_detail"),
    path("console/commissions/ledger/<int:line_id>/hold/", views.line_hold, name="line_hold"),
    path("console/commissions/ledger/<int:line_id>/release/", views.line_release, name="line_release"),
    path("console/commissions/ledger/<int:line_id>/cancel/", views.line_cancel, name="line_cancel"),
    path("console/commissions/registrations/<int:registration_id>/", views.registration_commissions,
         name="registration"),
    path("console/commissions/statements/", views.statements, name="statements"),
    path("console/commissions/statements/download.<str:fmt>", views.statement_download, name="statement_download"),
    path("console/commissions/payouts/", views.payout_list, name="payout_list"),
    path("console/commissions/payouts/<int:payout_id>/", views.payout_detail, name="payout_detail"),
    path("console/commissions/payouts/<int:payout_id>/approve/", views.payout_approve, name="payout_approve"),
    path("console/commissions/payouts/<int:payout_id>/export/", views.payout_export, name="payout_export"),
    path("console/commissions/payouts/<int:payout_id>/paid/", views.payout_paid, name="payout_paid"),
    path("console/commissions/incentives/", views.incentives_page, name="incentives"),
    path("console/commissions/incentives/spiffs/new/", views.spiff_new, name="incentive_spiff_new"),
    path("console/commissions/incentives/spiffs/<int:spiff_id>/end/", views.spiff_end, name="incentive_spiff_end"),
    path("console/commissions/incentives/targets/", views.target_set, name="incentive_target_set"),
    path("console/commissions/incentives/rewards/", views.reward_award, name="incentive_reward"),
    path("portal/earnings/", views.my_earnings, name="my_earnings"),
    path("portal/earnings/statements/", views.my_statements, name="my_statements"),
    path("portal/earnings/statements/download.<str:fmt>", views.my_statement_download,
         name="my_statement_download"),
    # The program settings area's Commissions tab (commissions/configuration_views.py).
    path("console/settings/commissions/", configuration_views.console_settings, name="console_settings"),
]
