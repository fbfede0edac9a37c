"""Notification emails leave the web workers: the request writes the notification as queued
and nothing else; the background worker (`manage.py run_worker`) sends queued emails in batches
over one mail connection, retries failures with a task after a wait, and an email owed when a
worker dies is sent by the next one. The worker here is the real command (its batch mode: the
email queue, then the django-tasks-db worker loop), run in the test's process against the test
database."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from portal.management.commands.run_worker import Command as WorkerCommand
from portal.models import Notification
from portal.services.notifications import (
    EMAIL_BATCH,
    EMAIL_QUEUED,
    deliver_email,
    notify,
    retry_unsent_emails,
    send_queued_emails,
)
from portal.services.schedule import queue_due_jobs
from tests.concurrency.threads import run_at_once
from tests.helpers import award_data, email_tasks


class BrokenBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise TimeoutError("SMTP server timed out")


class DownBackend(BaseEmailBackend):
    def open(self):
        raise ConnectionRefusedError("Connection refused by the mail server")

    def send_messages(self, messages):
        raise AssertionError("nothing is sent over a connection that did not open")


class CountingBackend(LocmemBackend):
    """The test outbox, counting the connections opened to it."""

    opened = 0

    def open(self):
        type(self).opened += 1
        return super().open()


def run_worker() -> None:
    """One run of the background worker: everything queued and due, then it exits."""
    call_command("run_worker", batch=True, verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_the_award_request_only_queues_the_email(client_as, student, faculty, category, queue):
    response = client_as(faculty).post(
        reverse("portal:award-create"), award_data(student, category)
    )
    assert response.status_code in (200, 302)
    n = Notification.objects.get(user=student.user, kind=Notification.Kind.POINTS)
    assert (n.emailed_at, n.email_error) == (None, EMAIL_QUEUED)
    assert mail.outbox == []  # no web worker talked to the mail server
    assert email_tasks() == []  # and wrote no task: the worker reads the queue itself
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
    assert mail.outbox == []
    assert Notification.objects.get(pk=n.pk).email_error == EMAIL_QUEUED
    run_worker()  # the worker comes back
    n.refresh_from_db()
    assert n.emailed_at is not None
    assert len(mail.outbox) == 1


def held_by_another_worker(notification_id: int, release: threading.Event, held: threading.Event):
    """A second worker in the middle of sending: it holds the notification's row lock (its own
    connection, as a worker on another machine) until `release`, then dies (rolls back)."""

    def run():
        try:
            with transaction.atomic():
                Notification.objects.select_for_update().get(pk=notification_id)
                held.set()
                release.wait(10)
                raise RuntimeError("killed")
        except RuntimeError:
            pass
        finally:
            connections.close_all()

    return threading.Thread(target=run)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_an_email_held_by_a_worker_that_died_mid_batch_is_sent_by_the_next(student, queue):
    """A worker that is sending an email holds its row; another worker skips it rather than
    waiting or sending it twice. Killed before its commit, the first worker leaves the email
    queued, and the next run sends it, once."""
    n = notify(student.user, kind="draw", message="You won!")
    other = notify(student.user, kind="draw", message="Another one")
    release, held = threading.Event(), threading.Event()
    thread = held_by_another_worker(n.pk, release, held)
    thread.start()
    assert held.wait(10)
    run_worker()  # does not wait for the held row, and sends the other one
    assert [m.body.splitlines()[0] for m in mail.outbox] == ["Another one"]
    release.set()
    thread.join(10)
    run_worker()
    assert [m.body.splitlines()[0] for m in mail.outbox] == ["Another one", "You won!"]
    owed = Notification.objects.filter(pk__in=[n.pk, other.pk], emailed_at__isnull=True)
    assert not owed.exists()


@pytest.mark.django_db(transaction=True)
def test_a_retry_lost_with_a_worker_that_died_mid_task_is_sent_by_the_next(student, queue):
    """A worker killed after claiming a retry's task leaves it 'running' for ever; the
    notification still says the email is owed, so the scheduled retry queues it again, and it
    goes once."""
    n = notify(student.user, kind="draw", message="You won!")
    Notification.objects.filter(pk=n.pk).update(email_error="refused")  # the first try failed
    deliver_email.enqueue(n.pk, 2)
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


@pytest.mark.django_db(transaction=True)
def test_queued_emails_go_in_batches_over_one_connection_each(
    student, other_student, settings, queue
):
    settings.EMAIL_BACKEND = "tests.notifications.test_email_delivery.CountingBackend"
    CountingBackend.opened = 0
    other_student.user.language = "ar"
    other_student.user.save()
    count = EMAIL_BATCH + 5
    for i in range(count):
        notify(student.user, kind="draw", message=f"Email {i}")
    notify(other_student.user, kind="draw", message="Arabic")
    run_worker()
    mine = [m.body.splitlines()[0] for m in mail.outbox if m.to == [student.user.email]]
    assert sorted(mine) == sorted(f"Email {i}" for i in range(count))
    assert CountingBackend.opened == 2  # the first 25, then the other 6
    [arabic] = [m for m in mail.outbox if m.to == [other_student.user.email]]
    assert "settings" not in arabic.body  # written in the reader's language
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    assert send_queued_emails() == 0  # nothing left


@pytest.mark.django_db(transaction=True)
def test_an_email_no_longer_wanted_when_its_turn_comes_is_not_sent(student, queue):
    n = notify(student.user, kind="draw", message="You won!")
    student.user.email_opt_outs = ["draw"]
    student.user.save()
    run_worker()
    n.refresh_from_db()
    assert mail.outbox == [] and (n.emailed_at, n.email_error) == (None, "")
    assert email_tasks() == []


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_that_is_down_fails_each_email_of_the_batch_for_a_retry(
    student, settings, queue
):
    settings.EMAIL_BACKEND = "tests.notifications.test_email_delivery.DownBackend"
    sent = [notify(student.user, kind="draw", message=f"Email {i}") for i in range(3)]
    run_worker()
    for n in sent:
        n.refresh_from_db()
        assert n.emailed_at is None and "refused" in n.email_error
    assert sorted(t.args_kwargs["args"] for t in email_tasks()) == sorted([n.pk, 2] for n in sent)
    assert all(t.run_after > timezone.now() for t in email_tasks())  # after a wait


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_email_once(student, queue):
    """Workers on two machines share the queue: SKIP LOCKED hands each batch to one of them."""
    count = 4 * EMAIL_BATCH
    for i in range(count):
        notify(student.user, kind="draw", message=f"Email {i}")

    def drain():
        while send_queued_emails():
            pass

    assert run_at_once([drain, drain]) == {"ok": 2}
    bodies = [m.body.splitlines()[0] for m in mail.outbox]
    assert sorted(bodies) == sorted(f"Email {i}" for i in range(count))  # each exactly once
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_the_running_worker_sends_a_queued_email_within_its_interval(student, queue):
    """The email thread of the long-running worker (not its batch mode): it looks at the queue
    every `--email-every` seconds and stops with the worker."""
    stop = threading.Event()

    def pump():
        try:
            WorkerCommand._send_emails(stop, 0.05)
        finally:
            connections.close_all()

    thread = threading.Thread(target=pump)
    thread.start()
    try:
        notify(student.user, kind="draw", message="You won!")
        for _ in range(200):
            if mail.outbox:
                break
            stop.wait(0.05)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert [m.subject for m in mail.outbox] == ["[UPAS] You won!"]


@pytest.mark.django_db(transaction=True)
def test_the_notification_is_one_insert_and_a_rollback_queues_nothing(
    student, queue, django_assert_num_queries
):
    """Inside the caller's transaction the notification is the only write: a rolled-back
    change emails nobody, and a committed one is sent once."""
    with django_assert_num_queries(1):
        notify(student.user, kind="draw", message="You won!")
    try:
        with transaction.atomic():
            notify(student.user, kind="draw", message="Rolled back")
            raise RuntimeError
    except RuntimeError:
        pass
    assert email_tasks() == []
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
