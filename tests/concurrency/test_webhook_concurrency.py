"""Webhook deliveries racing, on PostgreSQL: workers sending the same delivery at once make
one POST (the row is locked, SKIP LOCKED, while the POST is under way); an admin's "send again"
clicked twice at once queues one more attempt."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from portal.models import AuditLog, WebhookDelivery, WebhookEvent
from portal.services import webhooks
from tests.concurrency.threads import run_at_once
from tests.conftest import postgres_only
from tests.helpers import award
from tests.webhooks.receiver import Receiver

pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]

Status = WebhookDelivery.Status


@pytest.fixture
def slow_receiver():
    """A receiver that holds each answer until told, so the racing worker arrives while the
    first POST is still under way."""
    receiver = Receiver(delay=0.5).start()
    yield receiver
    receiver.stop()


def outbox_row(admin, receiver, faculty, student, category, settings) -> WebhookDelivery:
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "email"]}
    }  # the award only queues: the workers below send
    _endpoint, receiver.secret = webhooks.register_endpoint(
        actor=admin, url=receiver.url, events=[WebhookEvent.POINTS_AWARDED]
    )
    award(faculty, student, category, 20)
    return WebhookDelivery.objects.get()


def test_four_workers_sending_one_delivery_post_it_once(
    admin, slow_receiver, faculty, student, category, settings
):
    delivery = outbox_row(admin, slow_receiver, faculty, student, category, settings)
    results: Counter[str] = Counter()
    lock = threading.Lock()

    def send() -> None:
        outcome = webhooks.send_delivery(delivery.pk, 0)
        with lock:
            results[outcome] += 1

    outcomes = run_at_once([send] * 4)
    assert outcomes == Counter({"ok": 4})
    assert results == Counter({"delivered": 1, "skipped": 3})
    assert len(slow_receiver.received) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.DELIVERED, 1)


def test_send_again_clicked_twice_at_once_queues_one_attempt(
    admin, slow_receiver, faculty, student, category, settings
):
    slow_receiver.default = 500
    delivery = outbox_row(admin, slow_receiver, faculty, student, category, settings)
    webhooks.send_delivery(delivery.pk, 0)  # answered 500: waits a minute
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.PENDING, 1)
    outcomes = run_at_once(
        [
            lambda: webhooks.resend_delivery(actor=admin, delivery_id=delivery.pk, seen_attempts=1)
            for _ in range(2)
        ]
    )
    assert outcomes == Counter({"ok": 2})
    assert AuditLog.objects.filter(action="webhook.resend").count() == 1
