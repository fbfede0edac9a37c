"""Registrations racing each other: never more registered students than places, the waitlist
in the order the students were served, and freed places promoted once each."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from portal.models import Event, Notification, Registration
from portal.services.registrations import register, unregister
from tests.concurrency.threads import run_at_once
from tests.factories import CategoryFactory, StudentFactory

pytestmark = pytest.mark.django_db(transaction=True)

Status = Registration.Status


def registration_event(organiser, capacity: int) -> Event:
    now = timezone.now()
    return Event.objects.create(
        title="Robot workshop",
        location="Lab 2",
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=2, hours=2),
        organiser=organiser,
        category=CategoryFactory(name="Event attendance", min_points=1, max_points=50),
        attendance_points=10,
        capacity=capacity,
        requires_registration=True,
        status=Event.Status.PUBLISHED,
    )


def queue(event: Event) -> list[Registration]:
    return list(Registration.objects.filter(event=event).order_by("created_at", "id"))


def test_forty_students_for_five_places_five_registered_the_rest_waitlisted_in_order(faculty):
    event = registration_event(faculty, capacity=5)
    students = [StudentFactory() for _ in range(40)]

    def sign_up(student):
        return lambda: register(actor=student.user, event_id=event.pk)

    outcomes = run_at_once([sign_up(s) for s in students])
    assert outcomes == Counter({"ok": 40})
    rows = queue(event)
    assert Counter(r.status for r in rows) == Counter({Status.REGISTERED: 5, Status.WAITLISTED: 35})
    # Served one at a time under the event's lock: the first five served hold the places, and
    # the waitlist's order (time, then id) is the order of service (the ids' order too).
    assert [r.status for r in rows] == [Status.REGISTERED] * 5 + [Status.WAITLISTED] * 35
    assert [r.pk for r in rows] == sorted(r.pk for r in rows)


def test_the_same_student_submitting_ten_times_at_once_registers_once(faculty):
    event = registration_event(faculty, capacity=5)
    student = StudentFactory()
    outcomes = run_at_once([lambda: register(actor=student.user, event_id=event.pk)] * 10)
    assert outcomes == Counter({"ok": 10})
    assert Registration.objects.filter(event=event).count() == 1


def test_places_freed_at_once_go_to_the_first_waiting_each_once(faculty):
    event = registration_event(faculty, capacity=3)
    students = [StudentFactory() for _ in range(8)]
    for student in students:
        register(actor=student.user, event_id=event.pk)
    leaving = students[:3]

    outcomes = run_at_once(
        [lambda s=s: unregister(actor=s.user, event_id=event.pk) for s in leaving]
    )
    assert outcomes == Counter({"ok": 3})
    rows = queue(event)
    assert [(r.student_id, r.status) for r in rows] == [
        *((s.pk, Status.REGISTERED) for s in students[3:6]),
        *((s.pk, Status.WAITLISTED) for s in students[6:]),
    ]
    told = Notification.objects.filter(kind=Notification.Kind.REGISTRATION)
    assert sorted(told.values_list("user_id", flat=True)) == sorted(
        s.user_id for s in students[3:6]
    )
