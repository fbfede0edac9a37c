"""The periodic jobs' schedule: each job is queued when its interval has passed since it was
last queued. The time is kept in the database (`ScheduledJob`), so a restarted worker goes on
where the last one stopped, and the job's row is locked (SKIP LOCKED) while a worker decides,
so two workers never queue the same run twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from portal.models import ScheduledJob


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    task: Any  # a django-tasks Task


def jobs() -> list[Job]:
    from portal import tasks  # the tasks call services; imported here, not at module load

    return [
        Job("event-reminders", timedelta(minutes=15), tasks.send_event_reminders),
        Job("hall-reminders", timedelta(minutes=15), tasks.send_hall_reminders),
        Job("review-reminders", timedelta(minutes=15), tasks.send_review_reminders),
        Job("expire-prizes", timedelta(minutes=5), tasks.expire_unclaimed_prizes),
        Job("lift-suspensions", timedelta(minutes=5), tasks.lift_lapsed_suspensions),
        Job("decline-stale-claims", timedelta(hours=1), tasks.decline_stale_claims),
        Job("retry-emails", timedelta(minutes=10), tasks.retry_unsent_emails),
        Job("requeue-webhooks", timedelta(minutes=1), tasks.requeue_webhooks),
        Job("prune-task-results", timedelta(days=1), tasks.prune_task_results),
        Job("prune-integration-keys", timedelta(days=1), tasks.prune_integration_keys),
        Job("apply-retention", timedelta(days=1), tasks.apply_retention),
    ]


def queue_due_jobs(*, now: datetime | None = None) -> list[str]:
    """Queue every job whose interval has passed; returns the names queued."""
    now = now or timezone.now()
    queued = []
    for job in jobs():
        ScheduledJob.objects.get_or_create(name=job.name)
        with transaction.atomic():
            row = (
                ScheduledJob.objects.select_for_update(skip_locked=True)
                .filter(name=job.name)
                .first()
            )
            if row is None:  # another worker is deciding about this job right now
                continue
            if row.last_queued_at is not None and now - row.last_queued_at < job.every:
                continue
            job.task.enqueue()
            row.last_queued_at = now
            row.save(update_fields=["last_queued_at"])
            queued.append(job.name)
    return queued
