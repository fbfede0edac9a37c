"""Errors that services raise for the user to read. Views turn them into form errors; tests
assert `code`, never the wording."""

from __future__ import annotations

from dataclasses import dataclass


class PortalError(Exception):
    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        # The form field the message belongs next to, where there is one.
        self.field = field


class LedgerError(PortalError):
    pass


class AccountError(PortalError):
    pass


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
            f"Nothing was applied: {count} line{'s' if count != 1 else ''} need fixing.",
        )
        self.rows = rows
