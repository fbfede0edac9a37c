"""Student import: the service (all or nothing, every bad row reported, re-import by enrollment
number, invitations after commit) and the `import_students` command."""

from __future__ import annotations

import re
from collections.abc import Sequence
from io import StringIO
from pathlib import Path
from smtplib import SMTPException

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.exceptions import BulkError
from portal.models import AuditLog, Role, StudentProfile, User
from portal.services import imports
from portal.services.imports import StudentImportError, import_students, parse_student_csv
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "email,name,enrollment_number,department,programme,year"
ASHA = "asha@upas.test,Asha Rao,CS100,CS,BSc Computer Science,1"
LI = "li@upas.test,Li Wei,CS101,Computer Science,MSc Data Science,2"


def csv_of(*lines: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *lines]).encode()


def counts() -> tuple[int, int, int, int]:
    """What an import writes: users, profiles, email addresses, audit rows."""
    return (
        User.objects.count(),
        StudentProfile.objects.count(),
        EmailAddress.objects.count(),
        AuditLog.objects.count(),
    )


def refused(admin: User, data: bytes) -> list[tuple[int, str, str]]:
    """Import `data` expecting a refusal that writes nothing; (line, value, reason) per problem."""
    before = counts()
    with pytest.raises(BulkError) as exc:
        import_students(actor=admin, data=data)
    assert counts() == before
    return [(r.line, r.value, r.reason) for r in exc.value.rows]


def many(n: int, start: int = 0) -> bytes:
    return csv_of(
        *(f"s{i}@upas.test,Student {i},BULK{i:06d},CS,BSc,{i % 4 + 1}" for i in range(start, n))
    )


# --- a good file --------------------------------------------------------------------------------


def test_good_file_creates_students_with_verified_addresses_and_no_password(admin, department):
    report = import_students(actor=admin, data=csv_of(ASHA, LI))
    assert (report.file_rows, report.created, report.updated, report.unchanged) == (2, 2, 0, 0)
    asha = StudentProfile.objects.select_related("user").get(enrollment_number="CS100")
    assert (asha.user.email, asha.user.name, asha.user.role) == (
        "asha@upas.test",
        "Asha Rao",
        Role.STUDENT,
    )
    assert (asha.department, asha.programme, asha.year) == (department, "BSc Computer Science", 1)
    assert (asha.balance, asha.lifetime_points, asha.show_on_leaderboard) == (0, 0, True)
    assert not asha.user.has_usable_password()
    assert asha.user.is_active
    address = EmailAddress.objects.get(user=asha.user)
    assert (address.email, address.verified, address.primary) == ("asha@upas.test", True, True)
    li = StudentProfile.objects.get(enrollment_number="CS101")
    assert (li.department, li.year) == (department, 2)


def test_import_is_audited_once_with_its_counts(admin, department):
    import_students(actor=admin, data=csv_of(ASHA, LI))
    audit = AuditLog.objects.get()
    assert (audit.action, audit.actor, audit.target_id) == ("students.import", admin, str(admin.pk))
    assert audit.after == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "file_rows": 2,
        "released_signups": 0,
        "invite": False,
    }


def test_header_variants_bom_blank_lines_and_extra_columns_are_accepted(admin, department):
    data = (
        "\ufeff Email , Full Name,Enrolment Number,DEPT,Program,Year of study,Notes\r\n"
        "\r\n"
        " ASHA@UPAS.test , Asha Rao ,cs100, cs ,BSc,1,first in the queue\r\n"
        '"li@upas.test","Wei, Li",CS101,computer science,,3\r\n'
    ).encode()
    report = import_students(actor=admin, data=data)
    assert report.created == 2
    asha = StudentProfile.objects.select_related("user").get(enrollment_number="CS100")
    assert (asha.user.email, asha.user.name, asha.department) == (
        "asha@upas.test",
        "Asha Rao",
        department,
    )
    li = StudentProfile.objects.select_related("user").get(enrollment_number="CS101")
    assert (li.user.name, li.programme, li.year) == ("Wei, Li", "", 3)


def test_only_active_admins_can_import(faculty, department):
    before = counts()
    with pytest.raises(StudentImportError) as exc:
        import_students(actor=faculty, data=csv_of(ASHA))
    assert exc.value.code == "forbidden"
    assert counts() == before


# --- bad rows -----------------------------------------------------------------------------------


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written(admin, department):
    problems = refused(
        admin,
        csv_of(
            ASHA,  # line 2 is fine, and still not written
            "not-an-email,Bad Email,CS102,CS,BSc,1",
            "ok3@upas.test,,CS103,CS,BSc,1",
            "ok4@upas.test,Year Zero,CS104,CS,BSc,0",
            "ok5@upas.test,Year Word,CS105,CS,BSc,two",
            "ok6@upas.test,Dashed Number,CS-106,CS,BSc,1",
            "ok7@upas.test,Unknown Dept,CS107,XX,BSc,1",
            "ok8@upas.test,Short Row,CS108",
            "ok9@upas.test,Unquoted, Comma,CS109,CS,BSc,1",
            f"ok10@upas.test,{'N' * 151},CS110,CS,BSc,1",
            f"ok11@upas.test,Long Number,{'A' * 33},CS,BSc,1",
            "ok12@upas.test,Two Problems,CS112,,BSc,11",
            # A bad year does not hide the unknown department: one pass reports both.
            "ok13@upas.test,Year And Dept,CS113,Physics,BSc,0",
        ),
    )
    lines = [line for line, _value, _reason in problems]
    assert lines == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 13, 14, 14]
    by_line = {line: (value, reason) for line, value, reason in problems}
    assert by_line[3] == ("not-an-email", "This is not a valid email address.")
    assert by_line[4][1] == "The name is missing."
    assert by_line[5][0] == "0" and "from 1 to 10" in by_line[5][1]
    assert by_line[6][0] == "two"
    assert by_line[7][0] == "CS-106"
    assert by_line[8][0] == "XX" and "Known codes: CS" in by_line[8][1]
    assert "columns" in by_line[9][1]
    assert "needs quotes" in by_line[10][1]
    assert "150" in by_line[11][1]
    assert "32" in by_line[12][1]
    assert [value for line, value, _reason in problems if line == 14] == ["0", "Physics"]


def test_duplicate_emails_and_enrollment_numbers_in_the_file_are_refused(admin, department):
    problems = refused(
        admin,
        csv_of(
            ASHA, "ASHA@upas.test,Asha Again,CS200,CS,BSc,1", "other@upas.test,Copy,cs100,CS,,1"
        ),
    )
    assert problems == [
        (3, "asha@upas.test", "The same email is on line 2."),
        (4, "CS100", "The same enrollment number is on line 2."),
    ]


def test_email_of_a_staff_account_is_refused(admin, faculty, department):
    problems = refused(admin, csv_of("Faculty@upas.test,Sneaky,CS300,CS,BSc,1"))
    assert problems == [
        (2, "faculty@upas.test", "This email belongs to a staff account (faculty or admin).")
    ]


def test_email_of_another_student_is_refused(admin, student, department):
    problems = refused(admin, csv_of(f"{student.user.email},Impostor,CS999,CS,BSc,1"))
    assert problems == [
        (
            2,
            student.user.email,
            "This email belongs to the student with enrollment number CS001.",
        )
    ]


def test_secondary_address_of_another_account_is_refused(admin, student, department):
    EmailAddress.objects.create(user=student.user, email="alias@upas.test", verified=False)
    problems = refused(admin, csv_of("alias@upas.test,Alias,CS998,CS,BSc,1"))
    assert [(line, value) for line, value, _reason in problems] == [(2, "alias@upas.test")]


def test_departments_are_never_created(admin, department):
    refused(admin, csv_of("new@upas.test,New,CS400,Astrophysics,BSc,1"))
    assert [d.code for d in type(department).objects.all()] == ["CS"]


# --- re-import ----------------------------------------------------------------------------------


def test_reimport_updates_by_enrollment_number_and_leaves_points_alone(
    admin, faculty, student, category, give
):
    give(student, 30, actor=faculty, category=category)
    student.user.email_opt_outs = ["points"]
    student.user.save(update_fields=["email_opt_outs"])
    student.show_on_leaderboard = False
    student.save(update_fields=["show_on_leaderboard"])
    maths = DepartmentFactory(name="Mathematics", code="MA")
    EmailAddress.objects.create(user=student.user, email="alice.home@upas.test", verified=True)
    report = import_students(
        actor=admin,
        data=csv_of("alice.new@upas.test,Alice Renamed,cs001,MA,MSc Maths,3", ASHA),
    )
    assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
    student.refresh_from_db()
    student.user.refresh_from_db()
    assert (student.user.name, student.user.email) == ("Alice Renamed", "alice.new@upas.test")
    assert (student.department, student.programme, student.year) == (maths, "MSc Maths", 3)
    assert (student.balance, student.lifetime_points) == (30, 30)
    assert (student.user.role, student.user.is_active, student.show_on_leaderboard) == (
        Role.STUDENT,
        True,
        False,
    )
    assert student.user.has_usable_password()  # their password is theirs
    addresses = {
        a.email: (a.verified, a.primary) for a in EmailAddress.objects.filter(user=student.user)
    }
    # The new login address is verified and primary; one they added themselves stays.
    assert addresses == {
        "alice.new@upas.test": (True, True),
        "alice.home@upas.test": (True, False),
    }


def test_reimporting_the_same_file_changes_nothing(admin, department):
    import_students(actor=admin, data=csv_of(ASHA, LI))
    before = counts()
    report = import_students(actor=admin, data=csv_of(ASHA, LI))
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert counts() == (before[0], before[1], before[2], before[3] + 1)  # one more audit row


def test_reimport_never_changes_a_promoted_students_role(admin, student, department):
    student.user.role = Role.FACULTY
    student.user.save(update_fields=["role"])
    report = import_students(
        actor=admin, data=csv_of(f"{student.user.email},Alice Student,CS001,CS,BSc,4")
    )
    assert report.updated == 1
    student.user.refresh_from_db()
    student.refresh_from_db()
    assert (student.user.role, student.year) == (Role.FACULTY, 4)


def test_reimport_may_not_take_another_students_email(admin, student, other_student):
    problems = refused(admin, csv_of(f"{other_student.user.email},Alice Student,CS001,CS,BSc,1"))
    assert problems[0][2] == "This email belongs to the student with enrollment number CS002."


# --- files that are not a student list ---------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


@pytest.mark.parametrize(
    "data",
    [
        PNG,
        b"email,name\x00,enrollment_number\n",
        HEADER.encode() + b"\n\x01\x02\x03binary,stuff,here,CS,BSc,1\n",
        "email,name,enrollment_number,department,programme,year\nzoë@upas.test,Zoë,Z1,CS,,1".encode(
            "latin-1"
        ),
        "email,name\n".encode("utf-16"),
    ],
    ids=["png", "nul", "control-chars", "latin-1", "utf-16"],
)
def test_a_file_that_is_not_csv_text_is_refused(admin, department, data):
    before = counts()
    with pytest.raises(StudentImportError) as exc:
        import_students(actor=admin, data=data)
    assert (exc.value.code, exc.value.field) == ("not_csv", "file")
    assert exc.value.message.startswith("This is not a CSV text file")
    assert counts() == before


def test_a_file_over_5_mb_is_refused_before_parsing(admin, department):
    data = csv_of(ASHA) + b"\n" + b"x" * imports.MAX_BYTES
    with pytest.raises(StudentImportError) as exc:
        import_students(actor=admin, data=data)
    assert (exc.value.code, exc.value.field) == ("too_large", "file")
    assert "5 MB" in exc.value.message


def test_more_than_20000_rows_are_refused(department):
    with pytest.raises(StudentImportError) as exc:
        parse_student_csv(many(imports.MAX_ROWS + 1))
    assert exc.value.code == "too_many_rows"


def test_exactly_20000_rows_parse(department):
    rows, errors = parse_student_csv(many(imports.MAX_ROWS))
    assert (len(rows), errors) == (imports.MAX_ROWS, [])


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"\xef\xbb\xbf \r\n\r\n", "empty"),
        (b",,,\n,,,\n", "empty"),
        (HEADER.encode() + b"\n\n", "empty"),
        (ASHA.encode() + b"\n" + LI.encode(), "bad_header"),
        (b"email,name,enrollment_number,programme,year\n" + ASHA.encode(), "bad_header"),
        (b"email,email,name,enrollment_number,department,programme,year\n", "bad_header"),
    ],
    ids=["empty", "blank", "empty-cells", "header-only", "no-header", "column-missing", "twice"],
)
def test_files_without_a_header_or_students_are_refused(admin, department, data, code):
    before = counts()
    with pytest.raises(StudentImportError) as exc:
        import_students(actor=admin, data=data)
    assert (exc.value.code, exc.value.field) == (code, "file")
    assert counts() == before


def test_missing_columns_are_named(department):
    with pytest.raises(StudentImportError) as exc:
        parse_student_csv(b"email,name,programme\n")
    assert "missing: enrollment_number, department, year" in exc.value.message


# --- invitations --------------------------------------------------------------------------------


def invitation_path(message: mail.EmailMessage) -> str:
    found = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", message.body)
    assert found, message.body
    return found.group(1)


def test_invitations_go_to_new_students_only_and_only_after_commit(
    admin, student, django_capture_on_commit_callbacks
):
    data = csv_of(f"{student.user.email},Alice Student,CS001,CS,BSc,3", ASHA, LI)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = import_students(actor=admin, data=data, invite=True)
        assert mail.outbox == []  # nothing is sent from inside the transaction
    assert (report.created, report.updated) == (2, 1)
    assert len(callbacks) == 1
    callbacks[0]()
    assert sorted(m.to[0] for m in mail.outbox) == ["asha@upas.test", "li@upas.test"]
    assert (report.invitations_sent, report.invitations_failed) == (2, 0)
    assert "Asha Rao" in next(m.body for m in mail.outbox if m.to == ["asha@upas.test"])


def test_no_invitations_unless_asked(admin, department, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        import_students(actor=admin, data=csv_of(ASHA))
    assert (callbacks, mail.outbox) == ([], [])


def test_an_invited_student_sets_a_password_and_signs_in(
    admin, department, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        import_students(actor=admin, data=csv_of(ASHA), invite=True)
    client = Client()
    set_password_page = client.get(invitation_path(mail.outbox[0]), follow=True)
    assert set_password_page.status_code == 200
    path = set_password_page.redirect_chain[-1][0]
    response = client.post(path, {"password1": "a-Long-new-pw-42", "password2": "a-Long-new-pw-42"})
    assert response.status_code == 302
    signed_in = Client()
    response = signed_in.post(
        reverse("account_login"), {"login": "asha@upas.test", "password": "a-Long-new-pw-42"}
    )
    assert response.status_code == 302
    assert signed_in.get(reverse("portal:dashboard")).context["user"].email == "asha@upas.test"
    # The link worked once.
    assert Client().get(invitation_path(mail.outbox[0]), follow=True).context.get("token_fail")


class BrokenBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[mail.EmailMessage]) -> int:
        raise SMTPException("mail server down")


def test_a_failing_mail_server_does_not_fail_the_import(
    admin, department, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.BrokenBackend"
    with django_capture_on_commit_callbacks(execute=True):
        report = import_students(actor=admin, data=csv_of(ASHA, LI), invite=True)
    assert (report.created, report.invitations_sent, report.invitations_failed) == (2, 0, 2)
    assert StudentProfile.objects.filter(enrollment_number__in=["CS100", "CS101"]).count() == 2


# --- bulk: statements per batch, not per row ------------------------------------------------------


def queries_for(admin: User, data: bytes) -> int:
    with CaptureQueriesContext(connection) as captured:
        import_students(actor=admin, data=data)
    return len(captured)


def test_queries_grow_with_batches_not_rows(admin, department):
    small = queries_for(admin, many(100))
    large = queries_for(admin, many(2100, start=100))
    # PostgreSQL writes 1,000 rows per statement (about a dozen queries for 2,000 students);
    # Django caps a SQLite statement at 999 parameters (about 80 users of 12 columns), hence the
    # headroom (it grows with the user table's columns).
    assert small < 20
    assert large < 90
    assert StudentProfile.objects.filter(enrollment_number__startswith="BULK").count() == 2100


def test_a_reimport_of_2000_students_with_changes_stays_in_batches(admin, department):
    import_students(actor=admin, data=many(2000))
    changed = many(2000).replace(b",BSc,", b",MSc,")
    with CaptureQueriesContext(connection) as captured:
        report = import_students(actor=admin, data=changed)
    assert (report.updated, report.unchanged) == (2000, 0)
    assert len(captured) < 30
    assert not StudentProfile.objects.filter(programme="BSc").exists()


# --- the command ----------------------------------------------------------------------------------


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_students", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "students.csv"
    path.write_bytes(data)
    return str(path)


def test_command_imports_and_prints_the_report(tmp_path, admin, department):
    out, err = run(write(tmp_path, csv_of(ASHA, LI)))
    assert "Imported 2 rows from students.csv: 2 new, 0 updated, 0 unchanged." in out
    assert err == ""
    assert AuditLog.objects.get(action="students.import").actor == admin


def test_command_prints_every_bad_row_and_exits_1(tmp_path, admin, department):
    before = counts()
    path = write(tmp_path, csv_of(ASHA, "bad,Bad,CS1,CS,BSc,1", "x@upas.test,X,CS2,ZZ,BSc,1"))
    err = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import_students", path, stdout=StringIO(), stderr=err)
    assert exc.value.returncode == 1
    assert "Nothing was imported: 2 problems on 2 lines." in str(exc.value)
    lines = err.getvalue().splitlines()
    assert lines[0] == "line 3: bad: This is not a valid email address."
    assert lines[1].startswith("line 4: ZZ: No such department.")
    assert counts() == before


def test_command_refuses_a_file_that_is_not_csv_with_exit_1(tmp_path, admin):
    with pytest.raises(CommandError) as exc:
        run(write(tmp_path, PNG))
    assert exc.value.returncode == 1
    assert "This is not a CSV text file" in str(exc.value)


def test_command_exits_2_for_a_missing_file(tmp_path, admin):
    with pytest.raises(CommandError) as exc:
        run(str(tmp_path / "nope.csv"))
    assert (exc.value.returncode, str(exc.value)) == (2, f"No such file: {tmp_path / 'nope.csv'}")


def test_command_acts_as_the_named_admin(tmp_path, admin, department):
    second = UserFactory(email="second.admin@upas.test", role=Role.ADMIN)
    run(write(tmp_path, csv_of(ASHA)), "--as", "Second.Admin@upas.test")
    assert AuditLog.objects.get(action="students.import").actor == second


@pytest.mark.parametrize("who", ["faculty@upas.test", "nobody@upas.test"])
def test_command_exits_2_when_as_is_not_an_admin(tmp_path, admin, faculty, department, who):
    with pytest.raises(CommandError) as exc:
        run(write(tmp_path, csv_of(ASHA)), "--as", who)
    assert exc.value.returncode == 2
    assert not StudentProfile.objects.exists()


def test_command_exits_2_without_any_admin(tmp_path, department):
    with pytest.raises(CommandError) as exc:
        run(write(tmp_path, csv_of(ASHA)))
    assert exc.value.returncode == 2
    assert "createsuperuser" in str(exc.value)


def test_command_invites_new_students(tmp_path, admin, student, django_capture_on_commit_callbacks):
    data = csv_of(f"{student.user.email},Alice Student,CS001,CS,BSc,1", ASHA)
    # Inside the test's transaction the commit is simulated: run the callbacks as it would.
    with django_capture_on_commit_callbacks(execute=True):
        out, _err = run(write(tmp_path, data), "--invite")
    assert [m.to for m in mail.outbox] == [["asha@upas.test"]]
    assert "Imported 2 rows" in out
