"""Door passes scanned at several doors at once: one check-in and one ledger entry per student,
and never more walk-ins than places."""

from __future__ import annotations

from collections import Counter

import pytest

from portal.models import CheckIn, CheckInAttempt, Transaction
from portal.services.events import check_in
from portal.services.passes import current_pass
from tests.concurrency.test_event_concurrency import live_event
from tests.concurrency.threads import run_at_once
from tests.factories import StudentFactory
from tests.helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_same_pass_scanned_at_two_doors_at_once_checks_in_once(faculty, admin):
    event = live_event(faculty)
    student = StudentFactory()
    code = current_pass(student).code

    outcomes = run_at_once(
        [
            lambda: check_in(actor=faculty, event_id=event.pk, pass_code=code),
            lambda: check_in(actor=admin, event_id=event.pk, pass_code=code),
        ]
        * 3
    )
    assert outcomes == Counter({"ok": 1, "already_checked_in": 5})
    assert CheckIn.objects.filter(event=event, student=student).count() == 1
    assert Transaction.objects.filter(kind="attendance", student=student).count() == 1
    assert CheckInAttempt.objects.filter(reason="already_checked_in", method="pass").count() == 5
    student.refresh_from_db()
    assert student.balance == 10
    assert_ledger_consistent()


def test_passes_scanned_at_two_doors_never_overfill_the_event(faculty, admin):
    event = live_event(faculty, capacity=4)
    codes = [current_pass(StudentFactory()).code for _ in range(8)]

    def scan(actor, code):
        return lambda: check_in(actor=actor, event_id=event.pk, pass_code=code)

    doors = [faculty, admin] * 4
    outcomes = run_at_once([scan(door, code) for door, code in zip(doors, codes, strict=True)])
    assert outcomes == Counter({"ok": 4, "full": 4})
    assert CheckIn.objects.filter(event=event).count() == 4
    assert Transaction.objects.filter(kind="attendance").count() == 4
    assert_ledger_consistent()
