"""Telling people what happened to them. `notify` writes the in-app notification inside the
caller's transaction, so it exists exactly when the change does; one that should be emailed is
written as queued (`email_error="queued"`), and nothing else happens in the request: no web
worker ever talks to the mail server, and no task row is written per email.

The background worker (`manage.py run_worker`) sends queued emails in batches
(`send_queued_emails`): it takes the oldest queued notifications (SKIP LOCKED, so workers on
several machines share the queue) and sends them over one connection to the mail server. A
failure is recorded on the notification and tried again by a task after a wait (`deliver_email`,
django-tasks with the database backend); what a worker never got to (killed mid-batch) is still
queued, or picked up by the scheduled retry, since the notification itself says the email is
still owed. With another task backend (the tests' immediate one) each email is a task queued
after the commit."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task
from django_tasks_db import DatabaseBackend

from portal.models import Notification, User
from portal.models.notifications import EMAIL_QUEUED
from portal.site import site_url

log = logging.getLogger(__name__)

Kind = Notification.Kind


def wants_email(user: User, kind: str) -> bool:
    return bool(user.email) and user.is_active and kind not in (user.email_opt_outs or [])


def in_language_of(user: User) -> translation.override:
    """Write what `user` will read in their language, whoever's request (or the worker) runs:
    `with in_language_of(student): message = _("...")`."""
    return translation.override(user.language or settings.LANGUAGE_CODE)


def notify(user: User, *, kind: str, message: str, link: str = "") -> Notification:
    """Record a notification for `user`; if they want it by email, it is queued for the worker."""
    return save(notification_for(user, kind=kind, message=message, link=link))


def notification_for(user: User, *, kind: str, message: str, link: str = "") -> Notification:
    """The notification `notify` writes, not written yet: for a caller that writes it in a
    statement of its own (the ledger's), and then calls `written`."""
    return Notification(
        user=user,
        kind=kind,
        message=message[:300],
        link=link[:300],
        email_error=EMAIL_QUEUED if wants_email(user, kind) else "",
    )


def save(notification: Notification) -> Notification:
    """Write a notification built by `notification_for` on its own (`notify`'s write)."""
    notification.save(force_insert=True)
    written(notification)
    return notification


def written(notification: Notification) -> None:
    """After a notification's row is written: with the database's task backend its email
    waits in the queue for the worker; with another (the tests' immediate one, Redis) it is
    a task of its own, queued after the commit."""
    if notification.email_error == EMAIL_QUEUED and not isinstance(
        deliver_email.get_backend(), DatabaseBackend
    ):
        transaction.on_commit(lambda: deliver_email.enqueue(notification.pk))


# Queued emails one worker sends in one go (and one transaction: the rows stay locked while
# they are sent, so a second worker skips them and a retry never sends one twice).
EMAIL_BATCH = 25


def send_queued_emails(*, limit: int = EMAIL_BATCH) -> int:
    """The worker's email pump: send the oldest queued notification emails, up to `limit`, over
    one connection to the mail server, and record each outcome; returns how many it took.
    Notifications locked by another worker are skipped (SKIP LOCKED). A failed email keeps its
    error and is tried again by `deliver_email` after a wait."""
    with transaction.atomic():
        batch = list(_owed_emails().filter(email_error=EMAIL_QUEUED).order_by("pk")[:limit])
        if not batch:
            return 0
        _sent, _unwanted, failed = _send_and_record(batch)
    for pk, _error in failed:
        _try_again(pk, attempt=1)
    return len(batch)


def _owed_emails() -> QuerySet[Notification]:
    """Notifications whose email has not gone out, with their users, locked as they are read;
    those another worker holds are skipped (SKIP LOCKED)."""
    return (
        Notification.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("user")
        .filter(emailed_at__isnull=True)
    )


def _send_and_record(
    notifications: list[Notification],
) -> tuple[list[int], list[int], list[tuple[int, str]]]:
    """Send the email of each notification (locked, read with its user) over one connection
    to the mail server, unless it is no longer wanted, and record each outcome; returns the
    ids sent, the ids no longer wanted and the failures (id, error)."""
    sent, unwanted, failed = [], [], []
    with _mail_connection() as (mail, refused):
        for notification in notifications:
            if not wants_email(notification.user, notification.kind):
                unwanted.append(notification.pk)
                continue
            error = refused or _send_email(notification, mail)
            if error:
                failed.append((notification.pk, error))
            else:
                sent.append(notification.pk)
    Notification.objects.filter(pk__in=sent).update(emailed_at=timezone.now(), email_error="")
    Notification.objects.filter(pk__in=unwanted).update(email_error="")
    # One UPDATE per distinct error: a mail server that is down fails the whole batch alike.
    failed_by_error: dict[str, list[int]] = {}
    for pk, error in failed:
        failed_by_error.setdefault(error, []).append(pk)
    for error, pks in failed_by_error.items():
        Notification.objects.filter(pk__in=pks).update(email_error=error)
    return sent, unwanted, failed


@contextmanager
def _mail_connection() -> Iterator[tuple[BaseEmailBackend | None, str]]:
    """One connection to the mail server for a batch: (connection, "") when it opened, or
    (None, why not) when it did not, so every email of the batch records that error."""
    connection = get_connection()
    try:
        connection.open()
    except Exception as exc:  # the mail server is down: recorded per email, retried later
        log.warning("opening the mail connection failed: %s", exc)
        yield None, _error_text(exc)
        return
    try:
        yield connection, ""
    finally:
        try:
            connection.close()
        except Exception as exc:  # a connection that broke while sending closes badly
            log.warning("closing the mail connection failed: %s", exc)


# Attempts of one email before it waits for the scheduled retry, and the wait after each.
EMAIL_ATTEMPTS = 4
EMAIL_BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))


@task(queue_name="email")
def deliver_email(notification_id: int, attempt: int = 1) -> str:
    """One notification email, as a task: a retry after a failure (and every email with a task
    backend other than the database's). Sends it unless it went out already (a retry and the
    pump may both try), records the outcome, and on failure queues another try after a wait.
    Returns what happened, for the task's result row."""
    with transaction.atomic():
        notification = _owed_emails().filter(pk=notification_id).first()
        if notification is None:  # sent already, or being sent by another worker
            return "skipped"
        sent, _unwanted, failed = _send_and_record([notification])
    if failed:
        _try_again(notification_id, attempt=attempt)
        return "failed"
    return "sent" if sent else "not wanted"


def _try_again(notification_id: int, *, attempt: int) -> None:
    """Queue the next try of a failed email after a wait; after the last, the scheduled retry
    (`retry_unsent_emails`) takes it."""
    if attempt < EMAIL_ATTEMPTS:
        wait = EMAIL_BACKOFF[min(attempt, len(EMAIL_BACKOFF)) - 1]
        deliver_email.using(run_after=timezone.now() + wait).enqueue(notification_id, attempt + 1)


def _send_email(notification: Notification, connection: BaseEmailBackend | None = None) -> str:
    """Send the email of a notification read with its user, in their language: "" when it
    went, or why it did not."""
    with translation.override(notification.user.language or settings.LANGUAGE_CODE):
        body = notification.message
        if notification.link:
            body += f"\n\n{site_url(notification.link)}"
        body += "\n\n" + _("You can choose which emails you get in your settings.")
        try:
            send_mail(
                subject=_("[UPAS] %(message)s") % {"message": notification.message[:70]},
                message=body,
                from_email=None,
                recipient_list=[notification.user.email],
                connection=connection,
            )
        except Exception as exc:  # any transport error is recorded, not raised
            log.warning("notification email %s failed: %s", notification.pk, exc)
            return _error_text(exc)
    return ""


def _error_text(exc: Exception) -> str:
    """What is recorded of a failure: never empty, since an empty error means "nothing owed"."""
    return (str(exc) or type(exc).__name__)[:300]


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
