"""Events and check-ins. A check-in credits attendance points in the same transaction, once:
the unique (event, student) constraint and the ledger key `checkin:<event>:<student>` are the
last lines behind the service's checks."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .accounts import StudentProfile
from .ledger import Category

CHECKIN_OPENS_BEFORE = timedelta(minutes=30)


def new_secret() -> str:
    return secrets.token_hex(32)


class Event(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")
        COMPLETED = "completed", _("Completed")

    title = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    location = models.CharField(max_length=160)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="events"
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="events",
        help_text=_("Attendance points are credited in this category."),
    )
    attendance_points = models.PositiveIntegerField(default=10)
    capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Empty means no limit.")
    )
    checkin_opens_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Default: 30 minutes before the start.")
    )
    checkin_closes_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Default: the end.")
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    # Never shown to anyone: check-in codes are derived from it.
    secret = models.CharField(max_length=64, default=new_secret, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=1),
                name="event_capacity_positive",
            ),
            models.CheckConstraint(
                condition=Q(attendance_points__gte=1), name="event_points_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "starts_at"], name="event_status_start_idx"),
            models.Index(fields=["organiser", "-starts_at"], name="event_organiser_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def opens_at(self) -> datetime:
        return self.checkin_opens_at or self.starts_at - CHECKIN_OPENS_BEFORE

    @property
    def closes_at(self) -> datetime:
        return self.checkin_closes_at or self.ends_at


class CheckIn(models.Model):
    class Method(models.TextChoices):
        CODE = "code", _("Typed code")
        QR = "qr", _("QR code")
        MANUAL = "manual", _("By the organiser")
        CSV = "csv", _("Attendance upload")

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="checkins")
    student = models.ForeignKey(StudentProfile, on_delete=models.PROTECT, related_name="checkins")
    method = models.CharField(max_length=8, choices=Method.choices)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "student"], name="one_checkin_per_student")
        ]
        indexes = [models.Index(fields=["event", "-created_at"], name="checkin_event_recent_idx")]

    def __str__(self) -> str:
        return f"{self.student_id} at {self.event_id}"


class EventReminder(models.Model):
    """A student asked to be reminded before an event starts. `send_event_reminders` (cron)
    notifies them once, in the hours before the start, and records when."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="reminders")
    student = models.ForeignKey(
        StudentProfile, on_delete=models.CASCADE, related_name="event_reminders"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "student"], name="one_reminder_per_student")
        ]
        indexes = [
            # The sender's scan: reminders not yet sent, by event.
            models.Index(
                fields=["event"], condition=Q(sent_at__isnull=True), name="reminder_unsent_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.student_id} for {self.event_id}"
