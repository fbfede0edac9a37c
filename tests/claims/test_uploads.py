"""Evidence is judged by its bytes, not its name or declared type."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from portal.uploads import MAX_EVIDENCE_BYTES, check_evidence
from tests.claims.helpers import (
    EXE_BYTES,
    jpeg_bytes,
    pdf_bytes,
    pdf_upload,
    png_upload,
    upload,
)


def test_a_pdf_is_kept_as_it_is_under_a_random_name():
    data = pdf_bytes()
    checked = check_evidence(upload("My Certificate (final).pdf", data))
    assert checked.kind == "pdf"
    assert checked.content.read() == data
    assert checked.content.name.endswith(".pdf")
    assert "Certificate" not in checked.content.name


def test_a_jpeg_is_re_encoded():
    checked = check_evidence(upload("photo.jpg", jpeg_bytes(), "image/jpeg"))
    assert checked.kind == "jpeg"
    assert Image.open(io.BytesIO(checked.content.read())).format == "JPEG"


def test_a_png_with_transparency_stays_a_png():
    out = io.BytesIO()
    Image.new("RGBA", (20, 20), (0, 0, 0, 0)).save(out, format="PNG")
    checked = check_evidence(upload("shot.png", out.getvalue(), "image/png"))
    assert checked.kind == "png"
    assert Image.open(io.BytesIO(checked.content.read())).format == "PNG"


def test_an_opaque_png_is_stored_as_a_jpeg():
    assert check_evidence(png_upload()).kind == "jpeg"


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("certificate.pdf", EXE_BYTES, "application/pdf"),  # a renamed executable
        ("certificate.png", EXE_BYTES, "image/png"),
        ("notes.pdf", b"just some text, not a PDF", "application/pdf"),
        ("page.png", b"<html><script>alert(1)</script></html>", "image/png"),
        ("anim.png", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/png"),
    ],
    ids=["exe-as-pdf", "exe-as-png", "text-as-pdf", "html-as-png", "gif-as-png"],
)
def test_anything_but_a_pdf_png_or_jpeg_is_refused(name, data, content_type):
    with pytest.raises(ValidationError) as exc:
        check_evidence(upload(name, data, content_type))
    assert exc.value.code == "bad_type"


def test_a_real_gif_is_refused():
    out = io.BytesIO()
    Image.new("RGB", (10, 10), "red").save(out, format="GIF")
    with pytest.raises(ValidationError):
        check_evidence(upload("x.gif", out.getvalue(), "image/gif"))


def test_a_truncated_pdf_is_refused():
    with pytest.raises(ValidationError) as exc:
        check_evidence(upload("cut.pdf", pdf_bytes()[:-200], "application/pdf"))
    assert exc.value.code == "bad_pdf"


def test_a_file_over_five_megabytes_is_refused_before_it_is_read():
    data = b"%PDF-1.4\n" + b"0" * MAX_EVIDENCE_BYTES + b"\n%%EOF"
    with pytest.raises(ValidationError) as exc:
        check_evidence(upload("big.pdf", data, "application/pdf"))
    assert exc.value.code == "too_large"
    assert "5 MB" in exc.value.message


def test_a_file_of_exactly_five_megabytes_passes():
    body = b"%PDF-1.4\n"
    tail = b"\n%%EOF\n"
    data = body + b"0" * (MAX_EVIDENCE_BYTES - len(body) - len(tail)) + tail
    assert check_evidence(upload("big.pdf", data, "application/pdf")).kind == "pdf"


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError):
        check_evidence(upload("empty.pdf", b"", "application/pdf"))


def test_the_declared_content_type_is_ignored():
    assert check_evidence(pdf_upload("scan.png")).kind == "pdf"
