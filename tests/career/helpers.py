"""Builders for the resume review tests: reviewers, slots and requests made through the real
services; `at(moment)` runs them as if it were another time (past sessions)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest import mock

from django.utils import timezone

from portal.models import Reviewer, ReviewRequest, ReviewSlot, Specialty, User
from portal.services import career
from tests.claims.helpers import evidence


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def make_reviewer(user: User, *specialties: Specialty, kind: str = "faculty") -> Reviewer:
    reviewer = Reviewer.objects.create(user=user, kind=kind, headline="Hiring manager")
    reviewer.specialties.set(specialties)
    return reviewer


def add_slot(
    user: User, starts_in: timedelta, minutes: int = 45, *, now: datetime | None = None
) -> ReviewSlot:
    now = now or timezone.now()
    with at(now):
        return career.add_slot(
            actor=user,
            starts_at=now + starts_in,
            ends_at=now + starts_in + timedelta(minutes=minutes),
        )


def ask(
    student: User, specialty: Specialty, *, now: datetime | None = None, role: str = "Analyst"
) -> ReviewRequest:
    with at(now or timezone.now()):
        return career.request_review(
            actor=student,
            target_role=role,
            specialty_id=specialty.pk,
            resume=evidence("pdf"),
            preferred_times="Mornings",
        )


FEEDBACK = {
    "score_content": 4,
    "score_format": 3,
    "score_impact": 5,
    "strengths": "Clear projects section.",
    "improvements": "Quantify the results.",
}


def held_session(
    student: User, reviewer: User, specialty: Specialty, *, hours_ago: int = 1
) -> ReviewRequest:
    """A confirmed session that started `hours_ago` hours ago (made two days back)."""
    then = timezone.now() - timedelta(days=2)
    starts_in = timedelta(days=2) - timedelta(hours=hours_ago)
    add_slot(reviewer, starts_in, now=then)
    request = ask(student, specialty, now=then)
    assert request.status == ReviewRequest.Status.PROPOSED
    with at(then):
        career.confirm_request(actor=reviewer, request_id=request.pk)
    request.refresh_from_db()
    return request
