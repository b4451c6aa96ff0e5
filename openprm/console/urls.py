"""The console shell's own page: the home dashboard.

Every other console page lives in its domain app (`partners:console_*`, `accounts:console_*`, …) under the
same /console/ prefix.
"""

from django.urls import path

from . import views

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
]
