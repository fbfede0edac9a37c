"""Telling people what happened to them. `notify` writes the in-app notification inside the
caller's transaction (so it exists exactly when the change does) and sends the email only after
the commit, on a background thread: a slow or broken mail server never slows down or fails the
request, and a failure is recorded on the notification instead of raised. Emails a process did
not get to send (it restarted, the server was down) are retried by `send_notification_emails`."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import close_old_connections, transaction
from django.utils import timezone

from portal.models import Notification, User

log = logging.getLogger(__name__)

Kind = Notification.Kind

# The email state of a notification that should be emailed and has not gone out yet.
EMAIL_QUEUED = "queued"


def wants_email(user: User, kind: str) -> bool:
    return bool(user.email) and user.is_active and kind not in (user.email_opt_outs or [])


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
        transaction.on_commit(lambda: _dispatch_email(notification.pk))
    return notification


# One sender thread per process: mail goes out in order and never holds up a response.
_mail_sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="upas-mail")


def _dispatch_email(notification_id: int) -> None:
    if settings.UPAS_EMAIL_IN_BACKGROUND:
        _mail_sender.submit(_send_on_worker_thread, notification_id)
    else:
        send_notification_email(notification_id)


def _send_on_worker_thread(notification_id: int) -> None:
    # The sender thread keeps its own connection between emails for CONN_MAX_AGE, like a
    # request would (opening one per email cost more than the email); with CONN_MAX_AGE=0
    # (tests) it is closed after each.
    close_old_connections()
    try:
        send_notification_email(notification_id)
    finally:
        close_old_connections()


def send_notification_email(notification_id: int) -> None:
    """Send one notification's email and record the outcome; never raises."""
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is not None:
        _send_email(notification)


def _send_email(notification: Notification) -> None:
    """Send the email of a notification read with its user, and record the outcome."""
    notification_id = notification.pk
    body = notification.message
    if notification.link:
        body += f"\n\n{settings.SITE_URL.rstrip('/')}{notification.link}"
    body += "\n\nYou can choose which emails you get in your settings."
    try:
        send_mail(
            subject=f"[UPAS] {notification.message[:70]}",
            message=body,
            from_email=None,
            recipient_list=[notification.user.email],
        )
    except Exception as exc:  # any transport error is recorded, not raised
        log.warning("notification email %s failed: %s", notification_id, exc)
        Notification.objects.filter(pk=notification_id).update(email_error=str(exc)[:300])
    else:
        Notification.objects.filter(pk=notification_id).update(
            emailed_at=timezone.now(), email_error=""
        )


def retry_unsent_emails(*, older_than: timedelta = timedelta(minutes=5), limit: int = 500) -> int:
    """Send the emails that were wanted but never went out (failed, or lost in a restart);
    returns how many were attempted. Run from cron by `manage.py send_notification_emails`."""
    cutoff = timezone.now() - older_than
    pending = (
        Notification.objects.filter(emailed_at__isnull=True, created_at__lt=cutoff)
        .exclude(email_error="")
        .filter(created_at__gte=cutoff - timedelta(days=2))  # old news is not worth a mail
        .select_related("user")
        .order_by("id")[:limit]
    )
    attempted = 0
    for notification in pending:
        if wants_email(notification.user, notification.kind):
            _send_email(notification)  # read above with its user: not again per email
            attempted += 1
    return attempted


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
