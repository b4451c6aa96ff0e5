"""Support pages: the vendor's under /console/support/, the partner's under /portal/support/."""

from django.urls import path

from . import help_views, views

app_name = "support"

urlpatterns = [
    path("console/support/", views.console_queue, name="console_queue"),
    path("console/support/overview/", views.console_overview, name="console_overview"),
    path("console/support/settings/", views.console_support_settings, name="console_support_settings"),
    path("console/support/sla-policy/", views.console_sla_policy, name="console_sla_policy"),
    path("console/support/<int:ticket_id>/", views.console_detail, name="console_detail"),
    path("console/support/<int:ticket_id>/comment/", views.console_comment, name="console_comment"),
    path("console/support/<int:ticket_id>/escalate/", views.console_escalate, name="console_escalate"),
    path("console/support/<int:ticket_id>/status/", views.console_status, name="console_status"),
    path("console/support/<int:ticket_id>/assign/", views.console_assign, name="console_assign"),
    path("console/support/<int:ticket_id>/attachments/<int:attachment_id>/", views.console_attachment,
         name="console_attachment"),
    path("portal/support/", views.portal_queue, name="portal_queue"),
    path("portal/support/help-page/", help_views.portal_help_page, name="portal_help_page"),
    path("portal/support/new/", views.portal_new, name="portal_new"),
    path("portal/support/<int:ticket_id>/", views.portal_detail, name="portal_detail"),
    path("portal/support/<int:ticket_id>/comment/", views.portal_comment, name="portal_comment"),
    path("portal/support/<int:ticket_id>/escalate/", views.portal_escalate, name="portal_escalate"),
    path("portal/support/<int:ticket_id>/status/", views.portal_status, name="portal_status"),
    path("portal/support/<int:ticket_id>/attachments/<int:attachment_id>/", views.portal_attachment,
         name="portal_attachment"),
    # The partner-branded public help page for end customers.
    path("help/<slug:slug>/", help_views.help_page, name="help_page"),
    path("help/<slug:slug>/thanks/", help_views.help_thanks, name="help_thanks"),
    path("help/<slug:slug>/brand.css", help_views.help_brand_css, name="help_brand_css"),
    path("help/<slug:slug>/t/<str:token>/", help_views.help_follow, name="help_follow"),
]
