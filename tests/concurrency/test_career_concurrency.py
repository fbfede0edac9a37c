"""Resume reviews racing each other on PostgreSQL: students asking at once for the one free
slot (exactly one gets it; the others wait for a match), and a reviewer publishing overlapping
slots at once (exactly one is stored: the reviewer's row lock, and the exclusion constraint
behind it)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.models import Reviewer, ReviewRequest, ReviewSlot, Specialty
from portal.services import career
from tests.claims.helpers import evidence
from tests.concurrency.threads import run_at_once
from tests.conftest import postgres_only
from tests.factories import StudentFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]


@pytest.fixture
def setting():
    software = Specialty.objects.create(name="Software engineering")
    user = UserFactory(role="faculty")
    reviewer = Reviewer.objects.create(user=user, kind="faculty")
    reviewer.specialties.add(software)
    return software, user


def test_eight_students_asking_at_once_for_one_free_slot_share_it_never(setting):
    software, faculty = setting
    soon = timezone.now() + timedelta(days=2)
    slot = career.add_slot(actor=faculty, starts_at=soon, ends_at=soon + timedelta(hours=1))
    students = [StudentFactory() for _ in range(8)]
    resume = evidence("pdf")

    def ask(student):
        return lambda: (
            career.request_review(
                actor=student.user, target_role="Analyst", specialty_id=software.pk, resume=resume
            ).status
        )

    outcomes = run_at_once([ask(s) for s in students], outcome=str)
    assert outcomes == Counter({"proposed": 1, "requested": 7})
    holding = ReviewRequest.objects.filter(slot=slot, status__in=ReviewRequest.HOLDING)
    assert holding.count() == 1


def test_a_reviewer_publishing_overlapping_slots_at_once_stores_one(setting):
    _software, faculty = setting
    soon = timezone.now() + timedelta(days=3)

    def publish(offset_minutes):
        start = soon + timedelta(minutes=offset_minutes)
        return lambda: career.add_slot(
            actor=faculty, starts_at=start, ends_at=start + timedelta(hours=1)
        )

    outcomes = run_at_once([publish(m) for m in (0, 10, 20, 30, 40, 50)])
    assert outcomes == Counter({"ok": 1, "overlap": 5})
    assert ReviewSlot.objects.count() == 1


def test_the_database_itself_refuses_overlapping_slots(setting):
    _software, faculty = setting
    reviewer = Reviewer.objects.get(user=faculty)
    soon = timezone.now() + timedelta(days=3)
    ReviewSlot.objects.create(reviewer=reviewer, starts_at=soon, ends_at=soon + timedelta(hours=1))
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewSlot.objects.create(
            reviewer=reviewer,
            starts_at=soon + timedelta(minutes=30),
            ends_at=soon + timedelta(hours=2),
        )


def test_confirming_and_cancelling_at_once_leave_one_consistent_state(setting):
    software, faculty = setting
    soon = timezone.now() + timedelta(days=2)
    career.add_slot(actor=faculty, starts_at=soon, ends_at=soon + timedelta(hours=1))
    student = StudentFactory()
    request = career.request_review(
        actor=student.user, target_role="Analyst", specialty_id=software.pk, resume=evidence("pdf")
    )
    outcomes = run_at_once(
        [
            lambda: career.confirm_request(actor=faculty, request_id=request.pk),
            lambda: career.cancel_request(actor=student.user, request_id=request.pk),
        ]
    )
    request.refresh_from_db()
    # Either order is fine: confirmed then cancelled (both ok), or cancelled first and the
    # confirmation refused.
    assert request.status == ReviewRequest.Status.CANCELLED
    assert outcomes in (Counter({"ok": 2}), Counter({"ok": 1, "not_proposed": 1}))


def test_one_student_sending_the_form_twice_at_once_gets_one_request(setting):
    software, _faculty = setting
    student = StudentFactory()
    resume = evidence("pdf")

    def ask():
        return career.request_review(
            actor=student.user, target_role="Analyst", specialty_id=software.pk, resume=resume
        )

    outcomes = run_at_once([ask, ask, ask])
    assert outcomes == Counter({"ok": 1, "already_live": 2})
    assert ReviewRequest.objects.filter(student=student.user).count() == 1
