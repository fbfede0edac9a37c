"""Check-ins racing each other: one credit per student however often it is submitted, and
never more check-ins than places."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.utils import timezone

from portal.exceptions import PortalError
from portal.models import CheckIn, Event, Transaction
from portal.services.events import check_in, current_code
from portal.services.ledger import lock_profile
from tests.concurrency.threads import run_at_once
from tests.conftest import postgres_only
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


def test_wrong_codes_sent_at_once_are_each_counted_against_the_limit(faculty, monkeypatch):
    """Thirty wrong codes from one student at once: only the first ten are told "wrong" (the
    limit is ten in ten minutes); the rest are refused by the limit, and so is a right code
    sent after them. Checking the code is slowed down so that every request is in flight at
    once: a limit looked at before the code is checked, and counted after, lets all thirty
    through."""
    from portal.services import events as event_services

    event = live_event(faculty)
    student = StudentFactory()
    wrong = "ZZZZZZ" if current_code(event) != "ZZZZZZ" else "YYYYYY"
    check_code = event_services.code_is_valid

    def slow_check(*args, **kwargs):
        time.sleep(0.1)
        return check_code(*args, **kwargs)

    monkeypatch.setattr(event_services, "code_is_valid", slow_check)
    # The limit's ten-minute window does not roll over (and reset the count) midway.
    now = time.time()
    frozen_clock = SimpleNamespace(time=lambda: now)
    monkeypatch.setattr("django_ratelimit.core.time", frozen_clock)
    monkeypatch.setattr("portal.ratelimit.time", frozen_clock)

    outcomes = run_at_once(
        [lambda: check_in(actor=student.user, event_id=event.pk, code=wrong)] * 30
    )

    assert outcomes == Counter({"bad_code": 10, "rate_limited": 20})
    with pytest.raises(PortalError) as refused:
        check_in(actor=student.user, event_id=event.pk, code=current_code(event))
    assert refused.value.code == "rate_limited"
    assert not CheckIn.objects.exists()


def test_one_student_cannot_use_up_the_events_wrong_code_limit(faculty, monkeypatch):
    """Once a student's own limit is full, their wrong codes no longer count for the event:
    another student's right code still checks them in."""
    from portal.services import events as event_services

    monkeypatch.setattr(event_services, "WRONG_CODES_PER_EVENT", "12/m")
    event = live_event(faculty)
    spammer, other = StudentFactory(), StudentFactory()
    wrong = "ZZZZZZ" if current_code(event) != "ZZZZZZ" else "YYYYYY"

    outcomes = run_at_once(
        [lambda: check_in(actor=spammer.user, event_id=event.pk, code=wrong)] * 20
    )

    assert outcomes == Counter({"bad_code": 10, "rate_limited": 10})
    assert check_in(actor=other.user, event_id=event.pk, code=current_code(event)).pk


# --- the event changed while a check-in waited for the student's lock --------------------------


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _waiting_for_a_lock(pid: int, timeout: float = 10.0) -> None:
    """Return once the connection `pid` waits for a lock."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = %s AND wait_event_type = 'Lock'",
                [pid],
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the check-in never waited for the lock")


@postgres_only
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"status": Event.Status.CANCELLED}, "cancelled"),
        ({"checkin_closes_at": timezone.now() - timedelta(minutes=1)}, "closed"),
        ({"capacity": 1}, "full"),
        ({"requires_registration": True}, "not_registered"),
        ({"attendance_points": 25, "title": "Renamed lecture"}, "ok"),
    ],
)
def test_a_change_to_the_event_while_the_check_in_waits_for_the_lock_counts(
    faculty, change, expected
):
    """The check-in's rules are checked on the view's copy of the event, and the row written
    only while the event still equals it: a change committed while the check-in waited for the
    student's lock (held here by a bulk award, say) is seen, whatever it changed."""
    event = live_event(faculty)
    check_in(actor=StudentFactory().user, event_id=event.pk, code=current_code(event))
    student = StudentFactory()
    copy = Event.objects.select_related("category").get(pk=event.pk)
    held, release = threading.Event(), threading.Event()

    def hold_the_profile() -> None:
        with transaction.atomic():
            lock_profile(student.pk)
            held.set()
            release.wait(10)

    checker_pid: list[int] = []
    ready = threading.Event()

    def check_in_with_the_copy():
        checker_pid.append(_backend_pid())
        ready.set()
        held.wait(10)
        return check_in(actor=student.user, event_id=event.pk, code=current_code(copy), event=copy)

    outcome: list = []
    holder = threading.Thread(target=lambda: _closing(hold_the_profile))
    holder.start()
    checker = threading.Thread(
        target=lambda: outcome.append(_outcome(lambda: _closing(check_in_with_the_copy)))
    )
    checker.start()
    try:
        ready.wait(10)
        _waiting_for_a_lock(checker_pid[0])
        Event.objects.filter(pk=event.pk).update(**change)
    finally:
        release.set()
        holder.join(20)
        checker.join(20)
    assert outcome == [expected]
    student.refresh_from_db()
    entry = Transaction.objects.filter(student=student).first()
    if expected == "ok":
        assert (entry.amount, entry.reason) == (25, "Attended: Renamed lecture")
        assert student.balance == 25
    else:
        assert entry is None and student.balance == 0
    assert_ledger_consistent()


def _closing(job):
    try:
        return job()
    finally:
        connection.close()


def _outcome(job) -> str:
    try:
        job()
    except PortalError as exc:
        return exc.code
    return "ok"
