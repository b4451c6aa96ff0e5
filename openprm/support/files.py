"""Handing out attachments: only through the ticket's access-checked routes, and always as a download."""

from django.conf import settings
from django.http import FileResponse, Http404

from openprm.lib.security import policy_header


def attachment_response(attachment) -> FileResponse:
    """The file as a download with its checked type, `nosniff` and a policy that runs nothing: it is never
    rendered inline (we do not re-encode attachments)."""
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file is missing.") from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.filename,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = policy_header(settings.MEDIA_CONTENT_SECURITY_POLICY)
    response["Cache-Control"] = "private, no-store"
    return response
