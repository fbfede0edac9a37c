"""Registration with a capacity and a waitlist, and check-in at events that require it.
Refusals assert their code and that nothing was written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.models import CheckIn, Event, Notification, Registration
from portal.selectors.events import registration_figures, registration_of
from portal.services import attendance_upload, reminders
from portal.services import events as event_services
from portal.services.events import EventError, check_in, current_code
from portal.services.registrations import RegistrationError, register, unregister
from tests.factories import EventFactory, StudentFactory

pytestmark = pytest.mark.django_db

Status = Registration.Status


@pytest.fixture
def event(faculty, category):
    """Requires registration, two places, starts in 10 minutes (check-in open now)."""
    return EventFactory(
        organiser=faculty, category=category, requires_registration=True, capacity=2
    )


def rows(event) -> list[tuple[int, str]]:
    return list(
        Registration.objects.filter(event=event)
        .order_by("created_at", "id")
        .values_list("student", "status")
    )


def refused(code: str, actor, event) -> None:
    before = rows(event)
    with pytest.raises(RegistrationError) as caught:
        register(actor=actor, event_id=event.pk)
    assert caught.value.code == code
    assert rows(event) == before


def test_students_register_until_the_places_are_taken_then_join_the_waitlist(event):
    students = [StudentFactory() for _ in range(4)]
    statuses = [register(actor=s.user, event_id=event.pk).status for s in students]
    assert statuses == [Status.REGISTERED, Status.REGISTERED, Status.WAITLISTED, Status.WAITLISTED]
    assert registration_of(event, students[3].user)[1] == 2


def test_registering_twice_keeps_one_registration(student, event):
    first = register(actor=student.user, event_id=event.pk)
    assert register(actor=student.user, event_id=event.pk) == first
    assert Registration.objects.count() == 1


def test_without_a_capacity_everyone_is_registered(student, faculty):
    event = EventFactory(organiser=faculty, requires_registration=True, capacity=None)
    for profile in [student, *(StudentFactory() for _ in range(5))]:
        assert register(actor=profile.user, event_id=event.pk).status == Status.REGISTERED


@pytest.mark.parametrize("who", ["faculty", "admin"])
def test_only_students_register(request, event, who):
    refused("forbidden", request.getfixturevalue(who), event)


def test_an_event_without_registration_refuses_it(student, faculty):
    event = EventFactory(organiser=faculty)
    refused("no_registration", student.user, event)


@pytest.mark.parametrize("status", [Event.Status.DRAFT, Event.Status.CANCELLED])
def test_only_published_events_take_registrations(student, event, status):
    Event.objects.filter(pk=event.pk).update(status=status)
    refused("not_open", student.user, event)


def test_registration_closes_at_its_deadline(student, event):
    Event.objects.filter(pk=event.pk).update(
        registration_closes_at=timezone.now() - timedelta(minutes=1)
    )
    refused("registration_closed", student.user, event)


def test_registration_closes_at_the_start_by_default(student, event):
    Event.objects.filter(pk=event.pk).update(starts_at=timezone.now() - timedelta(minutes=1))
    refused("registration_closed", student.user, event)


def test_unregistering_promotes_the_first_on_the_waitlist_and_tells_them(event):
    first, second, third, fourth = (StudentFactory() for _ in range(4))
    for profile in (first, second, third, fourth):
        register(actor=profile.user, event_id=event.pk)
    assert unregister(actor=first.user, event_id=event.pk) is True
    assert rows(event) == [
        (second.pk, Status.REGISTERED),
        (third.pk, Status.REGISTERED),
        (fourth.pk, Status.WAITLISTED),
    ]
    told = Notification.objects.get(user=third.user)
    assert told.kind == Notification.Kind.REGISTRATION
    assert told.link == f"/events/{event.pk}/"
    assert not Notification.objects.filter(user=fourth.user).exists()
    assert registration_of(event, fourth.user)[1] == 1


def test_leaving_the_waitlist_promotes_nobody(event):
    profiles = [StudentFactory() for _ in range(3)]
    for profile in profiles:
        register(actor=profile.user, event_id=event.pk)
    unregister(actor=profiles[2].user, event_id=event.pk)
    assert [s for _p, s in rows(event)] == [Status.REGISTERED, Status.REGISTERED]
    assert not Notification.objects.exists()


def test_unregistering_twice_is_harmless(student, event):
    register(actor=student.user, event_id=event.pk)
    assert unregister(actor=student.user, event_id=event.pk) is True
    assert unregister(actor=student.user, event_id=event.pk) is False


def test_nobody_unregisters_once_the_event_has_started(student, event):
    register(actor=student.user, event_id=event.pk)
    Event.objects.filter(pk=event.pk).update(starts_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(RegistrationError) as caught:
        unregister(actor=student.user, event_id=event.pk)
    assert caught.value.code == "started"
    assert rows(event) == [(student.pk, Status.REGISTERED)]


def test_a_larger_capacity_promotes_from_the_waitlist(faculty, event):
    profiles = [StudentFactory() for _ in range(4)]
    for profile in profiles:
        register(actor=profile.user, event_id=event.pk)
    event.capacity = 3
    event_services.save_event(actor=faculty, event=event)
    assert [s for _p, s in rows(event)] == [Status.REGISTERED] * 3 + [Status.WAITLISTED]
    assert Notification.objects.filter(user=profiles[2].user).exists()


def test_the_capacity_cannot_drop_below_the_students_registered(faculty, event):
    for profile in [StudentFactory() for _ in range(2)]:
        register(actor=profile.user, event_id=event.pk)
    event.capacity = 1
    with pytest.raises(EventError) as caught:
        event_services.save_event(actor=faculty, event=event)
    assert (caught.value.code, caught.value.field) == ("capacity_below_registered", "capacity")
    assert Event.objects.get(pk=event.pk).capacity == 2


def test_registration_cannot_be_switched_off_once_students_registered(faculty, student, event):
    register(actor=student.user, event_id=event.pk)
    event.requires_registration = False
    with pytest.raises(EventError) as caught:
        event_services.save_event(actor=faculty, event=event)
    assert caught.value.code == "has_registrations"


# --- check-in at an event that requires registration ---------------------------------------------


def self_check_in(profile, event) -> CheckIn:
    return check_in(actor=profile.user, event_id=event.pk, code=current_code(event))


def test_a_registered_student_checks_in(student, event):
    register(actor=student.user, event_id=event.pk)
    assert self_check_in(student, event).student == student


@pytest.mark.parametrize(("waitlisted", "code"), [(False, "not_registered"), (True, "waitlisted")])
def test_check_in_refuses_students_without_a_place_with_a_clear_reason(
    student, event, waitlisted, code
):
    if waitlisted:
        for profile in [StudentFactory() for _ in range(2)]:
            register(actor=profile.user, event_id=event.pk)
        register(actor=student.user, event_id=event.pk)
    with pytest.raises(EventError) as caught:
        self_check_in(student, event)
    assert caught.value.code == code
    assert "organiser" in caught.value.message
    assert not CheckIn.objects.exists()
    assert student.checkin_attempts.get().reason == code


def test_a_registered_student_keeps_their_place_when_walk_ins_filled_the_room(
    faculty, student, event
):
    register(actor=student.user, event_id=event.pk)
    walk_in = StudentFactory()
    check_in(actor=faculty, event_id=event.pk, student_id=walk_in.pk)
    # One registered, one walk-in: the room is full for walk-ins...
    with pytest.raises(EventError) as caught:
        check_in(actor=faculty, event_id=event.pk, student_id=StudentFactory().pk)
    assert caught.value.code == "full"
    # ...but never for the student who registered.
    assert self_check_in(student, event)


def test_the_figures_count_registered_attended_walk_ins_and_no_shows(faculty, event):
    came, stayed_away, waiting = (StudentFactory() for _ in range(3))
    for profile in (came, stayed_away, waiting):
        register(actor=profile.user, event_id=event.pk)
    self_check_in(came, event)
    Event.objects.filter(pk=event.pk).update(capacity=3)
    check_in(actor=faculty, event_id=event.pk, student_id=StudentFactory().pk)
    figures = registration_figures(event)
    assert (figures.registered, figures.waitlisted) == (2, 1)
    assert (figures.attended, figures.walk_ins, figures.no_shows) == (1, 1, 1)
    assert figures.checked_in == 2


def test_the_upload_admits_registered_students_beyond_the_walk_in_places(faculty, event):
    registered = [StudentFactory() for _ in range(2)]
    for profile in registered:
        register(actor=profile.user, event_id=event.pk)
    data = "\n".join(p.enrollment_number for p in registered).encode()
    report = attendance_upload.import_attendance(actor=faculty, event_id=event.pk, data=data)
    assert len(report.checked_in) == 2


def test_cancelling_tells_every_registered_and_waitlisted_student_once(faculty, event):
    profiles = [StudentFactory() for _ in range(3)]  # two registered, one waitlisted
    for profile in profiles:
        register(actor=profile.user, event_id=event.pk)
    reminders.set_reminder(actor=profiles[0].user, event=event, wanted=True)
    event_services.set_event_status(actor=faculty, event_id=event.pk, status=Event.Status.CANCELLED)
    told = Notification.objects.filter(kind=Notification.Kind.EVENT)
    assert sorted(told.values_list("user_id", flat=True)) == sorted(p.user_id for p in profiles)
    assert all("was cancelled" in n.message for n in told)
