"""The portal shell's own page: the home dashboard.

Every other portal page lives in its domain app (`partners:portal_*`, `accounts:portal_*`, …) under the same
/portal/ prefix.
"""

from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
]
