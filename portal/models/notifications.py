"""In-app notifications, with an optional email the background worker sends."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ChoiceLabels

# The email_error of a notification whose email the worker has still to send.
EMAIL_QUEUED = "queued"


class Notification(ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        POINTS = "points", _("Points received")
        REDEMPTION = "redemption", _("Redemption decided")
        DRAW = "draw", _("Draw won")
        CLAIM = "claim", _("Claim or task decided")
        EVENT = "event", _("Event reminder")
        MILESTONE = "milestone", _("Levels and milestones")
        ACCOUNT = "account", _("Warnings about my account")
        REGISTRATION = "registration", _("Event registration")
        MENTEE = "mentee", _("Claims from my mentees")
        ATTENDANCE = "attendance", _("Check-in corrections and disputes")
        CERTIFICATE = "certificate", _("Certificates issued or revoked")
        HALL = "hall", _("Hall bookings")
        CAREER = "career", _("Resume reviews")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    message = models.CharField(max_length=300)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Email delivery: queued when written, then when it was sent, or why it failed.
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_idx"),
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread_idx"
            ),
            # The worker's email queue (`notifications.send_queued_emails`), oldest first.
            models.Index(
                fields=["id"],
                condition=Q(email_error=EMAIL_QUEUED, emailed_at__isnull=True),
                name="notification_email_queue_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.message

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
