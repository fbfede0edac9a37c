"""Activity claims (a student asks for points with evidence) and tasks (bounties posted by
staff, claimed by a limited number of students). Reviewers approve or reject; an approval
credits one ledger entry linked to what was approved. Evidence files live in private storage
and are served only through a permission-checked view."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .accounts import StudentProfile
from .choices import ChoiceLabels
from .ledger import Category


def private_storage():  # a callable, so tests and settings can swap the backend
    return storages["private"]


class Evidence(models.TextChoices):
    PDF = "pdf", "PDF"
    PNG = "png", "PNG"
    JPEG = "jpeg", "JPEG"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ReviewDecision(models.TextChoices):
    """What a reviewer decides about a pending claim or task submission."""

    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")


# A claim is for an activity in the last twelve months.
MAX_CLAIM_AGE_DAYS = 365


class ActivityClaim(ChoiceLabels, models.Model):
    Status = ReviewStatus

    student = models.ForeignKey(
        StudentProfile, on_delete=models.PROTECT, related_name="claims", verbose_name=_("student")
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="claims", verbose_name=_("category")
    )
    points = models.PositiveIntegerField(verbose_name=_("points"))
    description = models.TextField(max_length=2000, verbose_name=_("description"))
    activity_date = models.DateField(verbose_name=_("activity date"))
    evidence = models.FileField(
        upload_to="evidence/claims/%Y/%m/", storage=private_storage, verbose_name=_("evidence")
    )
    evidence_type = models.CharField(max_length=8, choices=Evidence.choices)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.CharField(max_length=500, blank=True, verbose_name=_("review comment"))
    idempotency_key = models.CharField(max_length=80, unique=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gte=1), name="claim_points_positive"),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(review_comment=""),
                name="claim_reject_has_comment",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="claim_queue_idx"),
            models.Index(fields=["student", "-created_at"], name="claim_student_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.category} claim by {self.student_id} ({self.status})"


class Task(models.Model):
    title = models.CharField(max_length=160, verbose_name=_("title"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    image = models.ImageField(upload_to="tasks/", blank=True, verbose_name=_("image"))
    points = models.PositiveIntegerField(verbose_name=_("points"))
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="tasks",
        help_text=_("Points for the task are credited in this category."),
        verbose_name=_("category"),
    )
    max_claimants = models.PositiveIntegerField(
        default=1,
        help_text=_("How many students can take this task."),
        verbose_name=_("max claimants"),
    )
    deadline = models.DateTimeField(verbose_name=_("deadline"))
    is_active = models.BooleanField(default=True, verbose_name=_("active"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tasks_posted"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gte=1), name="task_points_positive"),
            models.CheckConstraint(condition=Q(max_claimants__gte=1), name="task_limit_positive"),
        ]
        indexes = [
            models.Index(fields=["is_active", "deadline"], name="task_open_idx"),
            # The staff task lists' order (selectors.claims.tasks_posted): admins see every
            # task, faculty their own; without these both sort all tasks per page.
            models.Index(fields=["-is_active", "-deadline", "-id"], name="task_staff_list_idx"),
            models.Index(
                fields=["created_by", "-is_active", "-deadline", "-id"],
                name="task_poster_list_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class TaskAssignment(ChoiceLabels, models.Model):
    class Status(models.TextChoices):
        CLAIMED = "claimed", _("In progress")
        SUBMITTED = "submitted", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        ABANDONED = "abandoned", _("Abandoned")

    # Statuses that hold one of the task's places.
    HOLDING = (Status.CLAIMED, Status.SUBMITTED, Status.APPROVED)
    # A student holds at most one task in these statuses.
    UNFINISHED = (Status.CLAIMED, Status.SUBMITTED)

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="assignments")
    student = models.ForeignKey(
        StudentProfile,
        on_delete=models.PROTECT,
        related_name="task_assignments",
        verbose_name=_("student"),
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.CLAIMED, verbose_name=_("status")
    )
    claimed_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submission_text = models.TextField(
        max_length=4000, blank=True, verbose_name=_("submission text")
    )
    submission_file = models.FileField(
        upload_to="evidence/tasks/%Y/%m/",
        storage=private_storage,
        blank=True,
        verbose_name=_("submission file"),
    )
    file_type = models.CharField(max_length=8, choices=Evidence.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.CharField(max_length=500, blank=True, verbose_name=_("review comment"))

    class Meta:
        ordering = ["-claimed_at", "-id"]
        constraints = [
            # The last line behind the service's checks under the task and profile locks.
            models.UniqueConstraint(
                fields=["student"],
                condition=Q(status__in=["claimed", "submitted"]),
                name="one_unfinished_task_per_student",
            ),
            models.UniqueConstraint(
                fields=["task", "student"],
                condition=~Q(status="abandoned"),
                name="task_taken_once_per_student",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(review_comment=""),
                name="assignment_reject_has_comment",
            ),
        ]
        indexes = [
            models.Index(fields=["task", "status"], name="assignment_task_idx"),
            models.Index(fields=["status", "submitted_at"], name="assignment_queue_idx"),
            models.Index(fields=["student", "-claimed_at"], name="assignment_student_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task} by {self.student_id} ({self.status})"
