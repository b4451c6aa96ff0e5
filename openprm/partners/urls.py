from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("apply/", views.apply, name="apply"),
    path("apply/thanks/", views.apply_thanks, name="apply_thanks"),
    path("partners/", views.locator, name="locator"),
    path("join/", views.join, name="join"),
    path("join/sent/", views.join_sent, name="join_sent"),
    path("join/confirm/<str:token>/", views.join_confirm, name="join_confirm"),
]
