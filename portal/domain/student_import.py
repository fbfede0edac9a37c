"""The student import's limits, shared by the upload form (which refuses a large file before
reading it) and the import service."""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from portal.exceptions import StudentImportError

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
# Invitations go out inside the web request, after the commit (there is no task queue): each
# costs allauth's token (two queries) and an SMTP round trip, so the page stops well short of
# gunicorn's 30-second timeout. The command has no such limit.
PAGE_INVITE_LIMIT = 200


def check_size(size: int) -> None:
    """Refuse a file over MAX_BYTES before anyone reads it into memory."""
    if size > MAX_BYTES:
        raise StudentImportError(
            "too_large",
            _(
                "The file is %(size)s MB; the limit is 5 MB (%(max)s students). "
                "Split it into smaller files."
            )
            % {
                "size": number_format(size / 1048576, 1),
                "max": number_format(MAX_ROWS, force_grouping=True),
            },
            field="file",
        )
