"""Milestones racing: awards and check-ins for one student at the same moment record each
milestone once and announce it once (PostgreSQL; the profile lock serialises them and the
unique constraint is the last line)."""

from __future__ import annotations

from collections import Counter

import pytest

from portal.models import Achievement, Notification
from portal.services import ledger
from portal.services.events import check_in
from tests.concurrency.threads import run_at_once
from tests.conftest import key, postgres_only
from tests.factories import CategoryFactory, EventFactory, StudentFactory
from tests.helpers import assert_ledger_consistent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres, postgres_only]


def announced(profile) -> Counter[str]:
    return Counter(
        Notification.objects.filter(
            user=profile.user, kind=Notification.Kind.MILESTONE
        ).values_list("message", flat=True)
    )


def test_simultaneous_awards_record_the_first_award_and_a_level_once(faculty):
    student = StudentFactory()
    category = CategoryFactory(min_points=1, max_points=500)

    def give(points):
        return lambda: ledger.award_points(
            actor=faculty,
            student_id=student.pk,
            category_id=category.pk,
            amount=points,
            reason="Hackathon",
            idempotency_key=key(),
        )

    outcomes = run_at_once([give(60) for _ in range(8)])

    assert outcomes == Counter({"ok": 8})
    codes = Counter(Achievement.objects.filter(student=student).values_list("code", flat=True))
    assert codes == Counter({"first_award": 1, "level-bronze": 1, "level-silver": 1})
    assert all(count == 1 for count in announced(student).values())
    assert sum(announced(student).values()) == 3
    assert_ledger_consistent()


def test_simultaneous_check_ins_record_the_first_event_once():
    student = StudentFactory()
    events = EventFactory.create_batch(6)

    outcomes = run_at_once(
        [
            (lambda e=e: check_in(actor=e.organiser, event_id=e.pk, student_id=student.pk))
            for e in events
        ]
    )

    assert outcomes == Counter({"ok": 6})
    codes = Counter(Achievement.objects.filter(student=student).values_list("code", flat=True))
    assert codes == Counter({"first_event": 1, "events_5": 1})
    assert sum(announced(student).values()) == 2
    assert_ledger_consistent()
