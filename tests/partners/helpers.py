"""Review sessions built with the ORM (the career services live on another branch): enough to
feed the partner dashboard and the reviewer analytics."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from django.utils import timezone

from portal.models import Company, Reviewer, ReviewRequest, ReviewSlot, Role, Specialty, User
from tests.factories import UserFactory

_hours = itertools.count(1)


def make_reviewer(company: Company | None = None, **user: object) -> Reviewer:
    role = Role.PARTNER if company is not None else Role.FACULTY
    account = UserFactory(role=role, **user)
    kind = Reviewer.Kind.PROFESSIONAL if company is not None else Reviewer.Kind.FACULTY
    return Reviewer.objects.create(user=account, kind=kind, company=company)


def make_session(
    reviewer: Reviewer,
    student: User,
    *,
    status: str,
    starts_at: datetime | None = None,
    wait: timedelta = timedelta(days=2),
    rating: int | None = None,
    target_role: str = "Data analyst",
) -> ReviewRequest:
    """A request of `student` held by `reviewer` in `status`, its slot starting at `starts_at`
    (a distinct hour in the future by default), asked `wait` before the slot starts."""
    if starts_at is None:
        starts_at = timezone.now() + timedelta(hours=next(_hours) * 2)
    slot = ReviewSlot.objects.create(
        reviewer=reviewer, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=45)
    )
    specialty, _created = Specialty.objects.get_or_create(name="Data science")
    return ReviewRequest.objects.create(
        student=student,
        target_role=target_role,
        specialty=specialty,
        resume="career/resumes/test.pdf",
        status=status,
        reviewer=reviewer,
        slot=slot,
        created_at=starts_at - wait,
        rating=rating,
    )
