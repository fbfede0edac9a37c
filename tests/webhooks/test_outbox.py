"""The outbox: a delivery is written in the transaction of the change it announces, sent to a
real receiver with a signature the documented snippet accepts, retried with back-off while the
receiver is down, and never lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from portal.services import webhooks
from tests.helpers import award

from .receiver import Receiver

pytestmark = pytest.mark.django_db

Status = WebhookDelivery.Status


def test_an_award_reaches_a_real_receiver_signed(
    subscribe, receiver, faculty, student, category, django_capture_on_commit_callbacks
):
    endpoint = subscribe(WebhookEvent.POINTS_AWARDED)
    with django_capture_on_commit_callbacks(execute=True):
        entry = award(faculty, student, category, 20)
    [got] = receiver.received
    assert got.valid  # docs/webhook_verify.py accepts it
    assert got.path == "/hooks/upas"
    delivery = WebhookDelivery.objects.get()
    assert got.headers["X-UPAS-Event"] == "points.awarded"
    assert got.headers["X-UPAS-Delivery"] == str(delivery.pk)
    assert got.headers["Content-Type"] == "application/json"
    body = got.json
    assert body["id"] == str(delivery.event_id) and body["kind"] == "points.awarded"
    assert body["data"] == {
        "transaction_id": entry.pk,
        "student": {"id": student.pk, "enrollment_number": student.enrollment_number},
        "amount": 20,
        "category": {"id": category.pk, "name": category.name},
        "reason": entry.reason,
        "reverses": None,
        "actor_id": faculty.pk,
        "balance_after": 20,
        "lifetime_points": 20,
        "created_at": entry.created_at.isoformat(),
    }
    assert student.user.email not in got.body.decode()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        Status.DELIVERED,
        1,
        200,
    )
    assert delivery.endpoint == endpoint and delivery.delivered_at is not None


def test_a_wrong_secret_or_a_changed_body_fails_the_documented_check(
    subscribe, receiver, faculty, student, category, django_capture_on_commit_callbacks
):
    subscribe(WebhookEvent.POINTS_AWARDED)
    with django_capture_on_commit_callbacks(execute=True):
        award(faculty, student, category, 20)
    [got] = receiver.received
    verify = webhooks_snippet()
    assert verify(receiver.secret, got.headers, got.body)
    assert not verify(receiver.secret + "x", got.headers, got.body)
    assert not verify(receiver.secret, got.headers, got.body.replace(b"20", b"90", 1))
    old = int(got.headers["X-UPAS-Timestamp"]) + 301
    assert not verify(receiver.secret, got.headers, got.body, now=old)  # a replay, too late


def webhooks_snippet():
    from .receiver import verify

    return verify


def test_the_delivery_is_written_in_the_award_transaction(
    subscribe, receiver, faculty, student, category, django_capture_on_commit_callbacks
):
    subscribe(WebhookEvent.POINTS_AWARDED)
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        award(faculty, student, category, 20)
        # Before the commit: the row is there, nothing is sent.
        assert WebhookDelivery.objects.filter(status=Status.PENDING).count() == 1
        assert receiver.received == []
    assert len(callbacks) >= 1


def test_a_rolled_back_award_sends_nothing(
    subscribe, receiver, faculty, student, category, django_capture_on_commit_callbacks
):
    subscribe(WebhookEvent.POINTS_AWARDED)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        award(faculty, student, category, 20)
        raise RuntimeError("the caller's next step failed")
    assert not WebhookDelivery.objects.exists()
    assert receiver.received == []


def test_nobody_subscribed_costs_no_query_on_award(
    subscribe, faculty, student, category, django_capture_on_commit_callbacks
):
    def award_queries() -> int:
        award(faculty, student, category, 5)  # warms every cache the path uses
        with CaptureQueriesContext(connection) as queries:
            award(faculty, student, category, 5)
        return len(queries)

    nobody = award_queries()
    subscribe(WebhookEvent.DRAW_PERFORMED)  # someone listens, to something else
    assert award_queries() == nobody
    subscribe(WebhookEvent.POINTS_AWARDED)
    with django_capture_on_commit_callbacks(execute=False):
        listened = award_queries()
    assert listened == nobody + 1  # the outbox INSERT, nothing else


def test_an_inactive_endpoint_is_not_queued_for(
    subscribe, admin, receiver, faculty, student, category, django_capture_on_commit_callbacks
):
    endpoint = subscribe(WebhookEvent.POINTS_AWARDED)
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.set_endpoint_active(actor=admin, endpoint_id=endpoint.pk, active=False)
        award(faculty, student, category, 5)
    assert not WebhookDelivery.objects.exists()


def later(minutes: float) -> timezone.datetime:
    return timezone.now() + timedelta(minutes=minutes)


def test_a_receiver_that_is_down_gets_the_delivery_when_it_is_back(
    admin, faculty, student, category, django_capture_on_commit_callbacks
):
    receiver = Receiver().start()
    port = receiver.server.server_port
    url = receiver.url
    receiver.stop()  # the port is closed: connection refused
    with django_capture_on_commit_callbacks(execute=True):
        _endpoint, secret = webhooks.register_endpoint(
            actor=admin, url=url, events=[WebhookEvent.POINTS_AWARDED]
        )
        award(faculty, student, category, 20)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        Status.PENDING,
        1,
        None,
    )
    assert "Connection" in delivery.last_error or "refused" in delivery.last_error.lower()
    assert webhooks.requeue_due(now=later(0.5)) == 0  # not due yet: a minute's wait

    receiver = Receiver(secret=secret, answers=[500]).start(port)  # back, but failing
    try:
        assert webhooks.requeue_due(now=later(1.1)) == 1
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
            Status.PENDING,
            2,
            500,
        )
        assert delivery.last_error.startswith("HTTP 500: receiver says no")
        assert len(delivery.last_error) <= 300  # only an excerpt of the answer is kept
        assert webhooks.requeue_due(now=later(4)) == 0  # five minutes' wait now
        assert webhooks.requeue_due(now=later(7)) == 1  # and now it works
    finally:
        receiver.stop()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        Status.DELIVERED,
        3,
        200,
    )
    assert [r.valid for r in receiver.received] == [True, True]
    assert receiver.received[0].body == receiver.received[1].body  # the same event every time
    assert webhooks.requeue_due(now=later(60)) == 0


def test_failures_back_off_then_the_delivery_is_marked_failed(
    subscribe, receiver, faculty, student, category, django_capture_on_commit_callbacks
):
    receiver.default = 503
    subscribe(WebhookEvent.POINTS_AWARDED)
    with django_capture_on_commit_callbacks(execute=True):
        award(faculty, student, category, 20)
    delivery = WebhookDelivery.objects.get()
    waits = []
    for _wait in webhooks.BACKOFF:
        delivery.refresh_from_db()
        waits.append(delivery.next_attempt_at - delivery.last_attempt_at)
        webhooks.requeue_due(now=delivery.next_attempt_at + timedelta(seconds=1))
    assert waits == list(webhooks.BACKOFF)  # 1 min, 5, 30, 2 h, 12 h
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        Status.FAILED,
        webhooks.MAX_ATTEMPTS,
        None,
    )
    assert webhooks.requeue_due(now=later(60 * 48)) == 0
    assert len(receiver.received) == webhooks.MAX_ATTEMPTS


def test_a_redirect_is_not_followed(
    subscribe, receiver, faculty, student, category, django_capture_on_commit_callbacks
):
    receiver.answers = [302]
    receiver.location = "http://169.254.169.254/latest/meta-data/"
    subscribe(WebhookEvent.POINTS_AWARDED)
    with django_capture_on_commit_callbacks(execute=True):
        award(faculty, student, category, 20)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == (Status.PENDING, 302)
    assert len(receiver.received) == 1


def test_an_address_turned_private_is_refused_at_send_time(
    subscribe, receiver, faculty, student, category, django_capture_on_commit_callbacks
):
    endpoint = subscribe(WebhookEvent.POINTS_AWARDED)
    # The name now points somewhere private (DNS changed after registration; here, the row).
    type(endpoint).objects.filter(pk=endpoint.pk).update(url="https://10.0.0.7/hook")
    with django_capture_on_commit_callbacks(execute=True):
        award(faculty, student, category, 20)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.PENDING and delivery.last_status_code is None
    assert "private" in delivery.last_error
    assert receiver.received == []


def test_a_delivery_queued_twice_is_sent_once(
    subscribe, receiver, faculty, student, category, django_capture_on_commit_callbacks
):
    """The first try's task and the periodic job's can both be queued: one POST."""
    subscribe(WebhookEvent.POINTS_AWARDED)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        award(faculty, student, category, 20)
    assert webhooks.requeue_due() == 1  # the periodic job got there first
    for callback in callbacks:  # then the task queued at the commit runs
        callback()
    assert len(receiver.received) == 1
    assert webhooks.send_delivery(WebhookDelivery.objects.get().pk, 0) == "skipped"


def test_a_deactivated_endpoint_keeps_its_waiting_deliveries_until_reactivated(
    subscribe, admin, receiver, faculty, student, category, django_capture_on_commit_callbacks
):
    receiver.answers = [500]
    endpoint = subscribe(WebhookEvent.POINTS_AWARDED)
    with django_capture_on_commit_callbacks(execute=True):
        award(faculty, student, category, 20)  # answered 500: waits for its retry
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.set_endpoint_active(actor=admin, endpoint_id=endpoint.pk, active=False)
    assert webhooks.requeue_due(now=later(10)) == 0
    assert len(receiver.received) == 1
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.set_endpoint_active(actor=admin, endpoint_id=endpoint.pk, active=True)
    assert WebhookDelivery.objects.get().status == Status.DELIVERED
    assert len(receiver.received) == 2


def test_a_rolled_secret_signs_the_next_deliveries(
    subscribe, admin, receiver, faculty, student, category, django_capture_on_commit_callbacks
):
    endpoint = subscribe(WebhookEvent.POINTS_AWARDED)
    old = receiver.secret
    _endpoint, new = webhooks.roll_secret(actor=admin, endpoint_id=endpoint.pk)
    assert new != old
    with django_capture_on_commit_callbacks(execute=True):
        award(faculty, student, category, 20)
    [got] = receiver.received
    verify = webhooks_snippet()
    assert verify(new, got.headers, got.body) and not verify(old, got.headers, got.body)


def test_each_process_keeps_the_routes_briefly_and_drops_them_after_its_own_change(
    subscribe,
    receiver,
    faculty,
    student,
    category,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    """The routes are read once per ROUTES_LOCAL_SECONDS per process (no round trip to the
    shared cache under the student's lock); an endpoint changed in this process is heard at
    once, one changed in another process within that time."""
    clock = [1000.0]
    monkeypatch.setattr(webhooks.time, "monotonic", lambda: clock[0])
    with django_capture_on_commit_callbacks(execute=True):
        award(faculty, student, category, 5)  # reads the (empty) routes, keeps them
    assert WebhookDelivery.objects.count() == 0

    subscribe(WebhookEvent.POINTS_AWARDED)  # this process: its copy is dropped on commit
    with django_capture_on_commit_callbacks(execute=True):
        award(faculty, student, category, 5)
    assert WebhookDelivery.objects.count() == 1
    assert len(receiver.received) == 1

    # Another process switches the endpoint off: it deletes the shared key after its commit,
    # but this process's copy still names the endpoint until it is ROUTES_LOCAL_SECONDS old.
    WebhookEndpoint.objects.update(is_active=False)
    webhooks.cache.delete(webhooks.ROUTES_KEY)
    clock[0] += webhooks.ROUTES_LOCAL_SECONDS / 2
    with django_capture_on_commit_callbacks(execute=True):
        award(faculty, student, category, 5)
    assert WebhookDelivery.objects.count() == 2
    # Written, and not sent while the endpoint is off (send_delivery checks).
    waiting = WebhookDelivery.objects.latest("pk")
    assert (waiting.status, waiting.attempts) == (Status.PENDING, 0)
    assert len(receiver.received) == 1
    clock[0] += webhooks.ROUTES_LOCAL_SECONDS
    award(faculty, student, category, 5)
    assert WebhookDelivery.objects.count() == 2


def test_routes_read_before_a_change_here_are_not_kept(monkeypatch):
    """A thread that read the routes before another thread's endpoint change committed does
    not keep its (old) copy: the change moves the generation on."""
    shared = webhooks.cache

    class ChangedWhileReading:
        def get(self, key, *args, **kwargs):
            found = shared.get(key, *args, **kwargs)
            webhooks.forget_local_routes()  # another thread's change commits meanwhile
            return found

        def __getattr__(self, name):
            return getattr(shared, name)

    monkeypatch.setattr(webhooks, "cache", ChangedWhileReading())
    webhooks._routes()
    assert webhooks._local_routes is None
    monkeypatch.setattr(webhooks, "cache", shared)
    webhooks._routes()
    assert webhooks._local_routes is not None
