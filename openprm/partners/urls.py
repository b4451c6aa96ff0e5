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
