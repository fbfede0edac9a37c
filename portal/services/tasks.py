"""Tasks: bounties posted by faculty and admins. A student claims one (a place is taken while the
assignment is claimed, submitted or approved), submits it with text and an optional file, or
abandons it (the place is freed); a reviewer approves it (the task's points credited as a `task`
ledger entry linked to the assignment) or rejects it with a comment.

Lock order: the student's profile, then the task, then the assignment. Claiming counts the
task's places under the task's row lock, so 20 students racing for 3 places get exactly 3; the
profile lock serialises one student's claims, so they never hold two unfinished tasks (the
partial unique constraint `one_unfinished_task_per_student` is the last line)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.exceptions import PortalError
from portal.models import (
    StudentProfile,
    Task,
    TaskAssignment,
    Transaction,
    User,
)
from portal.permissions import can_edit_task, can_post_tasks, require
from portal.uploads import CheckedFile

from .audit import save_audited
from .claims import clean_decision, lock_student, own_profile, require_reviewer
from .decisions import Credit, Told, apply_decision
from .ledger import lock_profile
from .notifications import in_language_of

Status = TaskAssignment.Status

# The image is left out: the audit row stores JSON, and a picture's name says nothing.
TASK_FIELDS = (
    "title",
    "description",
    "category",
    "points",
    "max_claimants",
    "deadline",
    "is_active",
)


class TaskError(PortalError):
    pass


@transaction.atomic
def save_task(*, actor: User, task: Task) -> Task:
    """Post a new task or save changes to one (already validated by its form). Faculty edit
    only what they posted; admins anything. Audited with before and after."""
    require(can_post_tasks(actor), TaskError, _("Only faculty and admins post tasks."))
    if task.pk is None:
        task.created_by = actor
    else:
        current = Task.objects.only("created_by_id").filter(pk=task.pk).first()
        allowed = current is not None and can_edit_task(actor, current)
        require(allowed, TaskError, _("Only the person who posted a task, or an admin, edits it."))
    return save_audited(actor=actor, instance=task, fields=TASK_FIELDS, name="task")


def _lock_task(task_id: int) -> Task:
    task = Task.objects.select_for_update().filter(pk=task_id).first()
    if task is None:
        raise TaskError("not_found", _("This task does not exist."))
    return task


def check_claimable(
    task: Task, *, current: TaskAssignment | None, taken_before: bool, held: int
) -> None:
    """Raise the first reason a student cannot take `task` now. `current` is their unfinished
    assignment, if any; `taken_before` whether they did this task (not abandoned); `held` how
    many places are taken. Used by `claim_task` under its locks and by the task page to say
    why before the student clicks."""
    if current is not None:
        if current.task_id == task.pk:
            raise TaskError("already_yours", _("You are already working on this task."))
        if current.status == TaskAssignment.Status.SUBMITTED:
            # Nothing left to submit: the student waits for the review (or withdraws).
            raise TaskError(
                "busy",
                _(
                    "Your work on “%(title)s” is waiting for review. You can take another task "
                    "once it is decided, or withdraw it to take one now."
                )
                % {"title": current.task.title},
            )
        raise TaskError(
            "busy",
            _(
                "You are already working on “%(title)s”. Submit or abandon it before "
                "taking another task."
            )
            % {"title": current.task.title},
        )
    if not task.is_active:
        raise TaskError("inactive", _("This task is no longer offered."))
    if task.deadline <= timezone.now():
        raise TaskError("deadline_passed", _("The deadline for this task has passed."))
    if taken_before:
        raise TaskError("already_taken", _("You have already done this task."))
    if held >= task.max_claimants:
        raise TaskError("full", _("Sorry, every place on this task is taken."))


def unfinished_assignment(profile: StudentProfile) -> TaskAssignment | None:
    return (
        TaskAssignment.objects.filter(student=profile, status__in=TaskAssignment.UNFINISHED)
        .select_related("task")
        .first()
    )


@transaction.atomic
def claim_task(*, actor: User, task_id: int) -> TaskAssignment:
    """Take a place on a task.

    Refused while the student holds another unfinished task (claimed or submitted), when the
    task is inactive, past its deadline or full, and when they already did it (an abandoned
    attempt can be retried). Locks the profile, then the task, and counts the places under
    that lock. Raises TaskError: forbidden, not_found, already_yours, busy, inactive,
    deadline_passed, already_taken, full."""
    profile = lock_profile(own_profile(actor, TaskError).pk)
    task = _lock_task(task_id)
    check_claimable(
        task,
        current=unfinished_assignment(profile),
        taken_before=task.assignments.filter(student=profile)
        .exclude(status=Status.ABANDONED)
        .exists(),
        held=task.assignments.filter(status__in=TaskAssignment.HOLDING).count(),
    )
    try:
        with transaction.atomic():
            return TaskAssignment.objects.create(task=task, student=profile)
    except IntegrityError as exc:  # the partial unique constraints, behind the checks above
        raise TaskError("busy", _("You already hold an unfinished task.")) from exc


def _lock_own_assignment(actor: User, assignment_id: int) -> TaskAssignment:
    profile = lock_profile(own_profile(actor, TaskError).pk)
    assignment = (
        TaskAssignment.objects.select_for_update(of=("self",))
        .select_related("task")
        .filter(pk=assignment_id, student=profile)
        .first()
    )
    if assignment is None:
        raise TaskError("not_found", _("This task assignment does not exist."))
    return assignment


@transaction.atomic
def submit_task(
    *, actor: User, assignment_id: int, text: str, file: CheckedFile | None = None
) -> TaskAssignment:
    """Hand in a claimed task for review, before its deadline, with text and optionally a file
    (checked by content already). Raises TaskError: forbidden, not_found, not_in_progress,
    deadline_passed, text_required. Nothing is written or stored then."""
    assignment = _lock_own_assignment(actor, assignment_id)
    if assignment.status != Status.CLAIMED:
        raise TaskError(
            "not_in_progress",
            _("This task is %(status)s; it cannot be submitted.")
            % {"status": assignment.get_status_display().lower()},
        )
    if assignment.task.deadline <= timezone.now():
        raise TaskError(
            "deadline_passed",
            _("The deadline has passed. Abandon the task to free your place for another."),
        )
    text = (text or "").strip()
    if not text:
        raise TaskError("text_required", _("Describe what you did."), field="text")
    assignment.status = Status.SUBMITTED
    assignment.submitted_at = timezone.now()
    assignment.submission_text = text[:4000]
    fields = ["status", "submitted_at", "submission_text"]
    if file is not None:
        assignment.submission_file.save(file.content.name, file.content, save=False)
        assignment.file_type = file.kind
        fields += ["submission_file", "file_type"]
    assignment.save(update_fields=fields)
    return assignment


@transaction.atomic
def abandon_task(*, actor: User, assignment_id: int) -> TaskAssignment:
    """Give a task up, claimed or submitted but not yet decided; its place is free again.
    Raises TaskError: forbidden, not_found, not_in_progress."""
    assignment = _lock_own_assignment(actor, assignment_id)
    if assignment.status not in TaskAssignment.UNFINISHED:
        raise TaskError(
            "not_in_progress",
            _("This task is already %(status)s.")
            % {"status": assignment.get_status_display().lower()},
        )
    assignment.status = Status.ABANDONED
    assignment.save(update_fields=["status"])
    return assignment


def _already_decided(assignment: TaskAssignment) -> TaskError:
    if assignment.status in (Status.APPROVED, Status.REJECTED):
        who = assignment.decided_by.name if assignment.decided_by else _("someone")
        return TaskError(
            "already_decided",
            _("This submission was already %(status)s by %(who)s; nothing was changed.")
            % {"status": assignment.get_status_display().lower(), "who": who},
        )
    return TaskError(
        "already_decided",
        _("This task is %(status)s, not waiting for review; nothing was changed.")
        % {"status": assignment.get_status_display().lower()},
    )


@transaction.atomic
def decide_task(
    *, actor: User, assignment_id: int, decision: str, comment: str = ""
) -> TaskAssignment:
    """Approve a submitted task (its points credited in the task's category, within the yearly
    cap) or reject it with a comment. Final, applied only to a submission still waiting, so a
    decision made twice changes it once. Audited; the student is notified.

    Locks the student's profile, then the assignment. Raises TaskError: forbidden, bad_decision,
    comment_required, not_found, already_decided, cap_reached."""
    require_reviewer(actor, TaskError)
    comment = clean_decision(decision, comment, TaskError)
    found = TaskAssignment.objects.filter(pk=assignment_id).values("student_id").first()
    if found is None:
        raise TaskError("not_found", _("This task submission does not exist."))
    profile = lock_student(found["student_id"])
    assignment = (
        TaskAssignment.objects.select_for_update(of=("self",))
        .select_related("task__category", "decided_by")
        .get(pk=assignment_id)
    )
    assignment.student = profile  # already loaded, with the user
    if assignment.status != Status.SUBMITTED:
        raise _already_decided(assignment)
    task = assignment.task
    with in_language_of(profile.user):  # what the student reads, in their language
        told = Told(
            approved=ngettext(
                "Your task “%(title)s” was approved: +%(points)s point.",
                "Your task “%(title)s” was approved: +%(points)s points.",
                task.points,
            )
            % {"title": task.title, "points": task.points},
            rejected=_("Your task “%(title)s” was not approved: %(comment)s")
            % {"title": task.title, "comment": comment},
            link=reverse("portal:task-detail", kwargs={"pk": task.pk}),
        )
    apply_decision(
        actor=actor,
        profile=profile,
        item=assignment,
        name="task",
        decision=decision,
        comment=comment,
        credit=Credit(
            amount=task.points,
            kind=Transaction.Kind.TASK,
            category=task.category,
            reason=task.title[:500],  # the entry's kind already says "Task"
            idempotency_key=f"task:{assignment.pk}",
            link={"task_assignment": assignment},
            check_bounds=False,  # the poster set the points; the cap still applies
        ),
        told=told,
        error=TaskError,
    )
    return assignment
