"""Uploaded images are checked by content, not by name, and re-encoded: what is stored is a
fresh JPEG or PNG made by Pillow, so metadata and anything smuggled after the image data are
dropped, and a huge image is scaled down."""

from __future__ import annotations

import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, UnidentifiedImageError

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_SIDE = 1200
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}


def normalise_image(
    upload: UploadedFile, *, max_bytes: int = MAX_UPLOAD_BYTES, max_side: int = MAX_SIDE
) -> ContentFile:
    """Validate an uploaded image and return a re-encoded copy. Raises ValidationError.
    Evidence uploads pass a larger size and side, so a photographed certificate stays legible."""
    if upload.size > max_bytes:
        raise ValidationError(
            f"The image is {upload.size / 1048576:.1f} MB; the limit is {max_bytes // 1048576} MB."
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            kind = probe.format
            probe.verify()  # structural check of the whole file
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            has_alpha = image.mode in ("RGBA", "LA", "P")
            image = image.convert("RGBA" if has_alpha else "RGB")
            image.thumbnail((max_side, max_side))
            out = io.BytesIO()
            if has_alpha:
                image.save(out, format="PNG", optimize=True)
                ext = "png"
            else:
                image.save(out, format="JPEG", quality=85, optimize=True)
                ext = "jpg"
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationError("This file is not a JPEG, PNG or WebP image.") from exc
    if kind not in ACCEPTED_FORMATS:
        raise ValidationError("Upload a JPEG, PNG or WebP image.")
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{ext}")
