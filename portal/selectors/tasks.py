"""Reads for tasks: the open ones a student can take, what a student is working on, and the
staff's lists with how many places each task holds."""

from __future__ import annotations

from functools import cache

from django.db.models import (
    Exists,
    F,
    OuterRef,
    QuerySet,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from portal.models import (
    StudentProfile,
    Task,
    TaskAssignment,
    User,
)
from portal.permissions import sees_every_task
from portal.prepared import Prepared
from portal.selectors.counts import count_per_row

Status = TaskAssignment.Status


# --- a student's tasks ---------------------------------------------------------------------------


def current_assignment(profile: StudentProfile) -> TaskAssignment | None:
    """The one task the student is working on or waiting to hear about, if any (composed once
    per process: it is on the student dashboard and the tasks page)."""
    return _current_assignment.first(profile.pk)


# At most one row (the one_unfinished_task_per_student constraint), in the model's ordering as
# `.first()` reads it.
_current_assignment = Prepared(
    lambda student_id: TaskAssignment.objects.filter(
        student_id=student_id, status__in=TaskAssignment.UNFINISHED
    ).select_related("task__category")[:1]
)


def past_assignments(profile: StudentProfile, *, limit: int = 10) -> list[TaskAssignment]:
    return _past_assignments(limit).all(profile.pk)


@cache
def _past_assignments(limit: int) -> Prepared:
    return Prepared(
        lambda student_id: (
            TaskAssignment.objects.filter(student_id=student_id)
            .exclude(status__in=TaskAssignment.UNFINISHED)
            .select_related("task", "decided_by")[:limit]
        )
    )


def _assignment_count(*statuses: str) -> Coalesce:
    """The outer task's assignments in these statuses, as a correlated count read from the
    (task, status) index for the listed tasks only. Count("assignments") joined and grouped
    every assignment of every task before the page's LIMIT: 225 ms for the admin's list at
    50,000 students (issue 9)."""
    return count_per_row(TaskAssignment.objects.filter(status__in=statuses), link="task")


def with_places_held(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """`held`: places taken (claimed, submitted or approved)."""
    return tasks.annotate(held=_assignment_count(*TaskAssignment.HOLDING))


def available_tasks(profile: StudentProfile) -> QuerySet[Task]:
    """Tasks a student can take now: active, before the deadline, with a free place, and not
    one they already took (an abandoned one can be taken again). One query per page."""
    taken = TaskAssignment.objects.filter(task=OuterRef("pk"), student=profile).exclude(
        status=Status.ABANDONED
    )
    return (
        with_places_held(Task.objects.filter(is_active=True, deadline__gt=timezone.now()))
        .exclude(Exists(taken))
        .filter(held__lt=F("max_claimants"))
        .select_related("category")
        .order_by("deadline", "id")
    )


def task_for_page() -> QuerySet[Task]:
    """Tasks with their category, poster and places held, as the task pages show one."""
    return with_places_held(Task.objects.select_related("category", "created_by"))


def tasks_posted(viewer: User) -> QuerySet[Task]:
    """Staff's task list: faculty see what they posted, admins every task; with counts per
    assignment status. One query per page."""
    tasks = (
        Task.objects.all() if sees_every_task(viewer) else Task.objects.filter(created_by=viewer)
    )
    return (
        with_places_held(tasks)
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
