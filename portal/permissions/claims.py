"""Activity claims, tasks and the review queue."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from portal.models import ActivityClaim, Task, TaskAssignment, User

from .roles import is_admin, is_staff, is_student


def can_review(user: User | None) -> bool:
    """Decide claims and task submissions, and open their evidence: faculty and admins."""
    return is_staff(user)


def can_post_tasks(user: User | None) -> bool:
    return is_staff(user)


def can_edit_task(user: User | None, task: Task) -> bool:
    """The faculty member who posted it, or any admin."""
    return is_admin(user) or (is_staff(user) and task.created_by_id == user.pk)


def can_claim(user: User | None) -> bool:
    """Submit activity claims and take tasks: students."""
    return is_student(user)


def sees_every_task(user: User | None) -> bool:
    """Admins list every task posted; faculty the ones they posted."""
    return is_admin(user)


def access_task(viewer: User, pk: int, *, tasks: QuerySet[Task] | None = None) -> Task:
    """A task the viewer may open: staff any; a student an active one, or one they took.
    `tasks` is the queryset to read it from (with what the page shows annotated)."""
    task = get_object_or_404(tasks if tasks is not None else Task.objects.all(), pk=pk)
    if is_staff(viewer):
        return task
    if task.is_active:
        return task
    if task.assignments.filter(student__user=viewer).exists():
        return task
    raise Http404


def access_task_for_editing(viewer: User, pk: int, *, tasks: QuerySet[Task] | None = None) -> Task:
    """A task the viewer may edit (`can_edit_task`); 404 for everyone else."""
    task = get_object_or_404(tasks if tasks is not None else Task.objects.all(), pk=pk)
    if can_edit_task(viewer, task):
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


def access_review_item(viewer: User, kind: str, pk: int) -> ActivityClaim | TaskAssignment:
    """A claim ("claim") or task submission ("task") in the review queue, for a reviewer (the
    view is reviewers-only at the door); 404 for an unknown kind or id."""
    models = {"claim": ActivityClaim, "task": TaskAssignment}
    if kind not in models or not can_review(viewer):
        raise Http404
    return get_object_or_404(models[kind].objects.all(), pk=pk)


def access_claim_evidence(viewer: User, pk: int) -> ActivityClaim:
    """A claim whose evidence the viewer may open: its student, or a reviewer."""
    claim = get_object_or_404(ActivityClaim.objects.select_related("student"), pk=pk)
    if can_review(viewer):
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
    if can_review(viewer):
        return assignment
    if assignment.student.user_id == viewer.pk:
        return assignment
    raise Http404
