"""Reads for resume reviews: the student's page (their requests, whether a no-show bars them),
the reviewer's page (availability, proposals, sessions), the admins' reviewer list, and the
sessions in a personal calendar feed. Each returns what its page shows in a fixed number of
queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from portal.models import Reviewer, ReviewRequest, ReviewSlot, Specialty, User
from portal.permissions.career import REVIEWER_ROLES

Status = ReviewRequest.Status

# A no-show bars the student from asking for a review for this long.
NO_SHOW_BAR = timedelta(days=7)
# Sessions further back than this leave the calendar feed.
CALENDAR_PAST = timedelta(days=60)
# How many past (closed) requests the pages list.
HISTORY = 20


def live_requests() -> QuerySet[ReviewRequest]:
    """Requests not closed yet: waiting, proposed or scheduled."""
    return ReviewRequest.objects.filter(
        status__in=[Status.REQUESTED, Status.PROPOSED, Status.CONFIRMED]
    )


def barred_until(student: User, *, now: datetime | None = None) -> datetime | None:
    """When the student's latest no-show bar ends, if it has not yet: NO_SHOW_BAR from the
    missed session's end (one query)."""
    now = now or timezone.now()
    missed = (
        ReviewRequest.objects.filter(
            student=student, status=Status.NO_SHOW, slot__ends_at__gt=now - NO_SHOW_BAR
        )
        .order_by("-slot__ends_at")
        .values_list("slot__ends_at", flat=True)
        .first()
    )
    return missed + NO_SHOW_BAR if missed else None


def requests_of(student: User) -> list[ReviewRequest]:
    """The student's requests, live first then the most recent closed ones (one query)."""
    rows = (
        ReviewRequest.objects.filter(student=student)
        .select_related("specialty", "slot", "reviewer__user", "reviewer__company")
        .order_by("-created_at", "-id")[: HISTORY + 1]
    )
    live = {Status.REQUESTED, Status.PROPOSED, Status.CONFIRMED}
    return sorted(rows, key=lambda r: r.status not in live)


def specialties() -> QuerySet[Specialty]:
    return Specialty.objects.order_by("name", "id")


def slot_is_held() -> Exists:
    return Exists(
        ReviewRequest.objects.filter(
            slot=OuterRef("pk"), status__in=[Status.PROPOSED, Status.CONFIRMED]
        )
    )


def free_slots_for(
    specialty_id: int, *, earliest: datetime, skip: list[int], student_id: int | None = None
) -> QuerySet:
    """Slots a request in `specialty_id` could take, earliest first: of active reviewers who
    know the specialty, may review by their role (faculty, admin, partner), are not in `skip`
    and are not the requesting student, starting no sooner than `earliest`, held by no live
    request."""
    slots = (
        ReviewSlot.objects.filter(
            starts_at__gte=earliest,
            reviewer__is_active=True,
            reviewer__user__is_active=True,
            reviewer__user__role__in=REVIEWER_ROLES,
            reviewer__specialties=specialty_id,
        )
        .exclude(reviewer_id__in=skip)
        .annotate(held=slot_is_held())
        .filter(held=False)
        .order_by("starts_at", "reviewer_id", "id")
    )
    if student_id is not None:
        slots = slots.exclude(reviewer__user_id=student_id)
    return slots


@dataclass(frozen=True)
class ReviewerPage:
    slots: list[ReviewSlot]
    proposals: list[ReviewRequest]
    sessions: list[ReviewRequest]
    done: list[ReviewRequest]


def reviewer_page(reviewer: Reviewer, *, now: datetime | None = None) -> ReviewerPage:
    """What a reviewer's page shows, in four queries: their future slots (with the request
    holding each, if any), the proposals waiting for them, their scheduled sessions (past ones
    first: they wait for feedback or a no-show), and their latest closed ones."""
    now = now or timezone.now()
    holding = ReviewRequest.objects.filter(
        status__in=[Status.PROPOSED, Status.CONFIRMED]
    ).select_related("student")
    slots = list(
        ReviewSlot.objects.filter(reviewer=reviewer, ends_at__gt=now)
        .prefetch_related(Prefetch("requests", queryset=holding, to_attr="holders"))
        .order_by("starts_at", "id")[:60]
    )
    mine = ReviewRequest.objects.filter(reviewer=reviewer).select_related(
        "student", "specialty", "slot"
    )
    proposals = list(mine.filter(status=Status.PROPOSED).order_by("slot__starts_at", "id"))
    sessions = list(mine.filter(status=Status.CONFIRMED).order_by("slot__starts_at", "id"))
    done = list(
        mine.filter(status__in=[Status.COMPLETED, Status.NO_SHOW]).order_by("-closed_at", "-id")[
            :HISTORY
        ]
    )
    return ReviewerPage(slots=slots, proposals=proposals, sessions=sessions, done=done)


def list_reviewers() -> list[Reviewer]:
    """Every reviewer with their user, company and specialties (two queries)."""
    return list(
        Reviewer.objects.select_related("user", "company")
        .prefetch_related("specialties")
        .order_by("-is_active", "user__name", "id")
    )


def recent_requests(viewer: User | None = None, limit: int = 50) -> list[ReviewRequest]:
    """The latest requests for admins: every student's, or for a department admin only their
    department's students' (one query)."""
    rows = ReviewRequest.objects.select_related("student", "specialty", "slot", "reviewer__user")
    if viewer is not None and viewer.admin_department_id is not None:
        rows = rows.filter(student__student_profile__department_id=viewer.admin_department_id)
    return list(rows.order_by("-created_at", "-id")[:limit])


def calendar_sessions_for(user: User) -> list[ReviewRequest]:
    """Scheduled and completed review sessions the user takes part in (as student or
    reviewer), from two months ago on, for the personal calendar feed. One query."""
    since = timezone.now() - CALENDAR_PAST
    return list(
        ReviewRequest.objects.filter(
            Q(student=user) | Q(reviewer__user=user),
            status__in=[Status.CONFIRMED, Status.COMPLETED],
            slot__ends_at__gte=since,
        )
        .select_related("slot", "student", "reviewer__user", "specialty")
        .order_by("slot__starts_at", "id")[:200]
    )


def due_reminders(*, now: datetime, ahead: timedelta) -> QuerySet[ReviewRequest]:
    """Scheduled sessions starting within `ahead` whose people were not reminded yet."""
    return ReviewRequest.objects.filter(
        status=Status.CONFIRMED,
        reminded_at__isnull=True,
        slot__starts_at__gt=now,
        slot__starts_at__lte=now + ahead,
    )
