"""The background worker's periodic jobs (django-tasks). Each is a thin call into a service;
`portal.services.schedule` queues them when they are due, and `manage.py run_worker` runs them.
Notification emails are sent by the worker's email thread
(`services.notifications.send_queued_emails`); `deliver_email` retries a failed one."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django_tasks import task

from portal.services import (
    account_admin,
    api_tokens,
    career,
    certificates,
    claims,
    data_rights,
    discord,
    draws,
    halls,
    notifications,
    reminders,
    webhooks,
)


@task()
def issue_certificate_batch(batch_id: int) -> int:
    """An admin's bulk issue of certificates for an event (its progress shows on the page)."""
    return certificates.run_batch(batch_id)


@task()
def send_event_reminders() -> int:
    """Remind students of the events they asked about, the day before (each once)."""
    return reminders.send_due_reminders()


@task()
def send_hall_reminders() -> int:
    """Remind organisers of their approved hall bookings, the day before (each once)."""
    return halls.send_due_booking_reminders()


@task()
def send_review_reminders() -> int:
    """Remind students and reviewers of the resume reviews of the next day (each once)."""
    return career.send_review_reminders()


@task()
def lift_lapsed_suspensions() -> int:
    """Reactivate the accounts whose suspension has reached its end date."""
    return account_admin.lift_lapsed_suspensions()


@task()
def expire_unclaimed_prizes() -> int:
    """Pass on the draw prizes whose claim deadline has passed."""
    return draws.expire_unclaimed_prizes()


@task()
def decline_stale_claims() -> int:
    """Decline claims nobody reviewed in CLAIM_AUTO_DECLINE_DAYS (off when 0)."""
    days = settings.UPAS_CLAIM_AUTO_DECLINE_DAYS
    return claims.decline_stale_claims(older_than=timedelta(days=days)) if days > 0 else 0


@task()
def retry_unsent_emails() -> int:
    """Queue again the emails still owed (failed every try, or lost with a dead worker)."""
    return notifications.retry_unsent_emails()


@task()
def prune_integration_keys() -> int:
    """Forget API idempotency keys after a week and Discord link codes once expired."""
    return api_tokens.forget_old_idempotency_keys() + discord.forget_expired_link_codes()


@task()
def prune_task_results() -> int:
    """Forget finished task rows after a week (the queue table would only grow)."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(days=7)
    deleted, _rows = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted


@task()
def apply_retention() -> int:
    """Delete sign-in records and evidence files past their retention time."""
    report = data_rights.apply_retention()
    return report.sign_ins + report.claim_files + report.task_files + report.resume_files


@task()
def send_webhook(delivery_id: int, attempts: int = 0) -> str:
    """One attempt at one webhook delivery (signed POST; back-off on failure)."""
    return webhooks.send_delivery(delivery_id, attempts)


@task()
def requeue_webhooks() -> int:
    """Queue the webhook deliveries that are due: retries, and those a dead worker left."""
    return webhooks.requeue_due()
