"""Reading a student CSV: its size, its header and every row's syntax. Nothing here touches
the database; `applying.import_students` checks the rows against it and writes them."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portal.domain.student_import import MAX_ROWS, check_size
from portal.exceptions import RowError, StudentImportError
from portal.models import StudentProfile, User

YEARS = range(1, 11)
# Rows per INSERT/UPDATE statement. Django lowers it further on SQLite, whose statements take at
# most 999 parameters: there a batch is about 90 users, so 10,000 rows are ~230 statements.
BATCH_SIZE = 1000
# Values per `IN (...)` lookup: far below SQLite's 32,766 parameters (3.32+), and 20,000 rows
# need at most ten lookups.
LOOKUP_CHUNK = 2000

COLUMNS = ("email", "name", "enrollment_number", "department", "programme", "year")
# Headers people actually write, after lower-casing and turning spaces and dashes into "_".
HEADER_ALIASES = {
    "e_mail": "email",
    "email_address": "email",
    "full_name": "name",
    "student_name": "name",
    "enrollment": "enrollment_number",
    "enrollment_no": "enrollment_number",
    "enrolment": "enrollment_number",
    "enrolment_number": "enrollment_number",
    "enrolment_no": "enrollment_number",
    "dept": "department",
    "department_code": "department",
    "program": "programme",
    "year_of_study": "year",
    "mentor": "mentor_email",
    "mentor_e_mail": "mentor_email",
}
NOT_CSV = gettext_lazy("This is not a CSV text file. Save it as “CSV UTF-8” and upload it again.")
# Control characters never appear in a spreadsheet's CSV; they mean a binary file that happens
# to decode as UTF-8 (tab, newline and carriage return are fine).
BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

EMAIL_MAX = User._meta.get_field("email").max_length or 254
NAME_MAX = User._meta.get_field("name").max_length or 150
ENROLLMENT_MAX = StudentProfile._meta.get_field("enrollment_number").max_length or 32
PROGRAMME_MAX = StudentProfile._meta.get_field("programme").max_length or 120
VALUE_SHOWN = 80  # characters of a bad value repeated in the report

T = TypeVar("T")


@dataclass(frozen=True)
class StudentRow:
    line: int
    email: str  # lower-cased
    name: str
    enrollment_number: str  # upper-cased
    department: str  # as written; resolved against Department rows by import_students
    programme: str
    year: int


@dataclass
class ImportReport:
    file_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invite: bool = False
    # Filled in after the commit, when the invitations have gone out (see _send_invitations).
    invitations_sent: int = 0
    invitations_failed: int = 0
    # Unverified sign-ups removed because they held an address in the file.
    released: int = 0


# --- reading the file ---------------------------------------------------------------------------


def decode_csv(data: bytes) -> str:
    check_size(len(data))
    try:
        text = data.decode("utf-8-sig")  # -sig: Excel's "CSV UTF-8" starts with a BOM
    except UnicodeDecodeError as exc:
        raise StudentImportError("not_csv", NOT_CSV, field="file") from exc
    if BINARY.search(text):
        raise StudentImportError("not_csv", NOT_CSV, field="file")
    if not text.strip():
        raise StudentImportError("empty", _("The file is empty."), field="file")
    return text


def header_key(cell: str) -> str:
    key = re.sub(r"[\s\-]+", "_", cell.strip().lower())
    return HEADER_ALIASES.get(key, key)


def header_columns(header: list[str], columns: tuple[str, ...] = COLUMNS) -> dict[str, int]:
    """Where each required column is; extra columns (notes, a student's phone...) are ignored.
    Also read the mentor file (services.mentors), with its own columns."""
    keys = [header_key(cell) for cell in header]
    missing = [c for c in columns if c not in keys]
    if missing:
        raise StudentImportError(
            "bad_header",
            _(
                "The first row must name the columns %(columns)s (missing: %(missing)s). "
                "Download the template to see the layout."
            )
            % {"columns": ", ".join(columns), "missing": ", ".join(missing)},
            field="file",
        )
    doubled = sorted({k for k in keys if k in columns and keys.count(k) > 1})
    if doubled:
        raise StudentImportError(
            "bad_header",
            _("The header names %(columns)s more than once.") % {"columns": ", ".join(doubled)},
            field="file",
        )
    return {column: keys.index(column) for column in columns}


def csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first physical line, cells) for each non-blank CSV record."""
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if any(cell.strip() for cell in cells):
                yield start, cells
    except csv.Error as exc:
        raise StudentImportError(
            "not_csv",
            _("Line %(line)s cannot be read as CSV (%(error)s).") % {"line": line, "error": exc},
            field="file",
        ) from exc


def shown(value: str) -> str:
    return value if len(value) <= VALUE_SHOWN else value[: VALUE_SHOWN - 1] + "…"


def parse_student_csv(data: bytes) -> tuple[list[StudentRow], list[RowError]]:
    """Check the file's shape and every row's syntax; nothing is looked up in the database.

    Returns every row that has its columns, and a RowError for every problem (a line with two
    problems has two). Rows with problems are returned too, so that the database checks can
    report everything about a file in one pass; nothing may be written unless `errors` is
    empty (the year of such a row may be 0). Raises StudentImportError (field "file") when
    the file as a whole is unusable: over 5 MB or 20,000 rows, not UTF-8 text, empty, no
    header row or no students."""
    records = csv_records(decode_csv(data))
    first = next(records, None)
    if first is None:
        raise StudentImportError("empty", _("The file is empty."), field="file")
    header_line, header = first
    where = header_columns(header)
    width = max(where.values()) + 1
    rows: list[StudentRow] = []
    errors: list[RowError] = []
    first_email: dict[str, int] = {}
    first_number: dict[str, int] = {}
    count = 0
    for line, cells in records:
        count += 1
        if count > MAX_ROWS:
            raise StudentImportError(
                "too_many_rows",
                _("The file has more than %(max)s students; split it into smaller files.")
                % {"max": number_format(MAX_ROWS, force_grouping=True)},
                field="file",
            )
        extra = any(cell.strip() for cell in cells[len(header) :])
        if len(cells) < width or extra:
            # More values than columns is usually an unquoted comma ("Rao, Asha"): the values
            # after it would land in the wrong columns, so the row is refused, not guessed at.
            errors.append(
                RowError(
                    line,
                    shown(",".join(cells)),
                    ngettext(
                        "This row has %(count)s value but the header has %(columns)s "
                        "(a comma inside a value needs quotes).",
                        "This row has %(count)s values but the header has %(columns)s "
                        "(a comma inside a value needs quotes).",
                        len(cells),
                    )
                    % {
                        "count": len(cells),
                        "columns": ngettext("%(count)s column", "%(count)s columns", len(header))
                        % {"count": len(header)},
                    },
                )
            )
            continue
        get = {column: cells[index].strip() for column, index in where.items()}
        problems = _row_problems(get)
        email = get["email"].lower()
        number = get["enrollment_number"].upper()
        if email and email in first_email:
            problems.append(
                (email, _("The same email is on line %(line)s.") % {"line": first_email[email]})
            )
        if number and number in first_number:
            problems.append(
                (
                    number,
                    _("The same enrollment number is on line %(line)s.")
                    % {"line": first_number[number]},
                )
            )
        first_email.setdefault(email, line)
        first_number.setdefault(number, line)
        errors.extend(RowError(line, shown(value), reason) for value, reason in problems)
        year = get["year"]
        rows.append(
            StudentRow(
                line=line,
                email=email,
                name=get["name"],
                enrollment_number=number,
                department=get["department"],
                programme=get["programme"],
                year=int(year) if year.isascii() and year.isdigit() else 0,
            )
        )
    if count == 0:
        raise StudentImportError(
            "empty",
            _("The file has a header on line %(line)s but no students.") % {"line": header_line},
            field="file",
        )
    return rows, errors


def _row_problems(get: dict[str, str]) -> list[tuple[str, str]]:
    """(value, reason) for each field of one row that is wrong on its own."""
    problems: list[tuple[str, str]] = []
    email, name, number = get["email"], get["name"], get["enrollment_number"]
    if not email:
        problems.append(("", _("The email is missing.")))
    elif len(email) > EMAIL_MAX:
        problems.append(
            (
                email,
                ngettext(
                    "The email is longer than %(max)s character.",
                    "The email is longer than %(max)s characters.",
                    EMAIL_MAX,
                )
                % {"max": EMAIL_MAX},
            )
        )
    else:
        try:
            validate_email(email)
        except ValidationError:
            problems.append((email, _("This is not a valid email address.")))
    if not name:
        problems.append(("", _("The name is missing.")))
    elif len(name) > NAME_MAX:
        problems.append(
            (
                name,
                ngettext(
                    "The name is longer than %(max)s character.",
                    "The name is longer than %(max)s characters.",
                    NAME_MAX,
                )
                % {"max": NAME_MAX},
            )
        )
    number_problem = enrollment_number_problem(number)
    if number_problem:
        problems.append((number, number_problem))
    if not get["department"]:
        problems.append(("", _("The department is missing (its code or name).")))
    if len(get["programme"]) > PROGRAMME_MAX:
        problems.append(
            (
                get["programme"],
                ngettext(
                    "The programme is longer than %(max)s character.",
                    "The programme is longer than %(max)s characters.",
                    PROGRAMME_MAX,
                )
                % {"max": PROGRAMME_MAX},
            )
        )
    year = get["year"]
    if not (year.isascii() and year.isdigit() and int(year) in YEARS):
        problems.append(
            (
                year,
                _("The year must be a whole number from %(first)s to %(last)s.")
                % {"first": YEARS[0], "last": YEARS[-1]},
            )
        )
    return problems


def enrollment_number_problem(number: str) -> str | None:
    """What is wrong with an enrollment number on its own, or None."""
    if not number:
        return _("The enrollment number is missing.")
    # ASCII only, as printed on student cards: "Ｓ１２" or "S–12" would look right and never match.
    if not (number.isascii() and number.isalnum()):
        return _("An enrollment number has only letters and digits.")
    if len(number) > ENROLLMENT_MAX:
        return ngettext(
            "The enrollment number is longer than %(max)s character.",
            "The enrollment number is longer than %(max)s characters.",
            ENROLLMENT_MAX,
        ) % {"max": ENROLLMENT_MAX}
    return None


def parse_enrollment_list(text: str) -> tuple[list[tuple[int, str]], list[RowError]]:
    """A pasted list of enrollment numbers, one a line (or the first column of a CSV file, with
    or without an "enrollment_number" header): (line, number) for each, and a RowError for each
    bad or repeated one. Blank lines are skipped; nothing is looked up in the database."""
    if BINARY.search(text):
        raise StudentImportError("not_csv", NOT_CSV, field="graduates")
    numbers: list[tuple[int, str]] = []
    errors: list[RowError] = []
    first_seen: dict[str, int] = {}
    for line, raw in enumerate(text.splitlines(), start=1):
        number = raw.split(",", 1)[0].strip().strip('"').strip()
        if not number or (line == 1 and header_key(number) == "enrollment_number"):
            continue
        problem = enrollment_number_problem(number)
        if problem is None and number in first_seen:
            problem = _("Already on line %(line)s.") % {"line": first_seen[number]}
        if problem is not None:
            errors.append(RowError(line=line, value=shown(number), reason=problem))
            continue
        first_seen[number] = line
        numbers.append((line, number))
    if len(numbers) > MAX_ROWS:
        raise StudentImportError(
            "too_many",
            _("At most %(max)s enrollment numbers at once.")
            % {"max": number_format(MAX_ROWS, force_grouping=True)},
            field="graduates",
        )
    return numbers, errors
