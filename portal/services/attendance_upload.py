"""The organiser's attendance upload: a CSV file or an Excel workbook (.xlsx) of enrollment
numbers, all or nothing.

Both formats are read the same way, the first column (of the first sheet), a header row
allowed, each line keeping its number for the error list. A workbook is judged by its bytes as
well as its name: anything called .xlsx, or shaped like one (a zip), must open as a workbook or
is refused as one. Limits: 1 MB uploaded, 5,000 enrollment numbers; a workbook also at most
20 MB unpacked (checked from the zip's directory before any XML is parsed, so a zip bomb is
refused unread) and 10,000 lines of sheet (an empty `<row r="1048576"/>` would otherwise make
the reader walk a million empty rows)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import openpyxl
from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.exceptions import BulkError, RowError
from portal.models import CheckIn, Event, Registration, Role, StudentProfile, User
from portal.permissions import can_manage_event

from .audit import record_audit
from .events import EventError, Method, credit_checkin, lock_event, walk_in_places

MAX_FILE_BYTES = 1024 * 1024
MAX_ROWS = 5000
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_SHEET_LINES = 10_000
HEADERS = {"ENROLLMENT_NUMBER", "ENROLLMENT", "STUDENT"}
ZIP_MAGIC = b"PK\x03\x04"

Status = Event.Status


@dataclass
class ImportReport:
    checked_in: list[str] = field(default_factory=list)
    # duplicates, students already checked in, and those whose check-in was annulled
    skipped: list[RowError] = field(default_factory=list)


def check_size(size: int) -> None:
    """Refuse a file over MAX_FILE_BYTES (the view asks before reading it)."""
    if size > MAX_FILE_BYTES:
        raise EventError("too_large", _("The file is larger than 1 MB; split it."), field="file")


def is_workbook(data: bytes, name: str) -> bool:
    """Named .xlsx, or a zip whatever its name (a workbook saved as "attendance.csv")."""
    return name.lower().endswith((".xlsx", ".xlsm")) or data.startswith(ZIP_MAGIC)


def parse_attendance_file(
    data: bytes, *, name: str = ""
) -> tuple[list[tuple[int, str]], list[RowError]]:
    """(line, enrollment number) for every good line and a RowError for every bad one, from a
    CSV or a workbook. Raises EventError (field "file") for a file unusable as a whole:
    too_large, not_csv, not_xlsx, too_many_rows, empty."""
    check_size(len(data))
    if name.lower().endswith(".xls"):
        raise EventError(
            "not_xlsx",
            _("Old Excel files (.xls) cannot be read: save it as .xlsx or as CSV."),
            field="file",
        )
    lines = _workbook_lines(data) if is_workbook(data, name) else _csv_lines(data)
    return _read_lines(lines)


def parse_attendance_csv(data: bytes) -> tuple[list[tuple[int, str]], list[RowError]]:
    """Enrollment numbers from an uploaded CSV: the first column, a header row allowed."""
    check_size(len(data))
    return _read_lines(_csv_lines(data))


def _csv_lines(data: bytes) -> Iterator[tuple[int, str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EventError(
            "not_csv", _("This is not a CSV text file (UTF-8)."), field="file"
        ) from exc
    if "\x00" in text:
        raise EventError("not_csv", _("This is not a CSV text file."), field="file")
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        yield number, row[0] if row and "".join(row).strip() else ""


def _not_a_workbook() -> EventError:
    return EventError(
        "not_xlsx",
        _(
            "This file is not a valid Excel workbook (.xlsx). Open it in a spreadsheet and save "
            "it again as .xlsx, or as CSV."
        ),
        field="file",
    )


def _workbook_lines(data: bytes) -> Iterator[tuple[int, str]]:
    """The first column of the first sheet, one (line, text) per sheet row."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _not_a_workbook() from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise EventError(
            "too_large",
            _("The workbook unpacks to %(size)s MB; the limit is 20 MB. Split it.")
            % {"size": number_format(unpacked / 1048576, 1)},
            field="file",
        )
    try:
        # read_only streams the sheet; data_only reads a formula's last computed value.
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors for a malformed file
        raise _not_a_workbook() from exc
    try:
        if not workbook.worksheets:
            raise _not_a_workbook()
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(max_col=1, values_only=True)
        for number, row in enumerate(_guarded(rows), start=1):
            if number > MAX_SHEET_LINES:
                raise EventError(
                    "too_many_rows",
                    _("The sheet is longer than %(max)s rows; split it.")
                    % {"max": number_format(MAX_SHEET_LINES, force_grouping=True)},
                    field="file",
                )
            yield number, _cell_text(row[0] if row else None)
    finally:
        workbook.close()


def _guarded(rows: Iterable[Any]) -> Iterator[Any]:
    """The sheet's rows; an error while parsing its XML is the file's fault, said as such."""
    iterator = iter(rows)
    while True:
        try:
            row = next(iterator)
        except StopIteration:
            return
        except Exception as exc:  # a broken sheet inside a valid zip
            raise _not_a_workbook() from exc
        yield row


def _cell_text(value: Any) -> str:
    """A cell as typed: enrollment numbers stored as numbers (2024001, or 2024001.0 once a
    spreadsheet touched them) read as their digits; a date is left as text to be refused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _read_lines(lines: Iterable[tuple[int, str]]) -> tuple[list[tuple[int, str]], list[RowError]]:
    rows: list[tuple[int, str]] = []
    errors: list[RowError] = []
    for number, raw in lines:
        if not raw.strip():
            continue
        value = raw.strip().upper()
        if number == 1 and value.replace(" ", "_") in HEADERS:
            continue
        if not value.isalnum() or len(value) > 32:
            errors.append(RowError(number, raw[:40], _("Not an enrollment number.")))
            continue
        rows.append((number, value))
        if len(rows) > MAX_ROWS:
            raise EventError(
                "too_many_rows",
                _("At most %(max)s rows per upload.") % {"max": MAX_ROWS},
                field="file",
            )
    if not rows and not errors:
        raise EventError("empty", _("The file has no enrollment numbers."), field="file")
    return rows, errors


@transaction.atomic
def import_attendance(*, actor: User, event_id: int, data: bytes, name: str = "") -> ImportReport:
    """Check in every student listed in an uploaded CSV or workbook (`name` is the file's
    name), all or nothing.

    Unknown or malformed enrollment numbers, or more students than places left, refuse the
    whole file (BulkError listing every bad line). Duplicates in the file and students already
    checked in are reported and skipped, never credited twice; so are students whose check-in
    the organiser annulled (a file must not undo an annulment: they are checked in by hand).
    Profiles are locked in key order, then the event."""
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        raise EventError("not_found", _("This event does not exist."))
    if not can_manage_event(actor, event):
        raise EventError("forbidden", _("Only the organiser can upload attendance."))
    rows, errors = parse_attendance_file(data, name=name)
    numbers = {value for _line, value in rows}
    profiles = {
        p.enrollment_number.upper(): p
        for p in StudentProfile.objects.select_for_update(of=("self",), no_key=True)
        .select_related("user")
        .filter(enrollment_number__in=numbers, user__role=Role.STUDENT, user__is_active=True)
        .order_by("pk")
    }
    event = lock_event(event_id)
    if event.status in (Status.CANCELLED, Status.DRAFT):
        raise EventError(
            "not_open", _("Attendance can be uploaded for published or completed events only.")
        )
    listed = CheckIn.objects.filter(event=event, student__in=profiles.values())
    already = set(listed.standing().values_list("student_id", flat=True))
    annulled = set(listed.annulled().values_list("student_id", flat=True))
    report = ImportReport()
    seen: dict[str, int] = {}
    to_credit: list[StudentProfile] = []
    for line, value in rows:
        profile = profiles.get(value)
        if profile is None:
            errors.append(RowError(line, value, _("No active student has this enrollment number.")))
        elif profile.user_id == actor.pk:
            errors.append(RowError(line, value, _("You cannot check yourself in.")))
        elif value in seen:
            report.skipped.append(
                RowError(
                    line,
                    value,
                    _("Listed twice (first on line %(line)s); credited once.")
                    % {"line": seen[value]},
                )
            )
        elif profile.pk in already:
            seen[value] = line
            report.skipped.append(
                RowError(line, value, _("Already checked in; not credited again."))
            )
        elif profile.pk in annulled:
            seen[value] = line
            report.skipped.append(
                RowError(
                    line,
                    value,
                    _("Their check-in was annulled; check them in by hand if they were there."),
                )
            )
        else:
            seen[value] = line
            to_credit.append(profile)
    places = walk_in_places(event)
    if places is not None:
        # Registered students keep their places; only the others need one.
        registered = set(
            Registration.objects.filter(
                event=event, status=Registration.Status.REGISTERED, student__in=to_credit
            ).values_list("student_id", flat=True)
        )
        walk_ins = [p for p in to_credit if p.pk not in registered]
        if len(walk_ins) > places:
            new = ngettext("%(count)s new check-in", "%(count)s new check-ins", len(walk_ins)) % {
                "count": len(walk_ins)
            }
            left = max(places, 0)
            errors.append(
                RowError(
                    0,
                    "",
                    ngettext(
                        "%(new)s but only %(left)s place left.",
                        "%(new)s but only %(left)s places left.",
                        left,
                    )
                    % {"new": new, "left": left},
                )
            )
    if errors:
        raise BulkError(sorted(errors, key=lambda e: e.line))
    for profile in to_credit:
        # Nobody here had a check-in annulled (they were skipped above).
        credit_checkin(event, profile, method=Method.CSV, by=actor, annulled=0)
        report.checked_in.append(profile.enrollment_number)
    record_audit(
        actor=actor,
        action="checkin.csv",
        target=event,
        after={"checked_in": len(report.checked_in), "skipped": len(report.skipped)},
    )
    return report
