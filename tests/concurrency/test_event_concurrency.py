"""Check-ins racing each other: one credit per student however often it is submitted, and
never more check-ins than places."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from portal.models import CheckIn, Event, Transaction
from portal.services.events import check_in, current_code
from tests.concurrency.threads import run_at_once
from tests.factories import CategoryFactory, StudentFactory
from tests.helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db(transaction=True)


def live_event(organiser, capacity=None) -> Event:
    now = timezone.now()
    return Event.objects.create(
        title="Guest lecture",
        location="LT1",
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(hours=1),
        organiser=organiser,
        category=CategoryFactory(name="Event attendance", min_points=1, max_points=50),
        attendance_points=10,
        capacity=capacity,
        status=Event.Status.PUBLISHED,
    )


def test_one_student_submitting_twenty_times_at_once_is_credited_once(faculty):
    event = live_event(faculty)
    student = StudentFactory()
    code = current_code(event)

    outcomes = run_at_once(
        [lambda: check_in(actor=student.user, event_id=event.pk, code=code)] * 20
    )
    assert outcomes == Counter({"ok": 1, "already_checked_in": 19})
    student.refresh_from_db()
    assert student.balance == 10
    assert Transaction.objects.filter(kind="attendance").count() == 1
    assert_ledger_consistent()


def test_fifty_students_into_thirty_places(faculty):
    event = live_event(faculty, capacity=30)
    students = [StudentFactory() for _ in range(50)]
    code = current_code(event)

    def attend(student):
        return lambda: check_in(actor=student.user, event_id=event.pk, code=code)

    outcomes = run_at_once([attend(s) for s in students])
    assert outcomes == Counter({"ok": 30, "full": 20})
    assert CheckIn.objects.filter(event=event).count() == 30
    assert Transaction.objects.filter(kind="attendance").count() == 30
    assert_ledger_consistent()


def test_organiser_and_student_checking_the_same_student_in_at_once_credit_once(faculty):
    event = live_event(faculty)
    student = StudentFactory()
    code = current_code(event)

    outcomes = run_at_once(
        [
            lambda: check_in(actor=student.user, event_id=event.pk, code=code),
            lambda: check_in(actor=faculty, event_id=event.pk, student_id=student.pk),
        ]
        * 5
    )
    assert outcomes == Counter({"ok": 1, "already_checked_in": 9})
    student.refresh_from_db()
    assert student.balance == 10


def test_twenty_students_into_an_event_without_a_capacity(faculty):
    """No capacity: the event row is not locked, so these do not queue on it; each student is
    still credited once, through their own profile lock and the unique constraint."""
    event = live_event(faculty)
    students = [StudentFactory() for _ in range(20)]
    code = current_code(event)

    def attend(student):
        return lambda: check_in(actor=student.user, event_id=event.pk, code=code)

    outcomes = run_at_once([attend(s) for s in students] + [attend(students[0])] * 5)
    assert outcomes == Counter({"ok": 20, "already_checked_in": 5})
    assert CheckIn.objects.filter(event=event).count() == 20
    assert Transaction.objects.filter(kind="attendance").count() == 20
    assert_ledger_consistent()
