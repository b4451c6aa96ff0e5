from django.urls import path

from . import views

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path("partners/", views.partner_list, name="partner_list"),
    path("partners/new/", views.partner_create, name="partner_create"),
    path("partners/<int:pk>/", views.partner_detail, name="partner_detail"),
    path("partners/<int:pk>/edit/", views.partner_edit, name="partner_edit"),
    path("partners/<int:pk>/contacts/", views.partner_contact_add, name="partner_contact_add"),
    path("partners/<int:pk>/stage/", views.partner_stage, name="partner_stage"),
    path("partners/<int:pk>/scorecard/", views.partner_scorecard, name="partner_scorecard"),
    path("partners/<int:pk>/onboarding/", views.partner_onboarding_start, name="partner_onboarding_start"),
    path("partners/<int:pk>/invitations/", views.partner_invite, name="partner_invite"),
    path("contacts/<int:contact_id>/edit/", views.partner_contact_edit, name="partner_contact_edit"),
    path("contacts/<int:contact_id>/delete/", views.partner_contact_delete, name="partner_contact_delete"),
    path("tasks/<int:task_id>/done/", views.partner_task_done, name="partner_task_done"),
    path("tasks/<int:task_id>/edit/", views.partner_task_update, name="partner_task_update"),
    path("domains/<int:domain_id>/verify/", views.domain_verify, name="partner_domain_verify"),
    path("join-requests/<int:join_id>/approve/", views.join_request_decide, {"decision": "approve"},
         name="join_request_approve"),
    path("join-requests/<int:join_id>/decline/", views.join_request_decide, {"decision": "decline"},
         name="join_request_decline"),
    path("board/", views.lifecycle_board, name="lifecycle_board"),
    path("people/", views.user_list, name="user_list"),
    path("people/<int:user_id>/access/", views.user_access, name="user_access"),
    path("invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("audit/", views.audit_list, name="audit_list"),
]
