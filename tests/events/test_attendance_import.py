"""The attendance upload: a CSV of enrollment numbers, all or nothing. Bad rows refuse the whole
file with their line numbers; duplicates and students already checked in are skipped, never
credited twice."""

from __future__ import annotations

import pytest

from portal.exceptions import BulkError
from portal.models import AuditLog, CheckIn, Event, Transaction
from portal.services.attendance_upload import (
    MAX_FILE_BYTES,
    import_attendance,
    parse_attendance_csv,
)
from portal.services.events import EventError, check_in
from tests.conftest import ledger_total
from tests.factories import EventFactory, StudentFactory
from tests.helpers import balance

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(faculty, category):
    return EventFactory(organiser=faculty, category=category, attendance_points=12)


def written() -> tuple[tuple[int, int], int]:
    return ledger_total(), CheckIn.objects.count()


def upload(actor, event, text: str | bytes):
    data = text.encode() if isinstance(text, str) else text
    return import_attendance(actor=actor, event_id=event.pk, data=data)


def refused(error: str, actor, event, data: str | bytes) -> EventError:
    before = written()
    with pytest.raises(EventError) as caught:
        upload(actor, event, data)
    assert caught.value.code == error
    assert written() == before
    return caught.value


def bulk_refused(actor, event, data: str) -> list[tuple[int, str]]:
    """The upload is refused as a whole; returns (line, value) of every bad row."""
    before = written()
    with pytest.raises(BulkError) as caught:
        upload(actor, event, data)
    assert written() == before
    return [(row.line, row.value) for row in caught.value.rows]


# --- good files ---------------------------------------------------------------------------------


def test_a_good_file_with_a_header_checks_everyone_in(faculty, event, student, other_student):
    report = upload(faculty, event, "enrollment_number,name\nCS001,Alice\nCS002,Bob\n")
    assert sorted(report.checked_in) == ["CS001", "CS002"]
    assert report.skipped == []
    assert set(CheckIn.objects.filter(event=event).values_list("method", flat=True)) == {"csv"}


def test_a_good_file_credits_each_student_once(faculty, event, student, other_student):
    upload(faculty, event, "CS001\nCS002\n")
    assert (balance(student), balance(other_student)) == (12, 12)
    assert Transaction.objects.filter(kind=Transaction.Kind.ATTENDANCE).count() == 2


def test_an_uploaded_check_in_records_who_uploaded_it(faculty, event, student):
    upload(faculty, event, "CS001\n")
    assert CheckIn.objects.get(student=student).checked_in_by == faculty


def test_enrollment_numbers_match_in_any_case_and_with_spaces(faculty, event, student):
    report = upload(faculty, event, "  cs001  \n")
    assert report.checked_in == ["CS001"]


def test_a_utf8_file_with_a_byte_order_mark_is_read(faculty, event, student):
    report = upload(faculty, event, "\ufeffEnrollment number\r\nCS001\r\n".encode())
    assert report.checked_in == ["CS001"]


def test_blank_lines_are_ignored(faculty, event, student):
    assert upload(faculty, event, "\n\nCS001\n\n,\n").checked_in == ["CS001"]


def test_the_upload_is_audited(faculty, event, student, other_student):
    upload(faculty, event, "CS001\nCS001\n")
    log = AuditLog.objects.get(action="checkin.csv")
    assert log.after == {"checked_in": 1, "skipped": 1}


def test_an_admin_may_upload_for_any_event(admin, event, student):
    assert upload(admin, event, "CS001\n").checked_in == ["CS001"]


def test_a_completed_event_still_takes_an_upload(faculty, event, student):
    Event.objects.filter(pk=event.pk).update(status=Event.Status.COMPLETED)
    assert upload(faculty, event, "CS001\n").checked_in == ["CS001"]


# --- skipped rows -------------------------------------------------------------------------------


def test_a_duplicate_row_is_skipped_and_credited_once(faculty, event, student):
    report = upload(faculty, event, "CS001\nCS001\n")
    assert report.checked_in == ["CS001"]
    assert [(r.line, r.value) for r in report.skipped] == [(2, "CS001")]
    assert balance(student) == 12


def test_a_student_already_checked_in_is_skipped_and_not_credited_again(faculty, event, student):
    check_in(actor=faculty, event_id=event.pk, student_id=student.pk)
    report = upload(faculty, event, "CS001\n")
    assert report.checked_in == []
    assert [(r.line, r.value) for r in report.skipped] == [(1, "CS001")]
    assert balance(student) == 12


# --- refused files ------------------------------------------------------------------------------


def test_unknown_numbers_refuse_the_whole_file_with_their_line_numbers(faculty, event, student):
    rows = bulk_refused(faculty, event, "enrollment_number\nCS001\nXX404\nCS001\nNOPE9\n")
    assert rows == [(3, "XX404"), (5, "NOPE9")]
    assert balance(student) == 0


def test_a_malformed_value_is_reported_with_its_line(faculty, event, student):
    rows = bulk_refused(faculty, event, "CS001\nCS-001!\n")
    assert rows == [(2, "CS-001!")]


def test_an_inactive_students_number_is_refused(faculty, event, student):
    StudentFactory(enrollment_number="GONE1", user__is_active=False)
    assert bulk_refused(faculty, event, "CS001\nGONE1\n") == [(2, "GONE1")]


def test_more_students_than_places_left_refuses_the_file(faculty, event, student, other_student):
    Event.objects.filter(pk=event.pk).update(capacity=2)
    third = StudentFactory(enrollment_number="CS003")
    check_in(actor=faculty, event_id=event.pk, student_id=third.pk)
    rows = bulk_refused(faculty, event, "CS001\nCS002\n")
    assert rows == [(0, "")]


def test_capacity_counts_only_new_check_ins(faculty, event, student, other_student):
    Event.objects.filter(pk=event.pk).update(capacity=2)
    check_in(actor=faculty, event_id=event.pk, student_id=student.pk)
    report = upload(faculty, event, "CS001\nCS002\nCS002\n")
    assert report.checked_in == ["CS002"]


def test_a_non_utf8_file_is_not_a_csv(faculty, event, student):
    refused("not_csv", faculty, event, "CS001\né\n".encode("latin-1"))


def test_a_binary_file_is_not_a_csv(faculty, event, student):
    refused("not_csv", faculty, event, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


def test_a_file_over_one_megabyte_is_too_large(faculty, event, student):
    data = b"CS001\n" * (MAX_FILE_BYTES // 6 + 1)
    assert len(data) > MAX_FILE_BYTES
    refused("too_large", faculty, event, data)


def test_an_empty_file_is_refused(faculty, event):
    refused("empty", faculty, event, b"")


def test_a_file_with_only_a_header_is_empty(faculty, event):
    refused("empty", faculty, event, "enrollment_number\n")


def test_a_draft_takes_no_upload(faculty, event, student):
    Event.objects.filter(pk=event.pk).update(status=Event.Status.DRAFT)
    refused("not_open", faculty, event, "CS001\n")


def test_a_cancelled_event_takes_no_upload(faculty, event, student):
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    refused("not_open", faculty, event, "CS001\n")


def test_another_faculty_member_cannot_upload(other_faculty, event, student):
    refused("forbidden", other_faculty, event, "CS001\n")


def test_a_student_cannot_upload(student, event):
    refused("forbidden", student.user, event, "CS001\n")


def test_an_unknown_event_is_not_found(faculty):
    before = written()
    with pytest.raises(EventError) as caught:
        import_attendance(actor=faculty, event_id=999_999, data=b"CS001\n")
    assert caught.value.code == "not_found"
    assert written() == before


# --- parsing ------------------------------------------------------------------------------------


def test_parsing_keeps_the_line_numbers_of_the_file(student):
    rows, errors = parse_attendance_csv(b"student\n\nCS001\n cs002 ,x\n")
    assert rows == [(3, "CS001"), (4, "CS002")]
    assert errors == []


def test_parsing_reads_only_the_first_column():
    rows, _errors = parse_attendance_csv(b"CS001,CS002,CS003\n")
    assert rows == [(1, "CS001")]
