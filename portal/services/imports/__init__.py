"""Student import from a CSV file (issue 8): one door for the `import_students` command and the
admin page.

The file is the registry's word on six columns: email, name, enrollment_number, department,
programme, year. An import is all or nothing: every row is checked first (syntax in
`parse_student_csv`, then against the database in `import_students`), and a single bad row
refuses the whole file with a BulkError that lists every problem with its line number. Only a
clean file is written, in one transaction, with bulk statements (a few per thousand rows, never
one per row), so 10,000 students take seconds on SQLite and PostgreSQL.

Students are matched by enrollment number: a new number creates a student (user with no usable
password, a verified primary email address, a profile with balance 0); a known number updates
name, email, department, programme and year, and nothing else: balance, points, role, active flag
and privacy choice belong to other services."""

from __future__ import annotations

from portal.domain.student_import import MAX_BYTES, MAX_ROWS, PAGE_INVITE_LIMIT, check_size
from portal.exceptions import StudentImportError

from .applying import describe_refusal, import_students
from .invitations import invitation_link
from .parsing import COLUMNS, ImportReport, StudentRow, parse_student_csv

__all__ = [
    "COLUMNS",
    "MAX_BYTES",
    "MAX_ROWS",
    "PAGE_INVITE_LIMIT",
    "ImportReport",
    "StudentImportError",
    "StudentRow",
    "check_size",
    "describe_refusal",
    "import_students",
    "invitation_link",
    "parse_student_csv",
]
