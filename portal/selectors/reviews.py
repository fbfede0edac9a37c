"""The review queue: activity claims and task submissions in one table (faculty and admins),
combined with UNION ALL so the database sorts, counts and pages them together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

from django.db import connections
from django.db.models import (
    Case,
    CharField,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import (
    ActivityClaim,
    Category,
    ClubMembership,
    ReviewStatus,
    StudentProfile,
    Task,
    TaskAssignment,
    User,
)
from portal.prepared import ComposedOnce, Prepared

Status = TaskAssignment.Status


# --- the review queue ---------------------------------------------------------------------------


class Kind:
    CLAIM = "claim"
    TASK = "task"
    CHOICES = ((CLAIM, _("Claims")), (TASK, _("Tasks")))


class QueueStatus:
    WAITING = "waiting"
    APPROVED = "approved"
    REJECTED = "rejected"
    CHOICES = (
        (WAITING, _("Waiting")),
        (APPROVED, _("Approved")),
        (REJECTED, _("Rejected")),
    )
    CLAIM = {
        WAITING: ReviewStatus.PENDING,
        APPROVED: ReviewStatus.APPROVED,
        REJECTED: ReviewStatus.REJECTED,
    }
    TASK = {WAITING: Status.SUBMITTED, APPROVED: Status.APPROVED, REJECTED: Status.REJECTED}


# Every row of the queue has these columns, in this order, whichever model it comes from. The
# names avoid the models' field names (an annotation may not shadow a field).
QUEUE_COLUMNS = (
    "kind",
    "item_id",
    "submitted",
    "student_name",
    "enrollment",
    "department",
    "category_name",
    "title",
    "detail",
    "activity_on",
    "amount",
    "file_kind",
    "state",
    "decider",
    "decided",
    "comment",
    "rank",
)


# The names on a queue row are read with correlated subqueries, not joins: PostgreSQL then
# reads them for the queue's rows only (a few hundred primary-key lookups), and leaves them out
# of the count altogether. With joins it hashed all 50,000 profiles and every task for the
# page and again for the count: 105 ms SQL at 50,000 students (issue 9).


def _name_of_student(path: str) -> Subquery:
    profile = StudentProfile.objects.filter(pk=OuterRef("student_id")).order_by()
    return Subquery(profile.values(path)[:1])


def _decider_name() -> Coalesce:
    return Coalesce(
        Subquery(User.objects.filter(pk=OuterRef("decided_by_id")).order_by().values("name")[:1]),
        Value(""),
    )


def _of_task(path: str) -> Subquery:
    return Subquery(Task.objects.filter(pk=OuterRef("task_id")).order_by().values(path)[:1])


class Mine:
    """The reviewer's own students: their mentees, and the members of the clubs they advise."""

    MENTEES = "mentees"
    CLUBS = "clubs"
    CHOICES = ((MENTEES, _("My mentees")), (CLUBS, _("My clubs' members")))


# A queue row's rank for its reviewer: their mentees first, then their clubs' members, then
# everyone else (the order within each is the oldest first).
MENTEE, CLUB_MEMBER, OTHER = 0, 1, 2


def _mentee_of(reviewer: User) -> Exists:
    return Exists(StudentProfile.objects.filter(pk=OuterRef("student_id"), mentor_id=reviewer.pk))


def _in_club_of(reviewer: User) -> Exists:
    advised = ClubMembership.objects.filter(
        user_id=reviewer.pk, position=ClubMembership.Position.ADVISER
    ).values("club_id")
    return Exists(
        ClubMembership.objects.filter(
            club_id__in=advised,
            user__student_profile=OuterRef("student_id"),
        ).exclude(position=ClubMembership.Position.ADVISER)
    )


def _rank(reviewer: User | None) -> Case | Value:
    if reviewer is None:
        return Value(OTHER, output_field=IntegerField())
    return Case(
        When(_mentee_of(reviewer), then=Value(MENTEE)),
        When(_in_club_of(reviewer), then=Value(CLUB_MEMBER)),
        default=Value(OTHER),
        output_field=IntegerField(),
    )


def _claim_rows(
    claims: QuerySet[ActivityClaim], reviewer: User | None = None
) -> QuerySet[ActivityClaim]:
    category = Category.objects.filter(pk=OuterRef("category_id")).order_by()
    category_name = Subquery(category.values("name")[:1])
    return (
        claims.order_by()
        .annotate(
            kind=Value(Kind.CLAIM, output_field=CharField()),
            item_id=F("pk"),
            submitted=F("created_at"),
            student_name=_name_of_student("user__name"),
            enrollment=_name_of_student("enrollment_number"),
            department=Coalesce(_name_of_student("department__code"), Value("")),
            category_name=category_name,
            title=category_name,
            detail=F("description"),
            activity_on=F("activity_date"),
            amount=F("points"),
            file_kind=F("evidence_type"),
            state=F("status"),
            decider=_decider_name(),
            decided=F("decided_at"),
            comment=F("review_comment"),
            rank=_rank(reviewer),
        )
        .values(*QUEUE_COLUMNS)
    )


def _task_rows(
    assignments: QuerySet[TaskAssignment], reviewer: User | None = None
) -> QuerySet[TaskAssignment]:
    return (
        assignments.order_by()
        .annotate(
            kind=Value(Kind.TASK, output_field=CharField()),
            item_id=F("pk"),
            submitted=F("submitted_at"),
            student_name=_name_of_student("user__name"),
            enrollment=_name_of_student("enrollment_number"),
            department=Coalesce(_name_of_student("department__code"), Value("")),
            category_name=_of_task("category__name"),
            title=_of_task("title"),
            detail=F("submission_text"),
            activity_on=Value(None, output_field=DateField()),
            amount=_of_task("points"),
            file_kind=F("file_type"),
            state=F("status"),
            decider=_decider_name(),
            decided=F("decided_at"),
            comment=F("review_comment"),
            rank=_rank(reviewer),
        )
        .values(*QUEUE_COLUMNS)
    )


class _Queue(ComposedOnce):
    """The queue's rows (one model's, or the UNION ALL of both), composed once per shape,
    ordering and page (`ComposedOnce`). A page of the union is also cut from each side: each
    side is sorted as the union is and limited to the page's end, so the database reads the
    names (the correlated subqueries above) for at most that many rows a side. Sorted and cut
    only as a whole, the union read them for every row first: each waiting item (834 at 50,000
    students), or every decided one for the approved and rejected views (issue 9). SQLite
    allows no ORDER BY or LIMIT inside a UNION; it gets the plain union."""

    def __getitem__(self, k: int | slice) -> Any:
        query = self.query
        order = [name for name in query.order_by if isinstance(name, str)]
        if (
            not isinstance(k, slice)
            or k.stop is None
            or not query.combinator
            or not order
            or len(order) != len(query.order_by)
            or not connections[self.db].features.supports_slicing_ordering_in_compound
        ):
            return super().__getitem__(k)
        # "kind" is a constant on each side (and PostgreSQL refuses ORDER BY a constant).
        order = [name for name in order if name.lstrip("-") != "kind"]
        sides = []
        for side in query.combined_queries:
            side = side.clone()
            side.clear_ordering(force=True)
            side.add_ordering(*order)
            side.set_limits(high=k.stop)
            sides.append(side)
        cut = self._chain()
        cut.query.combined_queries = tuple(sides)
        return self._keeping_shape(QuerySet.__getitem__(cut, k), self.shape)


AGE_CHOICES = (
    ("new", _("Under a day")),
    ("3", _("Over 3 days")),
    ("7", _("Over a week")),
    ("30", _("Over a month")),
)


def list_review_queue(
    *,
    kind: str = "",
    status: str = QueueStatus.WAITING,
    category: Category | None = None,
    department_id: int | None = None,
    age: str = "",
    reviewer: User | None = None,
    mine: str = "",
) -> QuerySet:
    """Claims and task submissions as one queryset of dicts (QUEUE_COLUMNS), oldest first.

    Two models, one table: each side is filtered first, then reduced to the same columns with
    `.values()` and the two are combined with UNION ALL. The database sorts, counts and slices
    the union, so a page costs one query for the rows and one for the count, whatever its
    length or the queue's; the dicts carry every name the table shows, so rendering a row
    touches the database no more. Filtering is only possible before the union (Django allows
    nothing but ordering, slicing and counting on a combined query), which is why the filters
    are arguments here and not a FilterSet.

    With a `reviewer`, their mentees' items come first, then their advised clubs' members',
    then everyone else's (each row's `rank`); `mine` keeps only their mentees' (Mine.MENTEES)
    or their clubs' members' (Mine.CLUBS) items."""
    shape = QueueShape(
        kind=kind,
        status=status,
        category_id=category.pk if category is not None else None,
        department_id=department_id or None,
        reviewer_id=reviewer.pk if reviewer is not None else None,
        mine=mine if reviewer is not None else "",
    )
    if age:  # its cut-off moves with the clock
        return _build_queue(shape, age)
    return _built_queue(shape).all()


@dataclass(frozen=True)
class QueueShape:
    """What a queue's query depends on, but for the age filter: ids, not rows, so that it can
    key the cache of built queries."""

    kind: str
    status: str
    category_id: int | None
    department_id: int | None
    reviewer_id: int | None
    mine: str


@lru_cache(maxsize=128)
def _built_queue(shape: QueueShape) -> QuerySet:
    """The queue's query, built once per process and shape (issue 17): building its two sides,
    seventeen columns and a dozen subqueries each, cost 4 ms of CPU on every page. It holds
    ids and constants only, nothing read from the database; callers get a copy (`.all()`),
    so the cached one is never evaluated or changed."""
    return _build_queue(shape).shaped(shape)


def _build_queue(shape: QueueShape, age: str = "") -> QuerySet:
    reviewer = User(pk=shape.reviewer_id) if shape.reviewer_id is not None else None
    status, mine = shape.status, shape.mine
    claims = _Queue(ActivityClaim).filter(
        status=QueueStatus.CLAIM.get(status, ReviewStatus.PENDING)
    )
    tasks = _Queue(TaskAssignment).filter(status=QueueStatus.TASK.get(status, Status.SUBMITTED))
    if shape.category_id is not None:
        claims = claims.filter(category_id=shape.category_id)
        tasks = tasks.filter(task__category_id=shape.category_id)
    if shape.department_id:
        claims = claims.filter(student__department_id=shape.department_id)
        tasks = tasks.filter(student__department_id=shape.department_id)
    if age:
        now = timezone.now()
        if age == "new":
            claims = claims.filter(created_at__gte=now - timedelta(days=1))
            tasks = tasks.filter(submitted_at__gte=now - timedelta(days=1))
        elif age.isdigit():
            cutoff = now - timedelta(days=int(age))
            claims = claims.filter(created_at__lt=cutoff)
            tasks = tasks.filter(submitted_at__lt=cutoff)
    if reviewer is not None and mine == Mine.MENTEES:
        claims = claims.filter(_mentee_of(reviewer))
        tasks = tasks.filter(_mentee_of(reviewer))
    elif reviewer is not None and mine == Mine.CLUBS:
        claims = claims.filter(_in_club_of(reviewer))
        tasks = tasks.filter(_in_club_of(reviewer))
    first = ("rank",) if reviewer is not None else ()
    if shape.kind == Kind.CLAIM:
        return _claim_rows(claims, reviewer).order_by(*first, "submitted", "item_id")
    if shape.kind == Kind.TASK:
        return _task_rows(tasks, reviewer).order_by(*first, "submitted", "item_id")
    return (
        _claim_rows(claims, reviewer)
        .union(_task_rows(tasks, reviewer), all=True)
        .order_by(*first, "submitted", "kind", "item_id")
    )


def pending_review_count() -> int:
    """Claims and task submissions waiting for a decision (the navigation badge). One query,
    composed once per process."""
    return _pending_reviews.count()


def _pending_reviews_query() -> QuerySet:
    claims = ActivityClaim.objects.filter(status=ReviewStatus.PENDING).order_by().values("pk")
    tasks = TaskAssignment.objects.filter(status=Status.SUBMITTED).order_by().values("pk")
    return claims.union(tasks, all=True)


_pending_reviews = Prepared(_pending_reviews_query, takes=())
