"""Top-level routes: public pages, sign-in, the vendor console, the partner portal, the API, Django admin."""

from django.conf import settings
from django.contrib import admin
from django.shortcuts import redirect
from django.urls import include, path
from django.views.decorators.http import require_safe
from django.views.generic import RedirectView

from openprm.api.api import api
from openprm.lib.security import serve_media


@require_safe
def home(request):
    """Send people to their side of the product: vendor staff to the console, partners to the portal."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    return redirect("console:home" if request.user.is_vendor else "portal:home")


urlpatterns = [
    path("", home, name="home"),
    path("", include("openprm.accounts.urls")),
    path("", include("openprm.audit.urls")),
    path("", include("openprm.partners.urls")),
    path("", include("openprm.deals.urls")),
    path("", include("openprm.agreements.urls")),
    path("", include("openprm.commissions.urls")),
    path("", include("openprm.programs.urls")),
    path("", include("openprm.support.urls")),
    path("console/", include("openprm.console.urls")),
    path("portal/", include("openprm.portal.urls")),
    path("api/v1/", api.urls),
    # One sign-in page for everyone: the admin's own login form would be a second door to guard. The
    # query string carries `next`, so admins land back in the admin after signing in.
    path("admin/login/", RedirectView.as_view(pattern_name="accounts:login", query_string=True)),
    path("admin/", admin.site.urls),
]

if settings.SERVE_MEDIA:
    # Uploaded logos in the demo and the tests; production serves MEDIA_ROOT from the web server, with the same
    # headers (README "Uploaded files"). Never django.views.static.serve directly: it renders uploads inline.
    urlpatterns.append(path("media/<path:path>", serve_media, name="media"))

# A too-large request body is a 413 with a message (JSON for the API), not Django's bare 400.
handler400 = "openprm.lib.errorpages.bad_request"

admin.site.site_header = "OpenPRM administration"
admin.site.site_title = "OpenPRM"
