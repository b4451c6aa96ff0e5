"""Partner pages: public ones at the root, the console's under /console/, the portal's under /portal/.

URL names follow `<app>:console_<thing>` and `<app>:portal_<thing>` (docs/architecture.md).
"""

from django.urls import path

from . import configuration_views, views

app_name = "partners"

urlpatterns = [
    path("apply/", views.apply, name="apply"),
    path("apply/thanks/", views.apply_thanks, name="apply_thanks"),
    path("partners/", views.locator, name="locator"),
    path("join/", views.join, name="join"),
    path("join/sent/", views.join_sent, name="join_sent"),
    path("join/confirm/<str:token>/", views.join_confirm, name="join_confirm"),
    # console
    path("console/partners/", views.console_list, name="console_list"),
    path("console/partners/new/", views.console_new, name="console_new"),
    path("console/partners/bulk/", views.console_bulk, name="console_bulk"),
    path("console/partners/pick/", views.console_pick, name="console_pick"),
    path("console/partners/<int:pk>/", views.console_detail, name="console_detail"),
    path("console/partners/<int:pk>/edit/", views.console_edit, name="console_edit"),
    path("console/partners/<int:pk>/contacts/", views.console_contact_add, name="console_contact_add"),
    path("console/partners/<int:pk>/stage/", views.console_stage, name="console_stage"),
    path("console/partners/<int:pk>/scorecard/", views.console_scorecard, name="console_scorecard"),
    path("console/partners/<int:pk>/onboarding/", views.console_onboarding_start, name="console_onboarding_start"),
    path("console/partners/<int:pk>/invitations/", views.console_invite, name="console_invite"),
    path("console/contacts/<int:contact_id>/edit/", views.console_contact_edit, name="console_contact_edit"),
    path("console/contacts/<int:contact_id>/delete/", views.console_contact_delete, name="console_contact_delete"),
    path("console/tasks/<int:task_id>/done/", views.console_task_done, name="console_task_done"),
    path("console/tasks/<int:task_id>/edit/", views.console_task_update, name="console_task_update"),
    path("console/domains/<int:domain_id>/verify/", views.console_domain_verify, name="console_domain_verify"),
    path("console/join-requests/<int:join_id>/approve/", views.console_join_decide, {"decision": "approve"},
         name="console_join_approve"),
    path("console/join-requests/<int:join_id>/decline/", views.console_join_decide, {"decision": "decline"},
         name="console_join_decline"),
    path("console/board/", views.console_board, name="console_board"),
    # portal
    path("portal/onboarding/<int:task_id>/done/", views.portal_task_done, name="portal_task_done"),
    path("portal/profile/", views.portal_profile, name="portal_profile"),
    path("portal/profile/edit/", views.portal_profile_edit, name="portal_profile_edit"),
    path("portal/profile/branding/", views.portal_branding_edit, name="portal_branding_edit"),
    path("portal/profile/contacts/new/", views.portal_contact_edit, name="portal_contact_add"),
    path("portal/profile/contacts/<int:contact_id>/", views.portal_contact_edit, name="portal_contact_edit"),
    path("portal/profile/contacts/<int:contact_id>/delete/", views.portal_contact_delete,
         name="portal_contact_delete"),
    path("portal/profile/domains/", views.portal_domain_add, name="portal_domain_add"),
    path("portal/profile/domains/<int:domain_id>/delete/", views.portal_domain_remove, name="portal_domain_remove"),
    path("portal/join-requests/<int:join_id>/approve/", views.portal_join_decide, {"decision": "approve"},
         name="portal_join_approve"),
    path("portal/join-requests/<int:join_id>/decline/", views.portal_join_decide, {"decision": "decline"},
         name="portal_join_decline"),
    # The program settings area's Lifecycle, Scorecard and Onboarding tabs (partners/configuration_views.py);
    # /console/settings/ was console:settings before.
    path("console/settings/", configuration_views.console_settings, name="console_settings"),
    path("console/settings/scorecard/", configuration_views.console_settings_scorecard,
         name="console_settings_scorecard"),
    path("console/settings/scorecard/<str:criterion_code>/", configuration_views.console_settings_criterion,
         name="console_settings_criterion"),
    path("console/settings/onboarding/", configuration_views.console_settings_onboarding,
         name="console_settings_onboarding"),
    path("console/settings/onboarding/<int:onboarding_template_id>/", configuration_views.console_settings_template,
         name="console_settings_template"),
    path("console/settings/onboarding/<int:onboarding_template_id>/items/",
         configuration_views.console_settings_template_items, name="console_settings_template_items"),
    path("console/settings/onboarding/<int:onboarding_template_id>/items/<int:item_id>/",
         configuration_views.console_settings_template_item, name="console_settings_template_item"),
]
