"""The attendance upload reads Excel workbooks (.xlsx) as well as CSV (issue 19, item 6), with the
same rules: all or nothing, every bad line with its number, 1 MB and 5,000 rows. A file that
says it is a workbook and is not one is refused as such."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.exceptions import BulkError
from portal.models import CheckIn, Transaction
from portal.services import attendance_upload
from portal.services.attendance_upload import import_attendance, parse_attendance_file
from portal.services.events import EventError
from tests.conftest import ledger_total
from tests.factories import EventFactory
from tests.helpers import balance
from tests.html import find, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(faculty, category):
    return EventFactory(organiser=faculty, category=category, attendance_points=12)


def workbook(*rows: tuple[object, ...], sheets: int = 1) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    for n in range(1, sheets):
        book.create_sheet(f"Sheet {n + 1}").append(("CS999",))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def refused(code: str, faculty, event, data: bytes, name: str = "attendance.xlsx") -> EventError:
    before = ledger_total(), CheckIn.objects.count()
    with pytest.raises(EventError) as caught:
        import_attendance(actor=faculty, event_id=event.pk, data=data, name=name)
    assert caught.value.code == code
    assert caught.value.field == "file"
    assert (ledger_total(), CheckIn.objects.count()) == before
    return caught.value


def test_a_workbook_checks_everyone_in(faculty, event, student, other_student):
    data = workbook(("Enrollment number", "Name"), ("CS001", "Alice"), ("cs002 ", "Bob"))
    report = import_attendance(actor=faculty, event_id=event.pk, data=data, name="list.xlsx")
    assert sorted(report.checked_in) == ["CS001", "CS002"]
    assert set(CheckIn.objects.values_list("method", flat=True)) == {"csv"}
    assert (balance(student), balance(other_student)) == (12, 12)


def test_numbers_typed_as_numbers_are_enrollment_numbers(faculty, event):
    from tests.factories import StudentFactory

    StudentFactory(enrollment_number="2024001")
    StudentFactory(enrollment_number="2024002")
    data = workbook((2024001,), (2024002.0,))
    report = import_attendance(actor=faculty, event_id=event.pk, data=data, name="list.xlsx")
    assert sorted(report.checked_in) == ["2024001", "2024002"]


def test_only_the_first_sheet_is_read(faculty, event, student):
    data = workbook(("CS001",), sheets=2)
    report = import_attendance(actor=faculty, event_id=event.pk, data=data, name="list.xlsx")
    assert report.checked_in == ["CS001"]


def test_bad_rows_refuse_the_whole_workbook_with_their_line_numbers(faculty, event, student):
    data = workbook(("student",), ("CS001",), (None,), ("CS-77",), ("NOBODY1",), (3.5,))
    before = ledger_total(), CheckIn.objects.count()
    with pytest.raises(BulkError) as caught:
        import_attendance(actor=faculty, event_id=event.pk, data=data, name="list.xlsx")
    assert [(r.line, r.value) for r in caught.value.rows] == [
        (4, "CS-77"),
        (5, "NOBODY1"),
        (6, "3.5"),
    ]
    assert (ledger_total(), CheckIn.objects.count()) == before


def test_duplicates_in_a_workbook_are_credited_once(faculty, event, student):
    report = import_attendance(
        actor=faculty, event_id=event.pk, data=workbook(("CS001",), ("cs001",)), name="a.xlsx"
    )
    assert report.checked_in == ["CS001"]
    assert [(r.line, r.value) for r in report.skipped] == [(2, "CS001")]
    assert Transaction.objects.filter(kind="attendance").count() == 1


def test_a_file_named_xlsx_that_is_not_a_workbook_is_refused(faculty, event, student):
    error = refused("not_xlsx", faculty, event, b"CS001\n", name="attendance.xlsx")
    assert "not a valid Excel workbook" in error.message


def test_a_zip_that_is_not_a_workbook_is_refused_whatever_its_name(faculty, event, student):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "CS001")
    refused("not_xlsx", faculty, event, out.getvalue(), name="attendance.csv")


def test_a_truncated_workbook_is_refused(faculty, event, student):
    data = workbook(("CS001",))
    refused("not_xlsx", faculty, event, data[: len(data) // 2])


def test_an_old_excel_file_is_refused_with_what_to_do(faculty, event):
    error = refused("not_xlsx", faculty, event, b"\xd0\xcf\x11\xe0 old", name="list.xls")
    assert ".xlsx" in error.message


def test_a_workbook_over_1_mb_is_refused(faculty, event):
    refused("too_large", faculty, event, b"PK\x03\x04" + b"0" * attendance_upload.MAX_FILE_BYTES)


def test_a_workbook_that_unpacks_too_large_is_refused_unread(faculty, event, monkeypatch):
    monkeypatch.setattr(attendance_upload, "MAX_UNPACKED_BYTES", 1000)
    refused("too_large", faculty, event, workbook(*[(f"CS{i:03}",) for i in range(200)]))


def test_more_than_5000_enrollment_numbers_are_refused(faculty, event, monkeypatch):
    monkeypatch.setattr(attendance_upload, "MAX_ROWS", 3)
    refused("too_many_rows", faculty, event, workbook(*[(f"CS{i:03}",) for i in range(4)]))


def test_a_sheet_claiming_a_million_rows_is_refused_without_walking_them(faculty, event, student):
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook(("CS001",)))) as source,
        zipfile.ZipFile(out, "w") as target,
    ):
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b'ref="A1:A1"', b'ref="A1:A1048576"').replace(
                    b"</sheetData>", b'<row r="1048576"/></sheetData>'
                )
            target.writestr(item, content)
    refused("too_many_rows", faculty, event, out.getvalue())


def test_an_empty_workbook_has_no_enrollment_numbers(faculty, event):
    refused("empty", faculty, event, workbook())


def test_parsing_reads_the_first_column_with_line_numbers():
    rows, errors = parse_attendance_file(
        workbook(("Student",), ("CS001", "x"), (None,), (" cs002 ",)), name="a.xlsx"
    )
    assert rows == [(2, "CS001"), (4, "CS002")]
    assert errors == []


# --- through the page ----------------------------------------------------------------------------


def upload(client, event, content: bytes, name: str):
    return client.post(
        reverse("portal:event-attendance-upload", args=[event.pk]),
        {"file": SimpleUploadedFile(name, content)},
    )


def test_an_uploaded_workbook_checks_students_in(client_as, faculty, event, student):
    """Before: a workbook went through the CSV reader and was refused as "not a CSV text
    file"; nobody was checked in."""
    response = upload(client_as(faculty), event, workbook(("CS001",)), "attendance.xlsx")
    assert response.status_code == 200
    assert "Checked in 1 student." in text(find(response.content, role="status"))
    assert CheckIn.objects.get().student == student


def test_a_broken_workbook_is_said_next_to_the_file_field(client_as, faculty, event):
    response = upload(client_as(faculty), event, b"not a workbook", "attendance.xlsx")
    assert "not a valid Excel workbook" in text(find(response.content, id="div_id_file"))
    assert not CheckIn.objects.exists()


def test_bad_workbook_rows_are_listed_with_their_lines(client_as, faculty, event, student):
    response = upload(client_as(faculty), event, workbook(("CS001",), ("NOBODY",)), "a.xlsx")
    errors = text(find(response.content, role="alert"))
    assert "Line 2 (NOBODY)" in errors
    assert not CheckIn.objects.exists()


def test_the_file_field_accepts_csv_and_xlsx(client_as, faculty, event):
    page = client_as(faculty).get(reverse("portal:event-attendance", args=[event.pk]))
    field = find(page.content, "input", name="file")
    assert ".xlsx" in dict(field.attributes)["accept"]
