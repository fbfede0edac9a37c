"""With the database task queue, as in production: the request only writes the outbox row and
queues the task; the worker sends it; a worker that died mid-task, or a restart, loses
nothing (the periodic job queues what is due)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from portal.models import WebhookDelivery, WebhookEvent
from portal.services import webhooks
from portal.services.schedule import queue_due_jobs
from tests.helpers import award

from .receiver import Receiver

pytestmark = pytest.mark.django_db(transaction=True)

DATABASE_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "email"]}
}
Status = WebhookDelivery.Status


@pytest.fixture
def queue(settings):
    settings.TASKS = DATABASE_TASKS


def run_worker() -> None:
    call_command("run_worker", batch=True, verbosity=0)


def webhook_tasks() -> list[DBTaskResult]:
    return list(
        DBTaskResult.objects.filter(task_path__endswith="send_webhook").order_by("enqueued_at")
    )


def register(admin, receiver: Receiver) -> None:
    _endpoint, receiver.secret = webhooks.register_endpoint(
        actor=admin, url=receiver.url, events=[WebhookEvent.POINTS_AWARDED]
    )


def test_the_change_only_queues_and_the_worker_sends(
    queue, admin, receiver, faculty, student, category
):
    register(admin, receiver)
    award(faculty, student, category, 20)
    assert receiver.received == []  # nothing was sent by the request
    [task] = webhook_tasks()
    delivery = WebhookDelivery.objects.get()
    assert task.args_kwargs["args"] == [delivery.pk, 0]
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED
    assert [r.valid for r in receiver.received] == [True]


def test_a_delivery_queued_while_the_worker_restarts_is_sent_by_the_next(
    queue, admin, receiver, faculty, student, category
):
    register(admin, receiver)
    award(faculty, student, category, 20)
    DBTaskResult.objects.all().delete()  # even a queue that lost the task row
    assert "requeue-webhooks" in queue_due_jobs()
    run_worker()
    run_worker()
    assert WebhookDelivery.objects.get().status == Status.DELIVERED
    assert len(receiver.received) == 1


def test_a_delivery_lost_with_a_worker_that_died_mid_task_is_sent_once(
    queue, admin, receiver, faculty, student, category
):
    """A worker killed after claiming the task leaves it 'running' for ever and the delivery
    untouched (its transaction rolled back); the periodic job queues it again."""
    register(admin, receiver)
    award(faculty, student, category, 20)
    [task] = webhook_tasks()
    task.claim("a-worker-that-died")
    # The next worker: its schedule queues the webhook job, which finds the delivery due.
    run_worker()
    run_worker()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Status.DELIVERED, 1)
    assert len(receiver.received) == 1
    # A later run of the job, and the dead worker's task if it were ever run: nothing more.
    queue_due_jobs(now=timezone.now() + timedelta(minutes=2))
    run_worker()
    assert webhooks.send_delivery(delivery.pk, 0) == "skipped"
    assert len(receiver.received) == 1
