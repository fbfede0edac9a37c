"""Attendance corrections racing each other (issue 19, item 6), on PostgreSQL: two organisers
annulling one check-in reverse it once; two organisers accepting one dispute credit it once;
an annulment racing a re-check-in leaves the points held at most once."""

from __future__ import annotations

from collections import Counter

import pytest

from portal.models import AttendanceDispute, CheckIn, Transaction
from portal.services.attendance import annul_checkin, decide_dispute, file_dispute
from portal.services.events import EventError, check_in, current_code
from tests.concurrency.test_event_concurrency import live_event
from tests.concurrency.threads import run_at_once
from tests.conftest import postgres_only
from tests.factories import StudentFactory
from tests.helpers import assert_ledger_consistent

pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]


def test_two_organisers_annulling_one_check_in_reverse_it_once(faculty, admin):
    event = live_event(faculty)
    student = StudentFactory()
    checkin = check_in(actor=student.user, event_id=event.pk, code=current_code(event))

    def annul(actor):
        return lambda: annul_checkin(actor=actor, checkin_id=checkin.pk, reason="Not in the room")

    outcomes = run_at_once([annul(faculty), annul(admin)] * 4)
    assert outcomes == Counter({"ok": 1, "already_annulled": 7})
    assert Transaction.objects.filter(kind="reversal", reverses__checkin=checkin).count() == 1
    student.refresh_from_db()
    assert (student.balance, student.checkins_count) == (0, 0)
    assert_ledger_consistent()


def test_two_organisers_accepting_one_dispute_credit_it_once(faculty, admin):
    event = live_event(faculty)
    student = StudentFactory()
    with pytest.raises(EventError):
        check_in(actor=student.user, event_id=event.pk, code="ZZZZZZ")
    dispute = file_dispute(actor=student.user, event_id=event.pk, note="I was there.")

    def accept(actor):
        return lambda: decide_dispute(actor=actor, dispute_id=dispute.pk, accept=True)

    outcomes = run_at_once([accept(faculty), accept(admin)] * 4)
    assert outcomes == Counter({"ok": 1, "already_decided": 7})
    assert CheckIn.objects.filter(event=event, student=student).count() == 1
    assert AttendanceDispute.objects.get(pk=dispute.pk).status == "accepted"
    student.refresh_from_db()
    assert student.balance == 10
    assert_ledger_consistent()


def checked_in(event, count: int = 6) -> tuple[list, list]:
    """`count` students checked in to `event` with its code, and their check-ins."""
    students = [StudentFactory() for _ in range(count)]
    checkins = [
        check_in(actor=s.user, event_id=event.pk, code=current_code(event)) for s in students
    ]
    return students, checkins


def annulling(admin, checkin):
    return lambda: annul_checkin(actor=admin, checkin_id=checkin.pk, reason="Not there")


def test_an_annulment_racing_a_check_in_by_hand_holds_the_points_at_most_once(faculty, admin):
    event = live_event(faculty)
    students, checkins = checked_in(event)

    def again(student):
        return lambda: check_in(actor=faculty, event_id=event.pk, student_id=student.pk)

    run_at_once([annulling(admin, c) for c in checkins] + [again(s) for s in students])
    for student in students:
        student.refresh_from_db()
        standing = CheckIn.objects.standing().filter(event=event, student=student).count()
        assert standing <= 1
        assert student.balance == 10 * standing
    assert_ledger_consistent()


def test_an_annulment_racing_the_students_own_check_in_again_never_lets_it_back(admin, faculty):
    """The student's second try either meets their standing check-in (before the annulment)
    or their first entry's key (after it): it is never credited, whichever commits first."""
    event = live_event(faculty)
    students, checkins = checked_in(event)

    def again(student):
        return lambda: check_in(actor=student.user, event_id=event.pk, code=current_code(event))

    outcomes = run_at_once([annulling(admin, c) for c in checkins] + [again(s) for s in students])
    assert outcomes["ok"] == len(students)  # the annulments; no second check-in
    assert outcomes["already_checked_in"] + outcomes["annulled"] == len(students)
    for student in students:
        student.refresh_from_db()
        assert not CheckIn.objects.standing().filter(event=event, student=student).exists()
        assert student.balance == 0
    assert_ledger_consistent()
