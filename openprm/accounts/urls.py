from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("invitations/<str:secret>/", views.accept_invitation, name="accept_invitation"),
    path("account/", views.account_view, name="account"),
    path("notifications/", views.notifications_view, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("account/tokens/", views.create_token, name="create_token"),
    path("account/tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/",
         auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
         name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("password-reset/complete/",
         auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
         name="password_reset_complete"),
]

# People pages: the console's under /console/, the portal's under /portal/ (docs/architecture.md, URL names).
urlpatterns += [
    path("console/people/", views.console_people, name="console_people"),
    path("console/people/pick/", views.console_pick_users, name="console_pick_users"),
    path("console/saved-filters/", views.console_filter_save, name="console_filter_save"),
    path("console/saved-filters/<int:filter_id>/delete/", views.console_filter_delete, name="console_filter_delete"),
    path("console/people/<int:user_id>/access/", views.console_user_access, name="console_user_access"),
    path("console/invitations/<int:invitation_id>/revoke/", views.console_invitation_revoke,
         name="console_invitation_revoke"),
    path("portal/users/", views.portal_users, name="portal_users"),
    path("portal/users/<int:user_id>/", views.portal_user_update, name="portal_user_update"),
    path("portal/invitations/<int:invitation_id>/revoke/", views.portal_invitation_revoke,
         name="portal_invitation_revoke"),
]
