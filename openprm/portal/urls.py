from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("onboarding/<int:task_id>/done/", views.task_done, name="task_done"),
    path("profile/", views.profile, name="profile"),
    path("profile/edit/", views.profile_edit, name="profile_edit"),
    path("profile/branding/", views.branding_edit, name="branding_edit"),
    path("profile/contacts/new/", views.contact_edit, name="contact_add"),
    path("profile/contacts/<int:contact_id>/", views.contact_edit, name="contact_edit"),
    path("profile/contacts/<int:contact_id>/delete/", views.contact_delete, name="contact_delete"),
    path("profile/domains/", views.domain_add, name="domain_add"),
    path("profile/domains/<int:domain_id>/delete/", views.domain_remove, name="domain_remove"),
    path("users/", views.users, name="users"),
    path("users/<int:user_id>/", views.user_update, name="user_update"),
    path("invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("join-requests/<int:join_id>/approve/", views.join_decide, {"decision": "approve"}, name="join_approve"),
    path("join-requests/<int:join_id>/decline/", views.join_decide, {"decision": "decline"}, name="join_decline"),
]
