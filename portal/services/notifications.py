"""Telling people what happened to them. `notify` writes the in-app notification inside the
caller's transaction (so it exists exactly when the change does) and queues its email for the
background worker (`manage.py run_worker`, django-tasks with the database backend): no web
worker ever talks to the mail server. On PostgreSQL the notification and its task row are one
statement in the caller's transaction, so the email is queued exactly when the change commits;
elsewhere the email is queued after the commit. The worker retries a failure with
back-off; what a worker never got to (killed mid-task) is picked up again by the scheduled
retry, since the notification itself says the email is still owed."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models.signals import pre_save
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task
from django_tasks.signals import task_enqueued
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from portal.models import Notification, User
from portal.services import rows
from portal.site import site_url

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
    notification = Notification(
        user=user,
        kind=kind,
        message=message[:300],
        link=link[:300],
        email_error=EMAIL_QUEUED if emailed else "",
    )
    backend = deliver_email.get_backend()
    if emailed and isinstance(backend, DatabaseBackend) and connection.vendor == "postgresql":
        _save_with_email_task(notification, backend)
        return notification
    notification.save(force_insert=True)
    if emailed:
        transaction.on_commit(lambda: deliver_email.enqueue(notification.pk))
    return notification


def _save_with_email_task(notification: Notification, backend: DatabaseBackend) -> None:
    """Write the notification and the task row that emails it in one statement: the row
    django-tasks-db's `enqueue` writes (same fields, same pre_save hook), with its arguments
    naming the new notification. Half the round trips and none of the ORM's work of an
    `enqueue` after the commit, on every award, redemption and check-in."""
    backend.validate_task(deliver_email)
    task_row = DBTaskResult(
        id=backend._get_id(),  # as enqueue: the backend's id function, if it has one
        priority=deliver_email.priority,
        task_path=deliver_email.module_path,
        queue_name=deliver_email.queue_name,
        run_after=deliver_email.run_after,
        backend_name=backend.alias,
    )
    # django-tasks-db's own receiver turns "no run_after" into its "any time" date.
    pre_save.send(
        DBTaskResult, instance=task_row, raw=False, using=connection.alias, update_fields=None
    )
    note_values = rows.insert_values(notification)
    task_values = [
        (f, v) for f, v in rows.insert_values(task_row, with_pk=True) if f.name != "args_kwargs"
    ]
    sql = _notification_and_task_sql(
        tuple(f.column for f, _v in note_values), tuple(f.column for f, _v in task_values)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [v for _f, v in note_values] + [v for _f, v in task_values])
        (pk,) = cursor.fetchone()
    rows.mark_written(notification, pk)
    task_row.args_kwargs = {"args": [pk], "kwargs": {}}
    rows.mark_written(task_row, task_row.id)
    transaction.on_commit(
        lambda: task_enqueued.send(type(backend), task_result=task_row.task_result)
    )


@cache
def _notification_and_task_sql(note_columns: tuple[str, ...], task_columns: tuple[str, ...]) -> str:
    """The statement of `_save_with_email_task`, composed once per shape and process (PostgreSQL:
    a data-modifying WITH). The task's arguments are `{"args": [notification id], "kwargs": {}}`,
    what `deliver_email.enqueue(notification_id)` stores."""
    quote = connection.ops.quote_name
    pk = quote(Notification._meta.pk.column)
    args = quote(DBTaskResult._meta.get_field("args_kwargs").column)
    return (
        f"WITH note AS (INSERT INTO {quote(Notification._meta.db_table)} "  # noqa: S608
        f"({', '.join(map(quote, note_columns))}) "
        f"VALUES ({', '.join(['%s'] * len(note_columns))}) RETURNING {pk}), "
        f"task AS (INSERT INTO {quote(DBTaskResult._meta.db_table)} "
        f"({', '.join(map(quote, task_columns))}, {args}) "
        f"SELECT {', '.join(['%s'] * len(task_columns))}, "
        f"jsonb_build_object('args', jsonb_build_array(note.{pk}), 'kwargs', '{{}}'::jsonb) "
        f"FROM note) "
        f"SELECT {pk} FROM note"
    )


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
        body += f"\n\n{site_url(notification.link)}"
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
