"""Notification emails leave the web workers: the request queues them (django-tasks, database
backend) after the commit, and the background worker (`manage.py run_worker`) sends them, with
retries; an email owed when a worker dies is sent by the next one. The worker here is the real
django-tasks-db worker loop, run in the test's process against the test database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from portal.models import Notification
from portal.services.notifications import EMAIL_QUEUED, deliver_email, notify, retry_unsent_emails
from portal.services.schedule import queue_due_jobs
from tests.helpers import award_data

DATABASE_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "email"]}
}


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise TimeoutError("SMTP server timed out")


@pytest.fixture
def queue(settings):
    """Tasks go to the database queue, as in production, until a worker runs them."""
    settings.TASKS = DATABASE_TASKS
    return DBTaskResult.objects


def run_worker() -> None:
    """One run of the background worker: everything queued and due, then it exits."""
    call_command("run_worker", batch=True, verbosity=0)


def email_tasks() -> list[DBTaskResult]:
    tasks = DBTaskResult.objects.filter(task_path__endswith="deliver_email")
    return list(tasks.order_by("enqueued_at"))  # ids are UUIDs: not in order


@pytest.mark.django_db(transaction=True)
def test_the_award_request_only_queues_the_email(client_as, student, faculty, category, queue):
    response = client_as(faculty).post(
        reverse("portal:award-create"), award_data(student, category)
    )
    assert response.status_code in (200, 302)
    n = Notification.objects.get(user=student.user, kind=Notification.Kind.POINTS)
    assert (n.emailed_at, n.email_error) == (None, EMAIL_QUEUED)
    assert mail.outbox == []  # no web worker talked to the mail server
    assert [n.pk] in [t.args_kwargs["args"] for t in email_tasks()]
    run_worker()
    n.refresh_from_db()
    assert n.emailed_at is not None and n.email_error == ""
    assert {m.to[0] for m in mail.outbox} == {student.user.email}


@pytest.mark.django_db(transaction=True)
def test_a_failed_email_is_recorded_and_tried_again_later(student, settings, queue):
    settings.EMAIL_BACKEND = "tests.notifications.test_email_delivery.BrokenBackend"
    n = notify(student.user, kind="draw", message="You won!")  # autocommit: queued at once
    run_worker()
    n.refresh_from_db()
    assert n.emailed_at is None and "timed out" in n.email_error
    retry = email_tasks()[-1]
    assert retry.args_kwargs["args"] == [n.pk, 2]
    assert retry.run_after > timezone.now()  # after a wait, not at once


@pytest.mark.django_db(transaction=True)
def test_a_queued_email_survives_a_worker_restart(student, queue):
    """Queued while no worker runs (it was restarting): the next worker sends it."""
    n = notify(student.user, kind="draw", message="You won!")
    assert mail.outbox == [] and len(email_tasks()) == 1
    run_worker()  # the worker comes back
    n.refresh_from_db()
    assert n.emailed_at is not None
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_an_email_lost_with_a_worker_that_died_mid_task_is_sent_by_the_next(student, queue):
    """A worker killed after claiming the task leaves it 'running' for ever; the notification
    still says the email is owed, so the scheduled retry queues it again, and it goes once."""
    n = notify(student.user, kind="draw", message="You won!")
    [task] = email_tasks()
    task.claim("a-worker-that-died")
    run_worker()  # the claimed task is not run again (and the email is too recent to retry)
    assert mail.outbox == []
    # Six minutes later the schedule's retry job finds the email still owed and queues it.
    Notification.objects.filter(pk=n.pk).update(created_at=timezone.now() - timedelta(minutes=6))
    assert "retry-emails" in queue_due_jobs(now=timezone.now() + timedelta(minutes=11))
    run_worker()
    run_worker()
    n.refresh_from_db()
    assert n.emailed_at is not None
    assert len(mail.outbox) == 1


TASK_FIELDS = (
    "status", "args_kwargs", "priority", "task_path", "queue_name", "backend_name",
    "run_after", "return_value", "exception_class_path", "traceback", "worker_ids",
)  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_the_email_task_is_the_row_the_backend_writes_and_commits_with_the_notification(
    student, queue, django_assert_num_queries
):
    """On PostgreSQL the notification and its task row are one statement in the caller's
    transaction: the row is the one `deliver_email.enqueue` writes, and a rollback takes both."""
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 2):
        n = notify(student.user, kind="draw", message="You won!")
    by_enqueue = DBTaskResult.objects.get(pk=deliver_email.enqueue(n.pk).id)
    [written] = [t for t in email_tasks() if t.pk != by_enqueue.pk]
    assert [getattr(written, f) for f in TASK_FIELDS] == [
        getattr(by_enqueue, f) for f in TASK_FIELDS
    ]
    assert written.enqueued_at <= by_enqueue.enqueued_at
    try:
        with transaction.atomic():
            notify(student.user, kind="draw", message="Rolled back")
            raise RuntimeError
    except RuntimeError:
        pass
    assert len(email_tasks()) == 2
    assert not Notification.objects.filter(message="Rolled back").exists()
    run_worker()
    assert [m.subject for m in mail.outbox] == ["[UPAS] You won!"]  # sent once


@pytest.mark.django_db(transaction=True)
def test_two_queued_tries_of_one_email_send_it_once(student, queue):
    n = notify(student.user, kind="draw", message="You won!")
    deliver_email.enqueue(n.pk, 2)
    run_worker()
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_the_schedule_queues_each_job_once_per_interval(queue):
    first = queue_due_jobs()
    assert set(first) >= {"event-reminders", "expire-prizes", "retry-emails"}
    assert queue_due_jobs() == []  # not due again yet
    later = timezone.now() + timedelta(minutes=16)
    assert "event-reminders" in queue_due_jobs(now=later)


@pytest.mark.django_db
def test_retry_sends_what_failed_or_never_went_out_and_nothing_else(
    student, other_student, settings
):
    long_ago = timezone.now() - timedelta(minutes=10)
    failed = notify(student.user, kind="draw", message="Failed before")
    queued = notify(student.user, kind="draw", message="Lost in a restart")
    Notification.objects.filter(pk=failed.pk).update(email_error="refused", created_at=long_ago)
    Notification.objects.filter(pk=queued.pk).update(created_at=long_ago)
    # Not retried: too recent, already sent, not wanted by email, or too old to matter.
    notify(student.user, kind="draw", message="Just now")
    sent = notify(student.user, kind="draw", message="Sent")
    Notification.objects.filter(pk=sent.pk).update(emailed_at=long_ago, created_at=long_ago)
    other_student.user.email_opt_outs = ["draw"]
    other_student.user.save()
    unwanted = notify(other_student.user, kind="draw", message="Unwanted")
    Notification.objects.filter(pk=unwanted.pk).update(created_at=long_ago)
    stale = notify(student.user, kind="draw", message="Stale")
    Notification.objects.filter(pk=stale.pk).update(created_at=long_ago - timedelta(days=3))
    mail.outbox.clear()

    assert retry_unsent_emails() == 2
    assert sorted(m.body.splitlines()[0] for m in mail.outbox) == [
        "Failed before",
        "Lost in a restart",
    ]
    assert retry_unsent_emails() == 0  # sent now: nothing left


@pytest.mark.django_db
def test_the_retry_command_reports_what_it_did(student, capsys):
    n = notify(student.user, kind="draw", message="You won!")
    Notification.objects.filter(pk=n.pk).update(
        email_error="refused", created_at=timezone.now() - timedelta(minutes=6)
    )
    call_command("send_notification_emails")
    assert "Retried 1 email(s)." in capsys.readouterr().out
