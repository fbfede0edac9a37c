"""Uploaded images are checked by content, not by name, and re-encoded: what is stored is a
fresh JPEG or PNG made by Pillow, so metadata and anything smuggled after the image data are
dropped, and a huge image is scaled down."""

from __future__ import annotations

import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, UnidentifiedImageError

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_SIDE = 1200
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
# A small file can declare an enormous picture (a "decompression bomb": a 2 MB PNG of
# 50,000 x 50,000 pixels takes 10 GB to decode). The size is read from the header, before
# anything is decoded; 40 megapixels is more than any phone camera takes.
MAX_PIXELS = 40_000_000
# Pillow's own guard, left above ours (it refuses at twice this when opening, where the size
# is known but not worth a message): ours answers first with the size and the limit.
Image.MAX_IMAGE_PIXELS = 2 * MAX_PIXELS
BOMB = gettext_lazy("The image declares far too many pixels to be a photo; upload a smaller one.")


def too_many_pixels(width: int, height: int) -> ValidationError:
    return ValidationError(
        _(
            "The image is %(width)s × %(height)s pixels (%(mp)s megapixels); the limit is "
            "%(limit)s megapixels. Resize it and upload it again."
        )
        % {
            "width": width,
            "height": height,
            "mp": round(width * height / 1_000_000),
            "limit": MAX_PIXELS // 1_000_000,
        },
        code="too_many_pixels",
    )


def check_pixels(image: Image.Image) -> None:
    """Refuse an opened (not yet decoded) image whose header declares over MAX_PIXELS."""
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise too_many_pixels(width, height)


def normalise_image(
    upload: UploadedFile, *, max_bytes: int = MAX_UPLOAD_BYTES, max_side: int = MAX_SIDE
) -> ContentFile:
    """Validate an uploaded image and return a re-encoded copy. Raises ValidationError.
    Evidence uploads pass a larger size and side, so a photographed certificate stays legible."""
    if upload.size > max_bytes:
        raise ValidationError(
            _("The image is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": number_format(upload.size / 1048576, 1), "limit": max_bytes // 1048576}
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            kind = probe.format
            check_pixels(probe)
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
    except Image.DecompressionBombError as exc:
        raise ValidationError(BOMB, code="too_many_pixels") from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationError(_("This file is not a JPEG, PNG or WebP image.")) from exc
    if kind not in ACCEPTED_FORMATS:
        raise ValidationError(_("Upload a JPEG, PNG or WebP image."))
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{ext}")
