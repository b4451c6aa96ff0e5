"""Deal-registration pages: the vendor's under /console/deals|conflicts|leads/, the partner's under
/portal/deals|leads/ (notifications link to /portal/deals/<id>/, /console/deals/<id>/, /portal/leads/<id>/)."""

from django.urls import path

from . import configuration_views, views

app_name = "deals"

urlpatterns = [
    path("console/deals/", views.console_queue, name="console_queue"),
    path("console/deals/board/", views.console_board, name="console_board"),
    path("console/deals/bulk/", views.console_bulk, name="console_bulk"),
    path("console/deals/<int:registration_id>/", views.console_detail, name="console_detail"),
    path("console/deals/<int:registration_id>/approve/", views.console_approve, name="console_approve"),
    path("console/deals/<int:registration_id>/reject/", views.console_reject, name="console_reject"),
    path("console/deals/<int:registration_id>/extension/", views.console_extension, name="console_extension"),
    path("console/deals/<int:registration_id>/close/", views.console_close, name="console_close"),
    path("console/deals/<int:registration_id>/participants/", views.console_participants,
         name="console_participants"),
    path("console/conflicts/", views.console_conflicts, name="console_conflicts"),
    path("console/conflicts/<int:conflict_id>/", views.console_conflict, name="console_conflict"),
    path("console/conflicts/<int:conflict_id>/advance/", views.console_conflict_advance,
         name="console_conflict_advance"),
    path("console/conflicts/<int:conflict_id>/decide/", views.console_conflict_decide,
         name="console_conflict_decide"),
    path("console/conflicts/<int:conflict_id>/prevent/", views.console_conflict_prevent,
         name="console_conflict_prevent"),
    path("console/leads/", views.console_leads, name="console_leads"),
    path("console/leads/import/", views.console_lead_import, name="console_lead_import"),
    path("console/leads/<int:lead_id>/", views.console_lead, name="console_lead"),
    path("portal/deals/", views.portal_list, name="portal_list"),
    path("portal/deals/new/", views.portal_new, name="portal_new"),
    path("portal/deals/precheck/", views.portal_precheck, name="portal_precheck"),
    path("portal/deals/<int:registration_id>/", views.portal_detail, name="portal_detail"),
    path("portal/deals/<int:registration_id>/extension/", views.portal_extension, name="portal_extension"),
    path("portal/leads/", views.portal_leads, name="portal_leads"),
    path("portal/leads/<int:lead_id>/", views.portal_lead, name="portal_lead"),
    path("portal/leads/<int:lead_id>/accept/", views.portal_lead_accept, name="portal_lead_accept"),
    path("portal/leads/<int:lead_id>/decline/", views.portal_lead_decline, name="portal_lead_decline"),
    # The program settings area's Deals tab (deals/configuration_views.py).
    path("console/settings/deals/", configuration_views.console_settings, name="console_settings"),
]
