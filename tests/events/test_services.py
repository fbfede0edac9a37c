"""Event services: check-in (self-service and by the organiser), status changes, saving.
Every refusal asserts its code and that nothing was written. The CSV attendance upload is in
test_attendance_import.py."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from portal.models import AuditLog, CheckIn, Event, Transaction
from portal.services import events as event_services
from portal.services.events import EventError, check_in, current_code, mint_scan_token
from tests.conftest import ledger_total
from tests.factories import EventFactory
from tests.helpers import balance

pytestmark = pytest.mark.django_db

Status = Event.Status


@pytest.fixture
def event(faculty, category):
    """Published, window open now, 15 points in `category`, organised by `faculty`."""
    return EventFactory(organiser=faculty, category=category, attendance_points=15)


def written() -> tuple[tuple[int, int], int]:
    return ledger_total(), CheckIn.objects.count()


def refused(error: str, /, **kwargs) -> None:
    """check_in(**kwargs) raises EventError `error` and writes nothing."""
    before = written()
    with pytest.raises(EventError) as caught:
        check_in(**kwargs)
    assert caught.value.code == error
    assert written() == before


def self_check_in(student, event, **kwargs) -> CheckIn:
    return check_in(actor=student.user, event_id=event.pk, code=current_code(event), **kwargs)


# --- self-service check-in ---------------------------------------------------------------------


def test_check_in_with_the_current_code_records_the_check_in(student, event):
    checkin = self_check_in(student, event)
    assert (checkin.event, checkin.student, checkin.method) == (event, student, CheckIn.Method.CODE)
    assert checkin.checked_in_by is None


def test_check_in_credits_the_attendance_points_in_the_events_category(student, event, category):
    checkin = self_check_in(student, event)
    entry = Transaction.objects.get(checkin=checkin)
    assert (entry.student, entry.amount, entry.kind) == (student, 15, Transaction.Kind.ATTENDANCE)
    assert entry.category == category
    assert entry.counts_for_lifetime


def test_check_in_adds_to_balance_and_lifetime_points(student, event):
    self_check_in(student, event)
    assert balance(student) == 15
    assert student.lifetime_points == 15


def test_check_in_writes_exactly_one_ledger_entry(student, event):
    before = ledger_total()
    self_check_in(student, event)
    assert ledger_total() == (before[0] + 1, before[1] + 15)


def test_check_in_with_a_scan_token_is_recorded_as_qr(student, event):
    checkin = check_in(
        actor=student.user, event_id=event.pk, scan_token=mint_scan_token(event, student.user)
    )
    assert checkin.method == CheckIn.Method.QR


def test_check_in_accepts_the_code_typed_in_lower_case(student, event):
    checkin = check_in(actor=student.user, event_id=event.pk, code=current_code(event).lower())
    assert checkin.pk


def test_check_in_follows_the_patched_clock_to_the_window_edges(student, event):
    with mock.patch("portal.services.events.timezone.now", return_value=event.opens_at):
        assert self_check_in(student, event).pk


def test_check_in_at_the_closing_time_is_refused(student, event):
    with mock.patch("portal.services.events.timezone.now", return_value=event.closes_at):
        refused("closed", actor=student.user, event_id=event.pk, code=current_code(event))


def test_check_in_refuses_faculty(faculty, event):
    refused("not_a_student", actor=faculty, event_id=event.pk, code=current_code(event))


def test_check_in_refuses_admins(admin, event):
    refused("not_a_student", actor=admin, event_id=event.pk, code=current_code(event))


def test_check_in_refuses_a_wrong_code(student, event):
    wrong = "ZZZZZZ" if current_code(event) != "ZZZZZZ" else "YYYYYY"
    refused("bad_code", actor=student.user, event_id=event.pk, code=wrong)


def test_check_in_refuses_another_events_code(student, event):
    other = EventFactory()
    refused("bad_code", actor=student.user, event_id=event.pk, code=current_code(other))


def test_check_in_refuses_another_events_scan_token(student, event):
    token = mint_scan_token(EventFactory(), student.user)
    refused("scan_expired", actor=student.user, event_id=event.pk, scan_token=token)


def test_check_in_refuses_a_cancelled_event(student, event):
    Event.objects.filter(pk=event.pk).update(status=Status.CANCELLED)
    refused("cancelled", actor=student.user, event_id=event.pk, code=current_code(event))


def test_check_in_refuses_a_draft(student, event):
    Event.objects.filter(pk=event.pk).update(status=Status.DRAFT)
    refused("not_published", actor=student.user, event_id=event.pk, code=current_code(event))


def test_check_in_refuses_before_the_window_opens(student, faculty):
    later = EventFactory(organiser=faculty, starts_at=timezone.now() + timedelta(hours=2))
    refused("not_open_yet", actor=student.user, event_id=later.pk, code=current_code(later))


def test_check_in_refuses_after_the_event_ended(student, faculty):
    start = timezone.now() - timedelta(hours=3)
    past = EventFactory(organiser=faculty, starts_at=start, ends_at=start + timedelta(hours=2))
    refused("closed", actor=student.user, event_id=past.pk, code=current_code(past))


def test_check_in_refuses_a_completed_event_even_in_its_window(student, event):
    Event.objects.filter(pk=event.pk).update(status=Status.COMPLETED)
    refused("closed", actor=student.user, event_id=event.pk, code=current_code(event))


def test_check_in_refuses_a_second_check_in_without_a_second_credit(student, event):
    self_check_in(student, event)
    refused("already_checked_in", actor=student.user, event_id=event.pk, code=current_code(event))
    assert balance(student) == 15


def test_check_in_refuses_when_the_event_is_full(student, other_student, event):
    Event.objects.filter(pk=event.pk).update(capacity=1)
    self_check_in(other_student, event)
    refused("full", actor=student.user, event_id=event.pk, code=current_code(event))


def test_check_in_refuses_an_unknown_event(student):
    refused("not_found", actor=student.user, event_id=999_999, code="ABCDEF")


# --- check-in by the organiser -----------------------------------------------------------------


@pytest.fixture
def ended(faculty, category):
    """A published event that ended yesterday: its self-service window is closed."""
    start = timezone.now() - timedelta(days=1)
    return EventFactory(
        organiser=faculty, category=category, starts_at=start, ends_at=start + timedelta(hours=2)
    )


def test_the_organiser_checks_a_student_in_after_the_window_closed(faculty, student, ended):
    checkin = check_in(actor=faculty, event_id=ended.pk, student_id=student.pk)
    assert (checkin.method, checkin.checked_in_by) == (CheckIn.Method.MANUAL, faculty)
    assert balance(student) == ended.attendance_points


def test_an_admin_checks_a_student_in_to_any_event(admin, student, ended):
    checkin = check_in(actor=admin, event_id=ended.pk, student_id=student.pk)
    assert checkin.checked_in_by == admin


def test_a_manual_check_in_is_audited(faculty, student, ended):
    checkin = check_in(actor=faculty, event_id=ended.pk, student_id=student.pk)
    log = AuditLog.objects.get(action="checkin.manual")
    assert (log.actor, log.target_id) == (faculty, str(checkin.pk))
    assert log.after == {"student": student.enrollment_number}


def test_another_faculty_member_cannot_check_students_in(other_faculty, student, ended):
    refused("forbidden", actor=other_faculty, event_id=ended.pk, student_id=student.pk)


def test_a_manual_check_in_still_refuses_a_second_credit(faculty, student, ended):
    check_in(actor=faculty, event_id=ended.pk, student_id=student.pk)
    refused("already_checked_in", actor=faculty, event_id=ended.pk, student_id=student.pk)


def test_a_manual_check_in_still_respects_the_capacity(faculty, student, other_student, ended):
    Event.objects.filter(pk=ended.pk).update(capacity=1)
    check_in(actor=faculty, event_id=ended.pk, student_id=other_student.pk)
    refused("full", actor=faculty, event_id=ended.pk, student_id=student.pk)


def test_a_manual_check_in_into_a_cancelled_event_is_refused(faculty, student, ended):
    Event.objects.filter(pk=ended.pk).update(status=Status.CANCELLED)
    refused("cancelled", actor=faculty, event_id=ended.pk, student_id=student.pk)


# --- status -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (Status.DRAFT, Status.PUBLISHED),
        (Status.DRAFT, Status.CANCELLED),
        (Status.PUBLISHED, Status.CANCELLED),
        (Status.PUBLISHED, Status.COMPLETED),
    ],
)
def test_set_event_status_makes_the_allowed_transitions(faculty, event, start, target):
    Event.objects.filter(pk=event.pk).update(status=start)
    event_services.set_event_status(actor=faculty, event_id=event.pk, status=target)
    event.refresh_from_db()
    assert event.status == target


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (Status.DRAFT, Status.COMPLETED),
        (Status.PUBLISHED, Status.PUBLISHED),
        (Status.CANCELLED, Status.PUBLISHED),
        (Status.COMPLETED, Status.CANCELLED),
        (Status.COMPLETED, Status.PUBLISHED),
        (Status.PUBLISHED, Status.DRAFT),
        (Status.PUBLISHED, "archived"),
    ],
)
def test_set_event_status_refuses_other_transitions(faculty, event, start, target):
    Event.objects.filter(pk=event.pk).update(status=start)
    with pytest.raises(EventError) as caught:
        event_services.set_event_status(actor=faculty, event_id=event.pk, status=target)
    assert caught.value.code == "bad_transition"
    event.refresh_from_db()
    assert event.status == start
    assert not AuditLog.objects.filter(action__startswith="event.").exists()


def test_set_event_status_is_audited(faculty, event):
    event_services.set_event_status(actor=faculty, event_id=event.pk, status=Status.COMPLETED)
    log = AuditLog.objects.get(action="event.completed")
    assert (log.before, log.after) == ({"status": "published"}, {"status": "completed"})


def test_an_admin_may_cancel_any_event(admin, event):
    event_services.set_event_status(actor=admin, event_id=event.pk, status=Status.CANCELLED)
    event.refresh_from_db()
    assert event.status == Status.CANCELLED


def test_another_faculty_member_cannot_change_the_status(other_faculty, event):
    with pytest.raises(EventError) as caught:
        event_services.set_event_status(
            actor=other_faculty, event_id=event.pk, status=Status.CANCELLED
        )
    assert caught.value.code == "forbidden"
    event.refresh_from_db()
    assert event.status == Status.PUBLISHED


# --- saving -------------------------------------------------------------------------------------


def unsaved(category, **overrides) -> Event:
    start = timezone.now() + timedelta(days=2)
    fields = {
        "title": "Robotics open day",
        "location": "Lab 3",
        "starts_at": start,
        "ends_at": start + timedelta(hours=3),
        "category": category,
        "attendance_points": 10,
    }
    return Event(**{**fields, **overrides})


def test_save_event_makes_the_actor_the_organiser_of_a_new_draft(other_faculty, category):
    event = event_services.save_event(actor=other_faculty, event=unsaved(category))
    assert (event.organiser, event.status) == (other_faculty, Status.DRAFT)


def test_save_event_audits_the_creation(faculty, category):
    event = event_services.save_event(actor=faculty, event=unsaved(category))
    log = AuditLog.objects.get(action="event.create")
    assert (log.actor, log.target_id, log.before) == (faculty, str(event.pk), {})
    assert log.after["title"] == "Robotics open day"


def test_save_event_audits_an_update_with_before_and_after(faculty, event):
    title = event.title
    event.title = "Renamed"
    event_services.save_event(actor=faculty, event=event)
    log = AuditLog.objects.get(action="event.update")
    assert (log.before["title"], log.after["title"]) == (title, "Renamed")


def test_save_event_never_writes_the_secret_to_the_audit_log(faculty, event):
    event.title = "Renamed"
    event_services.save_event(actor=faculty, event=event)
    for log in AuditLog.objects.all():
        assert event.secret not in str(log.before) + str(log.after)


def test_save_event_refuses_students(student, category):
    with pytest.raises(EventError) as caught:
        event_services.save_event(actor=student.user, event=unsaved(category))
    assert caught.value.code == "forbidden"
    assert not Event.objects.exists()


def test_save_event_refuses_another_faculty_members_event(other_faculty, event):
    title = event.title
    event.title = "Hijacked"
    with pytest.raises(EventError) as caught:
        event_services.save_event(actor=other_faculty, event=event)
    assert caught.value.code == "forbidden"
    event.refresh_from_db()
    assert event.title == title
    assert not AuditLog.objects.filter(action="event.update").exists()
