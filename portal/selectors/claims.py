"""Reads for activity claims, tasks and the review queue, and the permission-checked fetches
(`access_*`) that return an object or raise Http404 for anyone who may not see it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import connections
from django.db.models import (
    CharField,
    DateField,
    Exists,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import (
    ActivityClaim,
    Category,
    ReviewStatus,
    Role,
    StudentProfile,
    Task,
    TaskAssignment,
    Transaction,
    User,
)
from portal.selectors.counts import count_per_row

Status = TaskAssignment.Status
STAFF = (Role.FACULTY, Role.ADMIN)


def _is_reviewer(viewer: User) -> bool:
    return viewer.role in STAFF and viewer.is_active


# --- caps -------------------------------------------------------------------------------------


def year_start(now: datetime | None = None) -> datetime:
    """The start of the calendar year the yearly caps count in (as the ledger's cap check)."""
    return timezone.localtime(now).replace(
        month=1, day=1, hour=0, minute=0, second=0, microsecond=0
    )


def _credited_this_year(profile: StudentProfile) -> QuerySet[Transaction]:
    return (
        Transaction.objects.filter(
            student=profile,
            category=OuterRef("pk"),
            counts_for_lifetime=True,
            created_at__gte=year_start(),
        )
        .order_by()
        .values("category")
        .annotate(total=Sum("amount"))
        .values("total")
    )


def _pending_claims(profile: StudentProfile) -> QuerySet[ActivityClaim]:
    return (
        ActivityClaim.objects.filter(
            student=profile, category=OuterRef("pk"), status=ReviewStatus.PENDING
        )
        .order_by()
        .values("category")
        .annotate(total=Sum("points"))
        .values("total")
    )


def with_cap_usage(categories: QuerySet[Category], profile: StudentProfile) -> list[Category]:
    """The categories, each carrying `credited` (points this calendar year, net of reversals),
    `pending` (points in the student's claims waiting for review) and `left` (what a new claim
    may still ask for; None when the category has no cap). One query."""
    rows = list(
        categories.annotate(
            credited=Coalesce(Subquery(_credited_this_year(profile)), 0),
            pending=Coalesce(Subquery(_pending_claims(profile)), 0),
        )
    )
    for category in rows:
        category.left = (
            None
            if category.yearly_cap is None
            else max(category.yearly_cap - category.credited - category.pending, 0)
        )
    return rows


def claim_categories(profile: StudentProfile) -> list[Category]:
    """Active categories for the claim form, with the student's cap usage."""
    return with_cap_usage(Category.objects.filter(is_active=True), profile)


def get_claim_category(profile: StudentProfile, category_id: int | None) -> Category | None:
    """One active category with the student's cap usage, or None."""
    if not category_id:
        return None
    found = with_cap_usage(Category.objects.filter(pk=category_id, is_active=True), profile)
    return found[0] if found else None


# --- a student's claims and tasks ---------------------------------------------------------------


def list_claims_for(profile: StudentProfile, *, limit: int = 100) -> list[ActivityClaim]:
    return list(
        ActivityClaim.objects.filter(student=profile).select_related("category", "decided_by")[
            :limit
        ]
    )


def open_claims_for(profile: StudentProfile, *, limit: int = 4) -> list[ActivityClaim]:
    """Claims still waiting for review, for the student's dashboard."""
    return list(
        ActivityClaim.objects.filter(student=profile, status=ReviewStatus.PENDING).select_related(
            "category"
        )[:limit]
    )


def current_assignment(profile: StudentProfile) -> TaskAssignment | None:
    """The one task the student is working on or waiting to hear about, if any."""
    return (
        TaskAssignment.objects.filter(student=profile, status__in=TaskAssignment.UNFINISHED)
        .select_related("task__category")
        .first()
    )


def past_assignments(profile: StudentProfile, *, limit: int = 10) -> list[TaskAssignment]:
    return list(
        TaskAssignment.objects.filter(student=profile)
        .exclude(status__in=TaskAssignment.UNFINISHED)
        .select_related("task", "decided_by")[:limit]
    )


def _assignment_count(*statuses: str) -> Coalesce:
    """The outer task's assignments in these statuses, as a correlated count read from the
    (task, status) index for the listed tasks only. Count("assignments") joined and grouped
    every assignment of every task before the page's LIMIT: 225 ms for the admin's list at
    50,000 students (issue 9)."""
    return count_per_row(TaskAssignment.objects.filter(status__in=statuses), link="task")


def _with_held(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """`held`: places taken (claimed, submitted or approved)."""
    return tasks.annotate(held=_assignment_count(*TaskAssignment.HOLDING))


def available_tasks(profile: StudentProfile) -> QuerySet[Task]:
    """Tasks a student can take now: active, before the deadline, with a free place, and not
    one they already took (an abandoned one can be taken again). One query per page."""
    taken = TaskAssignment.objects.filter(task=OuterRef("pk"), student=profile).exclude(
        status=Status.ABANDONED
    )
    return (
        _with_held(Task.objects.filter(is_active=True, deadline__gt=timezone.now()))
        .exclude(Exists(taken))
        .filter(held__lt=F("max_claimants"))
        .select_related("category")
        .order_by("deadline", "id")
    )


def tasks_posted(viewer: User) -> QuerySet[Task]:
    """Staff's task list: faculty see what they posted, admins every task; with counts per
    assignment status. One query per page."""
    tasks = (
        Task.objects.all() if viewer.role == Role.ADMIN else Task.objects.filter(created_by=viewer)
    )
    return (
        _with_held(tasks)
        .annotate(
            working=_assignment_count(Status.CLAIMED),
            waiting=_assignment_count(Status.SUBMITTED),
            done=_assignment_count(Status.APPROVED),
        )
        .select_related("category", "created_by")
        .order_by("-is_active", "-deadline", "-id")
    )


def list_task_assignments(task: Task) -> list[TaskAssignment]:
    """Everyone who took the task, for its staff view."""
    return list(
        task.assignments.select_related("student__user", "decided_by").order_by("claimed_at", "id")
    )


def get_assignment_of(profile: StudentProfile, task: Task) -> TaskAssignment | None:
    """The student's latest assignment of this task (an abandoned one included)."""
    return task.assignments.filter(student=profile).order_by("-claimed_at", "-id").first()


# --- access -------------------------------------------------------------------------------------


def access_task(viewer: User, pk: int) -> Task:
    """A task the viewer may open: staff any; a student an active one, or one they took."""
    tasks = _with_held(Task.objects.select_related("category", "created_by"))
    task = get_object_or_404(tasks, pk=pk)
    if viewer.role in STAFF:
        return task
    if task.is_active:
        return task
    if task.assignments.filter(student__user=viewer).exists():
        return task
    raise Http404


def access_task_for_editing(viewer: User, pk: int) -> Task:
    """A task the viewer may edit: the faculty member who posted it, or any admin; 404 for
    everyone else."""
    task = get_object_or_404(_with_held(Task.objects.select_related("category")), pk=pk)
    if viewer.role == Role.ADMIN:
        return task
    if viewer.role == Role.FACULTY and task.created_by_id == viewer.pk:
        return task
    raise Http404


def access_own_claim(viewer: User, pk: int) -> ActivityClaim:
    """One of the viewer's own claims (404 for anyone else's)."""
    return get_object_or_404(
        ActivityClaim.objects.select_related("category", "decided_by"), pk=pk, student__user=viewer
    )


def access_own_assignment(viewer: User, pk: int) -> TaskAssignment:
    """One of the viewer's own task assignments (404 for anyone else's)."""
    return get_object_or_404(
        TaskAssignment.objects.select_related("task__category"), pk=pk, student__user=viewer
    )


def access_claim_evidence(viewer: User, pk: int) -> ActivityClaim:
    """A claim whose evidence the viewer may open: its student, or a reviewer."""
    claim = get_object_or_404(ActivityClaim.objects.select_related("student"), pk=pk)
    if _is_reviewer(viewer):
        return claim
    if claim.student.user_id == viewer.pk:
        return claim
    raise Http404


def access_assignment_file(viewer: User, pk: int) -> TaskAssignment:
    """A task submission whose file the viewer may open: its student, or a reviewer; 404 when
    there is no file."""
    assignment = get_object_or_404(
        TaskAssignment.objects.select_related("student").exclude(submission_file=""), pk=pk
    )
    if _is_reviewer(viewer):
        return assignment
    if assignment.student.user_id == viewer.pk:
        return assignment
    raise Http404


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


def _claim_rows(claims: QuerySet[ActivityClaim]) -> QuerySet[ActivityClaim]:
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
        )
        .values(*QUEUE_COLUMNS)
    )


def _task_rows(assignments: QuerySet[TaskAssignment]) -> QuerySet[TaskAssignment]:
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
        )
        .values(*QUEUE_COLUMNS)
    )


class _Union(QuerySet):
    """The queue's UNION ALL, where a page is also cut from each side before the union: each
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
        return QuerySet.__getitem__(cut, k)


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
) -> QuerySet:
    """Claims and task submissions as one queryset of dicts (QUEUE_COLUMNS), oldest first.

    Two models, one table: each side is filtered first, then reduced to the same columns with
    `.values()` and the two are combined with UNION ALL. The database sorts, counts and slices
    the union, so a page costs one query for the rows and one for the count, whatever its
    length or the queue's; the dicts carry every name the table shows, so rendering a row
    touches the database no more. Filtering is only possible before the union (Django allows
    nothing but ordering, slicing and counting on a combined query), which is why the filters
    are arguments here and not a FilterSet."""
    claims = _Union(ActivityClaim).filter(
        status=QueueStatus.CLAIM.get(status, ReviewStatus.PENDING)
    )
    tasks = TaskAssignment.objects.filter(status=QueueStatus.TASK.get(status, Status.SUBMITTED))
    if category is not None:
        claims = claims.filter(category=category)
        tasks = tasks.filter(task__category=category)
    if department_id:
        claims = claims.filter(student__department_id=department_id)
        tasks = tasks.filter(student__department_id=department_id)
    if age:
        now = timezone.now()
        if age == "new":
            claims = claims.filter(created_at__gte=now - timedelta(days=1))
            tasks = tasks.filter(submitted_at__gte=now - timedelta(days=1))
        elif age.isdigit():
            cutoff = now - timedelta(days=int(age))
            claims = claims.filter(created_at__lt=cutoff)
            tasks = tasks.filter(submitted_at__lt=cutoff)
    if kind == Kind.CLAIM:
        return _claim_rows(claims).order_by("submitted", "item_id")
    if kind == Kind.TASK:
        return _task_rows(tasks).order_by("submitted", "item_id")
    return (
        _claim_rows(claims)
        .union(_task_rows(tasks), all=True)
        .order_by("submitted", "kind", "item_id")
    )


def pending_review_count() -> int:
    """Claims and task submissions waiting for a decision (the navigation badge). One query."""
    claims = ActivityClaim.objects.filter(status=ReviewStatus.PENDING).order_by().values("pk")
    tasks = TaskAssignment.objects.filter(status=Status.SUBMITTED).order_by().values("pk")
    return claims.union(tasks, all=True).count()
