"""Partner logos (issue 8, item 4): raster images only, checked by content and re-encoded.

An SVG is a document that can carry script; opened from the media URL it ran as whoever opened it. The service
accepts PNG, JPEG and WebP whatever the file is called, decodes it and stores a fresh encoding, so nothing but
pixels reaches the media directory.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from openprm.lib.errors import ValidationFailed
from openprm.partners import services

SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b'<script>fetch("/console/people/")</script></svg>')


def image_bytes(fmt="PNG", size=(24, 12), colour=(200, 10, 10)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.mark.parametrize("name", ["logo.svg", "logo.png", "logo.jpg", "logo"])
def test_an_svg_is_refused_whatever_it_is_called(acme, acme_admin, name):
    with pytest.raises(ValidationFailed) as refused:
        services.set_brand_logo(actor=acme_admin, partner=acme,
                                upload=SimpleUploadedFile(name, SVG, content_type="image/png"))
    assert "brand_logo" in refused.value.errors
    acme.refresh_from_db()
    assert not acme.brand_logo


def test_html_or_script_after_a_png_header_is_refused(acme, acme_admin):
    fake = b"\x89PNG\r\n\x1a\n" + b"<script>alert(1)</script>" * 4
    with pytest.raises(ValidationFailed):
        services.set_brand_logo(actor=acme_admin, partner=acme, upload=SimpleUploadedFile("logo.png", fake))


@pytest.mark.parametrize("fmt, extension", [("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp")])
def test_raster_logos_are_stored_re_encoded_with_their_real_type(acme, acme_admin, fmt, extension):
    # Bytes after the image end (a polyglot's payload) must not survive the re-encoding.
    upload = SimpleUploadedFile("logo.svg", image_bytes(fmt) + b"<script>alert(1)</script>")
    services.set_brand_logo(actor=acme_admin, partner=acme, upload=upload)
    acme.refresh_from_db()
    assert acme.brand_logo.name == f"logos/partner-{acme.pk}.{extension}"  # named by content, not by upload
    stored = acme.brand_logo.open("rb").read()
    assert b"<script>" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == fmt and image.size == (24, 12)


def test_an_oversized_image_is_refused(acme, acme_admin):
    huge = SimpleUploadedFile("logo.png", image_bytes(size=(5000, 5000)))
    with pytest.raises(ValidationFailed) as refused:
        services.set_brand_logo(actor=acme_admin, partner=acme, upload=huge)
    assert "pixels" in " ".join(refused.value.errors["brand_logo"])
