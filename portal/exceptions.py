"""Errors that services raise for the user to read. Views turn them into form errors; tests
assert `code`, never the wording."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import ngettext


class PortalError(Exception):
    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        # str(): a lazy message (a module-level gettext_lazy) is resolved in the language of the
        # request that raised it.
        message = str(message)
        super().__init__(message)
        self.code = code
        self.message = message
        # The form field the message belongs next to, where there is one.
        self.field = field


class LedgerError(PortalError):
    pass


class AccountError(PortalError):
    pass


class PartnerError(PortalError):
    """Partner companies and accounts (services.partners)."""


class StudentImportError(PortalError):
    """A student file as a whole is unusable (too large, not CSV, no header...); `field` is
    "file"."""


@dataclass(frozen=True)
class RowError:
    line: int
    value: str
    reason: str


class BulkError(PortalError):
    """A bulk operation refused as a whole; `rows` lists every bad input line."""

    def __init__(self, rows: list[RowError]) -> None:
        count = len(rows)
        super().__init__(
            "bad_rows",
            ngettext(
                "Nothing was applied: %(count)s line needs fixing.",
                "Nothing was applied: %(count)s lines need fixing.",
                count,
            )
            % {"count": count},
        )
        self.rows = rows


class YearEndError(PortalError):
    """A year-end close refused: forbidden, bad_year, future_year, already_closed."""


class WebhookError(PortalError):
    pass
