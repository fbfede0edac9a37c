"""Evidence files (activity claims, task submissions) are checked by content, never by name or by
the browser's content type: a PDF must start with the PDF signature and end with its end-of-file
marker; anything else must be a PNG or JPEG that Pillow can decode, and is re-encoded through
`normalise_image` (dropping metadata and anything appended to the image). What is stored gets a
random name; the student's file name is never used on disk or in a download."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, UnidentifiedImageError

from portal.images import BOMB, check_pixels, normalise_image
from portal.models import Evidence

MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
# Large enough that a photographed certificate stays legible after re-encoding.
EVIDENCE_MAX_SIDE = 2400
PDF_MAGIC = b"%PDF-"
# A complete PDF ends with %%EOF, possibly followed by a few bytes of whitespace or padding.
PDF_TAIL = 2048

NOT_EVIDENCE = gettext_lazy("This file is not a PDF, PNG or JPEG. Upload one of those.")


@dataclass(frozen=True)
class CheckedFile:
    """An accepted upload, ready to store: the bytes to write and what they are."""

    content: ContentFile
    kind: str  # an Evidence value

    @property
    def extension(self) -> str:
        return "jpg" if self.kind == Evidence.JPEG else self.kind


def check_evidence(upload: UploadedFile) -> CheckedFile:
    """Accept a PDF, PNG or JPEG of at most 5 MB, judged by its bytes. Raises ValidationError
    (nothing is stored: the caller saves `content` only after every other check passed)."""
    if upload.size > MAX_EVIDENCE_BYTES:
        raise ValidationError(
            _("The file is %(size)s MB; the limit is 5 MB.")
            % {"size": number_format(upload.size / 1048576, 1)},
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    if head == PDF_MAGIC:
        return CheckedFile(_checked_pdf(upload), Evidence.PDF)
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            kind = probe.format
            check_pixels(probe)
    except Image.DecompressionBombError as exc:
        raise ValidationError(BOMB, code="too_many_pixels") from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationError(NOT_EVIDENCE, code="bad_type") from exc
    if kind not in ("PNG", "JPEG"):
        raise ValidationError(NOT_EVIDENCE, code="bad_type")
    content = normalise_image(upload, max_bytes=MAX_EVIDENCE_BYTES, max_side=EVIDENCE_MAX_SIDE)
    # normalise_image writes a PNG when the picture has transparency, a JPEG otherwise.
    stored = Evidence.PNG if content.name.endswith(".png") else Evidence.JPEG
    return CheckedFile(content, stored)


def _checked_pdf(upload: UploadedFile) -> ContentFile:
    upload.seek(0)
    data = upload.read()
    if b"%%EOF" not in data[-PDF_TAIL:]:
        raise ValidationError(
            _("This PDF is incomplete or damaged; export it again and upload the new file."),
            code="bad_pdf",
        )
    return ContentFile(data, name=f"{uuid.uuid4().hex}.pdf")


CONTENT_TYPES = {
    Evidence.PDF: "application/pdf",
    Evidence.PNG: "image/png",
    Evidence.JPEG: "image/jpeg",
}


def evidence_response(file: FieldFile, kind: str, stem: str) -> FileResponse:
    """Serve a stored evidence file to someone the view has already allowed to see it. Images
    open inline (the review queue shows them); a PDF is always a download, so a crafted PDF
    never runs in the portal's origin. The name is ours, never the uploader's."""
    if kind not in CONTENT_TYPES:
        raise Http404
    try:
        handle = file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    extension = "jpg" if kind == Evidence.JPEG else kind
    response = FileResponse(
        handle,
        as_attachment=kind == Evidence.PDF,
        filename=f"{stem}.{extension}",
        content_type=CONTENT_TYPES[kind],
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Private to the signed-in user: no shared cache may keep a copy.
    response["Cache-Control"] = "private, no-store"
    return response
