"""Resume reviews: students ask for a review of their resume for a target role; reviewers
(faculty, career staff, or outside professionals from partner companies) publish the times
they can give; the portal proposes the best match (specialty, then the earliest free slot),
the reviewer confirms, the session happens, the reviewer leaves structured feedback and the
student rates it. A completed review credits points through the ledger.

Two rules the database holds: a reviewer's published slots never overlap (an exclusion
constraint on PostgreSQL, migration 0031; on SQLite the service checks under the write lock),
and a slot is held by at most one live request (a conditional unique constraint)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ChoiceLabels
from .claims import private_storage
from .ledger import Transaction


def _score_in_range(field: str) -> Q:
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": 1, f"{field}__lte": 5})


class Company(models.Model):
    """An outside organisation: its people review resumes (partner accounts) and it may
    sponsor rewards."""

    name = models.CharField(max_length=120, unique=True, verbose_name=_("name"))
    website = models.URLField(blank=True, verbose_name=_("website"))
    description = models.TextField(blank=True, max_length=2000, verbose_name=_("description"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = _("companies")

    def __str__(self) -> str:
        return self.name


class Specialty(models.Model):
    """A field a reviewer knows ("Software engineering", "Finance"); requests name one."""

    name = models.CharField(max_length=80, unique=True, verbose_name=_("name"))

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = _("specialties")

    def __str__(self) -> str:
        return self.name


class Reviewer(ChoiceLabels, models.Model):
    """Someone who reviews resumes. Faculty and admins (career staff) can be reviewers; a
    partner account always is one, tied to its company."""

    class Kind(models.TextChoices):
        FACULTY = "faculty", _("Faculty")
        CAREER_STAFF = "career", _("Career staff")
        PROFESSIONAL = "professional", _("Professional")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, verbose_name=_("kind"))
    company = models.ForeignKey(
        Company,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewers",
        verbose_name=_("company"),
    )
    headline = models.CharField(
        max_length=160,
        blank=True,
        verbose_name=_("headline"),
        help_text=_("One line students see, e.g. “Hiring manager, software”."),
    )
    specialties = models.ManyToManyField(
        Specialty, related_name="reviewers", blank=True, verbose_name=_("specialties")
    )
    is_active = models.BooleanField(default=True, verbose_name=_("takes requests"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["user__name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["faculty", "career", "professional"]),
                name="reviewer_kind_known",
            ),
        ]

    def __str__(self) -> str:
        return f"reviewer {self.user_id}"


class ReviewSlot(models.Model):
    """A stretch of time a reviewer offers for one session. Slots of one reviewer never
    overlap; a slot is booked while a live request holds it (ReviewRequest.slot)."""

    reviewer = models.ForeignKey(Reviewer, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(verbose_name=_("starts"))
    ends_at = models.DateTimeField(verbose_name=_("ends"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="review_slot_ends_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["reviewer", "starts_at"], name="review_slot_reviewer_idx"),
            models.Index(fields=["starts_at"], name="review_slot_starts_idx"),
        ]

    def __str__(self) -> str:
        return f"slot {self.pk} of reviewer {self.reviewer_id}"


class ReviewRequest(ChoiceLabels, models.Model):
    """One student's request for one resume review, from asking to rating."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for a match")
        PROPOSED = "proposed", _("Waiting for the reviewer")
        CONFIRMED = "confirmed", _("Scheduled")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("Missed")
        DECLINED = "declined", _("Declined")

    # States in which the request holds its slot.
    HOLDING = (Status.PROPOSED, Status.CONFIRMED)

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="review_requests",
        verbose_name=_("student"),
    )
    target_role = models.CharField(max_length=120, verbose_name=_("target role"))
    specialty = models.ForeignKey(
        Specialty,
        on_delete=models.PROTECT,
        related_name="requests",
        verbose_name=_("field"),
    )
    resume = models.FileField(
        upload_to="career/resumes/%Y/%m/", storage=private_storage, verbose_name=_("resume (PDF)")
    )
    preferred_times = models.CharField(
        max_length=300,
        blank=True,
        verbose_name=_("preferred times"),
        help_text=_("For example “weekday afternoons”. The reviewer sees this."),
    )
    notes = models.TextField(blank=True, max_length=2000, verbose_name=_("notes for the reviewer"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.REQUESTED, verbose_name=_("status")
    )
    reviewer = models.ForeignKey(
        Reviewer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("reviewer"),
    )
    slot = models.ForeignKey(
        ReviewSlot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("session time"),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    proposed_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)  # completed, cancelled, missed
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(max_length=300, blank=True, verbose_name=_("reason"))
    reminded_at = models.DateTimeField(null=True, blank=True)
    # Reviewers who declined this request: matching never proposes them again.
    declined_by = models.ManyToManyField(Reviewer, related_name="declined_requests", blank=True)

    # Structured feedback, written by the reviewer when completing the session (1-5 each).
    score_content = models.PositiveSmallIntegerField(null=True, blank=True)
    score_format = models.PositiveSmallIntegerField(null=True, blank=True)
    score_impact = models.PositiveSmallIntegerField(null=True, blank=True)
    strengths = models.TextField(blank=True, max_length=2000, verbose_name=_("strengths"))
    improvements = models.TextField(blank=True, max_length=2000, verbose_name=_("what to improve"))
    # The student's rating of the session (1-5), once completed.
    rating = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("rating"))
    rating_comment = models.CharField(max_length=500, blank=True, verbose_name=_("comment"))
    rated_at = models.DateTimeField(null=True, blank=True)
    transaction = models.OneToOneField(
        Transaction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="review_request",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "requested",
                        "proposed",
                        "confirmed",
                        "completed",
                        "cancelled",
                        "no_show",
                        "declined",
                    ]
                ),
                name="review_request_status_known",
            ),
            # A slot is held by one live request at a time: two students never share it.
            models.UniqueConstraint(
                fields=["slot"],
                condition=Q(status__in=["proposed", "confirmed"]),
                name="one_live_request_per_slot",
            ),
            # A holding request has a reviewer and a slot.
            models.CheckConstraint(
                condition=~Q(status__in=["proposed", "confirmed", "completed", "no_show"])
                | (Q(reviewer__isnull=False) & Q(slot__isnull=False)),
                name="review_request_scheduled_has_slot",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="review_rating_in_range",
            ),
            models.CheckConstraint(
                condition=_score_in_range("score_content")
                & _score_in_range("score_format")
                & _score_in_range("score_impact"),
                name="review_scores_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["student", "status"], name="review_request_student_idx"),
            models.Index(fields=["reviewer", "status"], name="review_request_reviewer_idx"),
            models.Index(fields=["status", "created_at"], name="review_request_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"review request {self.pk} ({self.status})"
