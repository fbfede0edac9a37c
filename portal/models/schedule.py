"""When each periodic job was last queued, so the schedule survives restarts and several
workers queue each job once (the row is locked while one decides)."""

from __future__ import annotations

from django.db import models


class ScheduledJob(models.Model):
    name = models.CharField(max_length=64, primary_key=True)
    last_queued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
