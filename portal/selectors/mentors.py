"""Reads for mentors: the admins' list of students with their mentor, who may be chosen as a
mentor, and a mentor's own page of mentees with their progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from portal.domain.levels import LevelProgress, level_for
from portal.models import (
    ActivityClaim,
    PeriodPoints,
    ReviewStatus,
    Role,
    StudentProfile,
    Transaction,
    User,
)
from portal.selectors.counts import count_per_row
from portal.selectors.periods import Period, period_start


def mentor_choices() -> QuerySet[User]:
    """Who may be chosen as a mentor: active faculty, by name."""
    return User.objects.filter(role=Role.FACULTY, is_active=True).order_by("name", "id")


def list_students_with_mentors(*, query: str = "", without_mentor: bool = False) -> QuerySet:
    """Students with their mentor for the admins' mentors page, by name (one query a page)."""
    students = (
        StudentProfile.objects.filter(user__role=Role.STUDENT)
        .select_related("user", "mentor", "department")
        .order_by("user__name", "id")
    )
    query = query.strip()
    if query:
        students = students.filter(
            Q(user__name__icontains=query)
            | Q(enrollment_number__iexact=query)
            | Q(user__email__iexact=query)
            | Q(mentor__name__icontains=query)
        )
    if without_mentor:
        students = students.filter(mentor__isnull=True)
    return students


@dataclass(frozen=True)
class MenteeRow:
    profile: StudentProfile
    level: LevelProgress
    term_points: int
    pending_claims: int
    last_activity: datetime | None


def _latest(related: QuerySet, column: str) -> Subquery:
    rows = related.filter(student=OuterRef("pk")).order_by(f"-{column}").values(column)[:1]
    return Subquery(rows)


def mentees_of(mentor: User) -> list[MenteeRow]:
    """The mentor's mentees, by name, each with their balance, level, points this term, claims
    waiting for review and last activity (points received or a claim sent): one query."""
    term = PeriodPoints.objects.filter(
        student=OuterRef("pk"), period=Period.TERM, starts_at=period_start(Period.TERM)
    ).values("points")[:1]
    profiles = (
        StudentProfile.objects.filter(mentor=mentor)
        .select_related("user", "department")
        .annotate(
            term_points=Coalesce(Subquery(term), 0),
            pending_claims=count_per_row(
                ActivityClaim.objects.filter(status=ReviewStatus.PENDING), link="student"
            ),
            last_entry=_latest(Transaction.objects.all(), "created_at"),
            last_claim=_latest(ActivityClaim.objects.all(), "created_at"),
        )
        .order_by("user__name", "id")
    )
    rows = []
    for profile in profiles:
        moments = [m for m in (profile.last_entry, profile.last_claim) if m is not None]
        rows.append(
            MenteeRow(
                profile=profile,
                level=level_for(profile.lifetime_points),
                term_points=profile.term_points,
                pending_claims=profile.pending_claims,
                last_activity=max(moments) if moments else None,
            )
        )
    return rows
