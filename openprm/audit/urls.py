"""The audit trail page of the console, under /console/audit/ (`audit:console_list`)."""

from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("console/audit/", views.console_list, name="console_list"),
]
