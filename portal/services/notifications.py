"""Telling people what happened to them. `notify` writes the in-app notification inside the
caller's transaction (so it exists exactly when the change does) and, after the commit, queues
its email for the background worker (`manage.py run_worker`, django-tasks with the database
backend): no web worker ever talks to the mail server. The worker retries a failure with
back-off; what a worker never got to (killed mid-task) is picked up again by the scheduled
retry, since the notification itself says the email is still owed."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from portal.models import Notification, User

log = logging.getLogger(__name__)

Kind = Notification.Kind

# The email state of a notification that should be emailed and has not gone out yet.
EMAIL_QUEUED = "queued"


def wants_email(user: User, kind: str) -> bool:
    return bool(user.email) and user.is_active and kind not in (user.email_opt_outs or [])


def in_language_of(user: User) -> translation.override:
    """Write what `user` will read in their language, whoever's request (or the worker) runs:
    `with in_language_of(student): message = _("...")`."""
    return translation.override(user.language or settings.LANGUAGE_CODE)


def notify(user: User, *, kind: str, message: str, link: str = "") -> Notification:
    """Record a notification for `user` and, if they want it by email, send one after commit."""
    emailed = wants_email(user, kind)
    notification = Notification.objects.create(
        user=user,
        kind=kind,
        message=message[:300],
        link=link[:300],
        email_error=EMAIL_QUEUED if emailed else "",
    )
    if emailed:
        transaction.on_commit(lambda: deliver_email.enqueue(notification.pk))
    return notification


# Attempts of one email before it waits for the scheduled retry, and the wait after each.
EMAIL_ATTEMPTS = 4
EMAIL_BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))


@task(queue_name="email")
def deliver_email(notification_id: int, attempt: int = 1) -> str:
    """The worker's job for one notification email: send it unless it went out already (a
    retry and the first try may both be queued), record the outcome, and on failure queue
    another try after a wait. Returns what happened, for the task's result row."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .select_related("user")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None:  # sent already, or being sent by another worker
            return "skipped"
        if not wants_email(notification.user, notification.kind):
            Notification.objects.filter(pk=notification_id).update(email_error="")
            return "not wanted"
        sent = _send_email(notification)
    if not sent and attempt < EMAIL_ATTEMPTS:
        wait = EMAIL_BACKOFF[min(attempt, len(EMAIL_BACKOFF)) - 1]
        deliver_email.using(run_after=timezone.now() + wait).enqueue(notification_id, attempt + 1)
    return "sent" if sent else "failed"


def _send_email(notification: Notification) -> bool:
    """Send the email of a notification read with its user, in their language, and record the
    outcome."""
    with translation.override(notification.user.language or settings.LANGUAGE_CODE):
        return _send_email_now(notification)


def _send_email_now(notification: Notification) -> bool:
    notification_id = notification.pk
    body = notification.message
    if notification.link:
        body += f"\n\n{settings.SITE_URL.rstrip('/')}{notification.link}"
    body += "\n\n" + _("You can choose which emails you get in your settings.")
    try:
        send_mail(
            subject=_("[UPAS] %(message)s") % {"message": notification.message[:70]},
            message=body,
            from_email=None,
            recipient_list=[notification.user.email],
        )
    except Exception as exc:  # any transport error is recorded, not raised
        log.warning("notification email %s failed: %s", notification_id, exc)
        Notification.objects.filter(pk=notification_id).update(email_error=str(exc)[:300])
        return False
    Notification.objects.filter(pk=notification_id).update(
        emailed_at=timezone.now(), email_error=""
    )
    return True


def retry_unsent_emails(*, older_than: timedelta = timedelta(minutes=5), limit: int = 500) -> int:
    """Queue again the emails still owed after `older_than` (failed every try, or lost with a
    worker that died mid-task), up to two days old; returns how many were queued. Run on a
    schedule by the worker, or by `manage.py send_notification_emails` from cron. A second
    queued try of an email already sent is skipped by `deliver_email`."""
    cutoff = timezone.now() - older_than
    owed = (
        Notification.objects.filter(emailed_at__isnull=True, created_at__lt=cutoff)
        .exclude(email_error="")
        .filter(created_at__gte=cutoff - timedelta(days=2))  # old news is not worth a mail
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
    queued = 0
    for pk in owed:
        deliver_email.enqueue(pk, EMAIL_ATTEMPTS)  # one more try; the schedule retries later
        queued += 1
    return queued


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications (or all of them) read; returns how many changed."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())


def set_email_preferences(user: User, *, wanted: list[str]) -> None:
    """Email `user` about the kinds in `wanted` only (the rest stay in-app)."""
    kinds = set(Kind.values)
    user.email_opt_outs = sorted(kinds - set(wanted))
    user.save(update_fields=["email_opt_outs"])
