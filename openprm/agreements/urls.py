"""Agreement pages: the vendor's under /console/agreements/, the partner's under /portal/agreements/."""

from django.urls import path

from . import views

app_name = "agreements"

urlpatterns = [
    path("console/agreements/", views.console_list, name="console_list"),
    path("console/agreements/territories/pick/", views.console_territory_pick, name="console_territory_pick"),
    path("console/agreements/templates/", views.console_templates, name="console_templates"),
    path("console/agreements/templates/<int:template_id>/", views.console_template, name="console_template"),
    path("console/agreements/templates/<int:template_id>/active/", views.console_template_active,
         name="console_template_active"),
    path("console/agreements/new/", views.console_edit, name="console_new"),
    path("console/agreements/<int:agreement_id>/", views.console_detail, name="console_detail"),
    path("console/agreements/<int:agreement_id>/edit/", views.console_edit, name="console_edit"),
    path("console/agreements/<int:agreement_id>/send/", views.console_send, name="console_send"),
    path("console/agreements/<int:agreement_id>/terminate/", views.console_terminate, name="console_terminate"),
    path("console/agreements/<int:agreement_id>/print/", views.console_print, name="console_print"),
    path("console/agreements/<int:agreement_id>/pdf/", views.console_pdf, name="console_pdf"),
    path("portal/agreements/", views.portal_list, name="portal_list"),
    path("portal/agreements/<int:agreement_id>/", views.portal_detail, name="portal_detail"),
    path("portal/agreements/<int:agreement_id>/sign/", views.portal_sign, name="portal_sign"),
    path("portal/agreements/<int:agreement_id>/print/", views.portal_print, name="portal_print"),
    path("portal/agreements/<int:agreement_id>/pdf/", views.portal_pdf, name="portal_pdf"),
]
