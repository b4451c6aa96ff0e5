"""Response hardening: the Content-Security-Policy of every response, and how uploaded files are served.

Issue 8 item 4: a partner admin uploaded an SVG logo carrying a script, and a program admin opening its media
URL ran it with the admin's session. Three layers now stop that class of bug:

1. the logo service accepts raster images only and re-encodes them (`partners.services.set_brand_logo`);
2. `serve_media` sends every upload with `nosniff`, and as an attachment unless it is a logo we re-encoded;
3. every response carries `settings.CONTENT_SECURITY_POLICY` (no inline script, no eval), and uploaded files a
   stricter one with `sandbox`, so even a file rendered by mistake runs nothing with our origin.
"""

import mimetypes
import re

from django.conf import settings
from django.http import Http404
from django.views.static import serve

# The files we wrote ourselves from decoded pixels: `partners.services.set_brand_logo` names them so.
RE_ENCODED = re.compile(r"^logos/partner-\d+\.(png|jpg|webp)$")
# The folder of MEDIA_ROOT whose files anyone may fetch by path (see serve_media).
PUBLIC_MEDIA_PREFIX = "logos/"
IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}


def policy_header(policy: dict[str, str]) -> str:
    """`{"default-src": "'self'", …}` as the header value `default-src 'self'; …`."""
    return "; ".join(f"{name} {value}".strip() for name, value in policy.items())


class ContentSecurityPolicyMiddleware:
    """Adds the project's Content-Security-Policy to every response that does not set its own.

    A view may set a stricter one (`serve_media` does); the policy itself lives in settings, in one block.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = policy_header(settings.CONTENT_SECURITY_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.header)
        return response


def serve_media(request, path):
    """An uploaded file from MEDIA_ROOT (demo and tests; production's web server must send the same headers,
    see README "Uploaded files").

    Django's `static.serve` guesses the type from the name and lets the browser render it: an uploaded SVG or
    HTML file would run as a page of ours. Only logos we re-encoded are shown inline, with their image type;
    everything else downloads. Every file gets `nosniff` and a policy that runs nothing.
    """
    # Only the public uploads (partners' logos) are served by path. Private uploads (support attachments)
    # live under MEDIA_ROOT too but are sent only by their own views, which check who may see them: a name
    # that leaked must not open them here.
    if not path.startswith(PUBLIC_MEDIA_PREFIX):
        raise Http404("No such file.")
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    match = RE_ENCODED.match(path)
    if match:
        response["Content-Type"] = IMAGE_TYPES[match.group(1)]
    else:
        response["Content-Type"] = mimetypes.guess_type(path)[0] or "application/octet-stream"
        filename = path.rsplit("/", 1)[-1].replace('"', "")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = policy_header(settings.MEDIA_CONTENT_SECURITY_POLICY)
    return response
