"""Achievements: the milestones and levels a student has reached, each recorded once."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .accounts import StudentProfile


class Milestone(models.TextChoices):
    """The fixed milestones. Levels are configurable (`UPAS_LEVELS`), so their codes
    ("level-<slug of the name>") are not choices: the column takes both."""

    FIRST_AWARD = "first_award", _("First award")
    FIRST_EVENT = "first_event", _("First event")
    EVENTS_5 = "events_5", _("Five events")
    EVENTS_10 = "events_10", _("Ten events")
    FIRST_REDEMPTION = "first_redemption", _("First reward")
    FIRST_CLAIM = "first_claim", _("First claim approved")
    FIRST_TASK = "first_task", _("First task done")
    FIRST_PRIZE = "first_prize", _("Prize winner")


class Achievement(models.Model):
    student = models.ForeignKey(
        StudentProfile, on_delete=models.CASCADE, related_name="achievements"
    )
    code = models.CharField(max_length=40)
    achieved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["achieved_at", "id"]
        constraints = [
            # Each milestone once per student, even when two transactions race past the checks.
            # Its index (student first) also serves "this student's badges".
            models.UniqueConstraint(fields=["student", "code"], name="one_achievement_per_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} for {self.student_id}"
