"""Hall booking services: the happy path, every refusal by its code, and what each decision
writes (audit rows, notifications, the event's location)."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone

from portal.models import AuditLog, Event, Hall, HallBooking, Notification
from portal.services import events as event_services
from portal.services import halls as hall_services
from portal.services.halls import HallError
from tests.factories import EventFactory

from .helpers import ask, at, make_hall

pytestmark = pytest.mark.django_db

Status = HallBooking.Status


@pytest.fixture
def hall(admin):
    return make_hall(admin)


def code_of(call) -> str:
    with pytest.raises(HallError) as excinfo:
        call()
    return excinfo.value.code


def test_a_request_waits_then_approval_books_the_hall_and_tells_the_requester(faculty, admin, hall):
    booking = ask(faculty, hall)
    assert booking.status == Status.PENDING
    assert AuditLog.objects.filter(action="hall_booking.request").count() == 1

    approved = hall_services.approve_booking(actor=admin, booking_id=booking.pk)

    assert approved.status == Status.APPROVED
    assert approved.decided_by == admin
    note = Notification.objects.get(user=faculty)
    assert note.kind == Notification.Kind.HALL
    assert "approved" in note.message
    assert AuditLog.objects.filter(action="hall_booking.approve").count() == 1


def test_pending_requests_do_not_block_but_approving_an_overlap_fails(
    faculty, other_faculty, admin, hall
):
    first = ask(faculty, hall, start=10, end=12)
    second = ask(other_faculty, hall, start=11, end=13)  # overlapping, still allowed
    hall_services.approve_booking(actor=admin, booking_id=first.pk)

    assert code_of(lambda: hall_services.approve_booking(actor=admin, booking_id=second.pk)) == (
        "taken"
    )
    second.refresh_from_db()
    assert second.status == Status.PENDING


def test_back_to_back_bookings_do_not_overlap(faculty, other_faculty, admin, hall):
    first = ask(faculty, hall, start=10, end=12)
    second = ask(other_faculty, hall, start=12, end=14)
    hall_services.approve_booking(actor=admin, booking_id=first.pk)
    hall_services.approve_booking(actor=admin, booking_id=second.pk)
    assert HallBooking.objects.filter(status=Status.APPROVED).count() == 2


def test_a_slot_already_approved_cannot_be_requested(faculty, other_faculty, admin, hall):
    hall_services.approve_booking(actor=admin, booking_id=ask(faculty, hall).pk)
    assert code_of(lambda: ask(other_faculty, hall, start=11, end=12)) == "taken"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"start": 12, "end": 10}, "bad_times"),
        ({"start": 10, "end": 10}, "bad_times"),
        ({"days": -1}, "past"),
        ({"days": 400}, "too_far"),
        ({"start": 6, "end": 9}, "outside_hours"),
        ({"start": 21, "end": 23}, "outside_hours"),
        ({"attendees": 121}, "too_many_people"),
        ({"attendees": 0}, "too_many_people"),
        ({"attendees": -5}, "too_many_people"),
        ({"attendees": 10**9}, "too_many_people"),
        ({"purpose": "   "}, "purpose_required"),
    ],
)
def test_bad_requests_are_refused_with_their_code(faculty, hall, kwargs, code):
    assert code_of(lambda: ask(faculty, hall, **kwargs)) == code
    assert not HallBooking.objects.exists()


def test_a_booking_cannot_span_two_days(faculty, admin):
    hall = make_hall(admin, name="All night", opens_at=time(0), closes_at=time(23, 59))
    call = lambda: hall_services.request_booking(  # noqa: E731
        actor=faculty,
        hall_id=hall.pk,
        starts_at=at(1, 22),
        ends_at=at(2, 1),
        purpose="Hackathon",
        attendees=10,
    )
    assert code_of(call) == "outside_hours"


def test_an_inactive_hall_cannot_be_booked(faculty, admin):
    hall = make_hall(admin, is_active=False)
    assert code_of(lambda: ask(faculty, hall)) == "hall_inactive"


def test_an_unknown_hall_is_refused(faculty, hall):
    call = lambda: hall_services.request_booking(  # noqa: E731
        actor=faculty,
        hall_id=999_999,
        starts_at=at(1, 10),
        ends_at=at(1, 11),
        purpose="x",
        attendees=1,
    )
    assert code_of(call) == "no_hall"


def test_students_cannot_book_but_club_officers_can(student, officer, hall):
    assert code_of(lambda: ask(student.user, hall)) == "forbidden"
    assert ask(officer.user, hall).status == Status.PENDING


def test_a_replayed_request_is_refused_as_a_duplicate(faculty, hall):
    ask(faculty, hall)
    assert code_of(lambda: ask(faculty, hall)) == "duplicate"
    assert HallBooking.objects.count() == 1


def test_only_admins_decide(faculty, other_faculty, hall):
    booking = ask(faculty, hall)
    assert code_of(lambda: hall_services.approve_booking(actor=faculty, booking_id=booking.pk)) == (
        "forbidden"
    )
    call = lambda: hall_services.reject_booking(  # noqa: E731
        actor=other_faculty, booking_id=booking.pk, reason="no"
    )
    assert code_of(call) == "forbidden"


def test_a_rejection_needs_a_reason_which_the_requester_reads(faculty, admin, hall):
    booking = ask(faculty, hall)
    call = lambda: hall_services.reject_booking(  # noqa: E731
        actor=admin, booking_id=booking.pk, reason="  "
    )
    assert code_of(call) == "reason_required"
    hall_services.reject_booking(actor=admin, booking_id=booking.pk, reason="Exams that week")
    booking.refresh_from_db()
    assert booking.status == Status.REJECTED
    assert booking.reason == "Exams that week"
    assert "Exams that week" in Notification.objects.get(user=faculty).message


def test_a_decided_request_cannot_be_decided_again(faculty, admin, hall):
    booking = ask(faculty, hall)
    hall_services.approve_booking(actor=admin, booking_id=booking.pk)
    assert code_of(lambda: hall_services.approve_booking(actor=admin, booking_id=booking.pk)) == (
        "not_pending"
    )
    call = lambda: hall_services.reject_booking(  # noqa: E731
        actor=admin, booking_id=booking.pk, reason="late"
    )
    assert code_of(call) == "not_pending"


def test_a_request_whose_time_passed_cannot_be_approved(faculty, admin, hall):
    booking = ask(faculty, hall)
    HallBooking.objects.filter(pk=booking.pk).update(
        starts_at=timezone.now() - timedelta(hours=1), ends_at=timezone.now() + timedelta(hours=1)
    )
    assert code_of(lambda: hall_services.approve_booking(actor=admin, booking_id=booking.pk)) == (
        "past"
    )


def test_the_requester_withdraws_and_the_slot_is_free_again(faculty, other_faculty, admin, hall):
    booking = ask(faculty, hall)
    hall_services.approve_booking(actor=admin, booking_id=booking.pk)
    hall_services.cancel_booking(actor=faculty, booking_id=booking.pk)
    booking.refresh_from_db()
    assert booking.status == Status.CANCELLED
    again = ask(other_faculty, hall)
    hall_services.approve_booking(actor=admin, booking_id=again.pk)
    assert code_of(lambda: hall_services.cancel_booking(actor=faculty, booking_id=booking.pk)) == (
        "not_live"
    )


def test_nobody_else_withdraws_a_request_but_an_admin_cancels_and_says_why(
    faculty, other_faculty, admin, hall
):
    booking = ask(faculty, hall)
    call = lambda: hall_services.cancel_booking(  # noqa: E731
        actor=other_faculty, booking_id=booking.pk
    )
    assert code_of(call) == "forbidden"
    hall_services.cancel_booking(actor=admin, booking_id=booking.pk, reason="Fire drill")
    assert "Fire drill" in Notification.objects.get(user=faculty).message


# --- events in halls ----------------------------------------------------------------------------


@pytest.fixture
def event(faculty, category):
    return EventFactory(
        organiser=faculty,
        category=category,
        capacity=80,
        location="TBA",
        starts_at=at(1, 10),
        ends_at=at(1, 12),
    )


def test_an_approved_booking_makes_the_hall_the_events_location(faculty, admin, hall, event):
    booking = ask(faculty, hall, event_id=event.pk, purpose="")
    assert booking.purpose == event.title
    hall_services.approve_booking(actor=admin, booking_id=booking.pk)
    event.refresh_from_db()
    assert event.location == "Turing Lecture Theatre, Science Block A"


def test_an_event_must_fit_in_the_hall(faculty, admin, event):
    small = make_hall(admin, name="Seminar room", capacity=40)
    assert code_of(lambda: ask(faculty, small, attendees=30, event_id=event.pk)) == (
        "event_too_big"
    )
    Event.objects.filter(pk=event.pk).update(capacity=None)
    assert code_of(lambda: ask(faculty, small, attendees=30, event_id=event.pk)) == (
        "event_too_big"
    )


def test_the_booking_must_cover_the_event(faculty, hall, event):
    assert code_of(lambda: ask(faculty, hall, start=11, end=12, event_id=event.pk)) == (
        "event_outside_booking"
    )


def test_only_the_events_organisers_book_for_it(other_faculty, hall, event):
    assert code_of(lambda: ask(other_faculty, hall, event_id=event.pk)) == "not_your_event"
    assert code_of(lambda: ask(other_faculty, hall, event_id=999_999)) == "not_your_event"


def test_an_event_books_one_hall_at_a_time(faculty, admin, hall, event):
    ask(faculty, hall, event_id=event.pk)
    other = make_hall(admin, name="Auditorium", capacity=500)
    assert code_of(lambda: ask(faculty, other, event_id=event.pk)) == "event_has_hall"


def test_the_event_capacity_cannot_then_exceed_the_hall(faculty, admin, hall, event):
    ask(faculty, hall, event_id=event.pk)
    event.capacity = 121
    with pytest.raises(event_services.EventError) as excinfo:
        event_services.save_event(actor=faculty, event=event)
    assert excinfo.value.code == "capacity_above_hall"
    assert excinfo.value.field == "capacity"
    event.capacity = 120
    event_services.save_event(actor=faculty, event=event)


@pytest.mark.parametrize("approve", [True, False])
def test_an_event_cannot_move_out_of_its_hall_booking(faculty, admin, hall, event, approve):
    booking = ask(faculty, hall, start=9, end=13, event_id=event.pk)
    if approve:
        hall_services.approve_booking(actor=admin, booking_id=booking.pk)
    event.refresh_from_db()
    event.starts_at, event.ends_at = at(1, 12), at(1, 14)  # past the booking's 13:00
    with pytest.raises(event_services.EventError) as excinfo:
        event_services.save_event(actor=faculty, event=event)
    assert excinfo.value.code == "event_outside_booking"
    assert excinfo.value.field == "starts_at"
    assert "covers" in excinfo.value.message and "09:00–13:00" in excinfo.value.message
    event.starts_at, event.ends_at = at(1, 9), at(1, 13)  # inside it: fine
    event_services.save_event(actor=faculty, event=event)
    hall_services.cancel_booking(actor=faculty, booking_id=booking.pk)
    event.starts_at, event.ends_at = at(2, 12), at(2, 14)  # no live booking: free to move
    event_services.save_event(actor=faculty, event=event)


def test_approving_rechecks_an_event_that_moved_or_was_cancelled(faculty, admin, hall, event):
    booking = ask(faculty, hall, event_id=event.pk)
    Event.objects.filter(pk=event.pk).update(starts_at=at(2, 10), ends_at=at(2, 12))
    assert code_of(lambda: hall_services.approve_booking(actor=admin, booking_id=booking.pk)) == (
        "event_outside_booking"
    )
    Event.objects.filter(pk=event.pk).update(
        starts_at=at(1, 10), ends_at=at(1, 12), status=Event.Status.CANCELLED
    )
    assert code_of(lambda: hall_services.approve_booking(actor=admin, booking_id=booking.pk)) == (
        "event_closed"
    )
    booking.refresh_from_db()
    assert booking.status == Status.PENDING


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"capacity": 40}, "capacity"),
        ({"opens_at": time(11)}, "opens_at"),
        ({"closes_at": time(11)}, "closes_at"),
        ({"is_active": False}, "is_active"),
    ],
)
def test_a_hall_change_that_leaves_out_approved_bookings_is_refused(
    faculty, admin, hall, change, field
):
    for days in (1, 2):
        booking = ask(faculty, hall, days=days, start=10, end=12, attendees=50)
        hall_services.approve_booking(actor=admin, booking_id=booking.pk)
    edited = Hall.objects.get(pk=hall.pk)
    for name, value in change.items():
        setattr(edited, name, value)
    with pytest.raises(HallError) as excinfo:
        hall_services.save_hall(actor=admin, hall=edited)
    assert excinfo.value.code == "bookings_conflict"
    assert excinfo.value.field == field
    assert excinfo.value.message.startswith("2 approved bookings to come no longer fit")
    assert hall_services._when(at(1, 10), at(1, 12)) in excinfo.value.message
    hall.refresh_from_db()
    assert (hall.capacity, hall.opens_at, hall.closes_at, hall.is_active) == (
        120,
        time(8),
        time(22),
        True,
    )


def test_a_hall_change_that_keeps_its_bookings_is_saved(faculty, admin, hall):
    booking = ask(faculty, hall, start=10, end=12, attendees=50)
    hall_services.approve_booking(actor=admin, booking_id=booking.pk)
    ask(faculty, hall, days=2, start=8, end=9, attendees=100)  # pending: does not hold the hall
    hall.capacity, hall.opens_at, hall.closes_at = 50, time(10), time(12)
    hall_services.save_hall(actor=admin, hall=hall)
    hall.refresh_from_db()
    assert (hall.capacity, hall.opens_at, hall.closes_at) == (50, time(10), time(12))
    hall_services.cancel_booking(actor=admin, booking_id=booking.pk)
    hall.is_active = False
    hall_services.save_hall(actor=admin, hall=hall)


def test_one_conflicting_booking_is_counted_in_the_singular(faculty, admin, hall, event):
    booking = ask(faculty, hall, event_id=event.pk, attendees=30)
    hall_services.approve_booking(actor=admin, booking_id=booking.pk)
    hall.capacity = 60  # above the 30 people asked for, below the event's 80 seats
    with pytest.raises(HallError) as excinfo:
        hall_services.save_hall(actor=admin, hall=hall)
    assert excinfo.value.message.startswith("1 approved booking to come no longer fits")


def test_cancelling_the_event_releases_its_hall(faculty, admin, hall, event):
    booking = ask(faculty, hall, event_id=event.pk)
    hall_services.approve_booking(actor=admin, booking_id=booking.pk)
    event_services.set_event_status(actor=faculty, event_id=event.pk, status="cancelled")
    booking.refresh_from_db()
    assert booking.status == Status.CANCELLED


# --- reminders ----------------------------------------------------------------------------------


def test_requesters_are_reminded_once_the_day_before(faculty, admin, hall):
    tomorrow = ask(faculty, hall, days=1)
    later = ask(faculty, hall, days=3)
    pending = ask(faculty, hall, days=1, start=14, end=15)
    for booking in (tomorrow, later):
        hall_services.approve_booking(actor=admin, booking_id=booking.pk)
    Notification.objects.all().delete()
    now = at(0, 12)

    assert hall_services.send_due_booking_reminders(now=now) == 1
    assert hall_services.send_due_booking_reminders(now=now) == 0
    note = Notification.objects.get()
    assert note.kind == Notification.Kind.HALL
    assert note.message.startswith("Reminder:")
    pending.refresh_from_db()
    assert pending.reminded_at is None


def test_the_worker_schedule_runs_hall_reminders():
    from portal.services.schedule import jobs

    assert "hall-reminders" in {job.name for job in jobs()}


def test_the_reminder_command_reminds_of_hall_bookings_too(faculty, admin, hall, capsys):
    from django.core.management import call_command

    booking = ask(faculty, hall, days=1)
    hall_services.approve_booking(actor=admin, booking_id=booking.pk)
    call_command("send_event_reminders", "--hours", "48")
    assert "Reminded 1 organiser(s) of their hall bookings." in capsys.readouterr().out
