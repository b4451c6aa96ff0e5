"""The console shell's own pages: the home dashboard and the program settings.

Every other console page lives in its domain app (`partners:console_*`, `accounts:console_*`, …) under the
same /console/ prefix.
"""

from django.urls import path

from . import views

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path("settings/", views.program_settings, name="settings"),
]
