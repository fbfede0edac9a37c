"""The admin's webhook pages: register (secret shown once), the delivery log (filtered,
paginated, constant query count), send again (htmx, idempotent), test ping, deactivate, roll
the secret; bad input is refused next to its field and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditLog, WebhookDelivery, WebhookEndpoint, WebhookEvent
from portal.services import webhooks
from tests.helpers import award
from tests.html import HX, find, text

pytestmark = pytest.mark.django_db

Status = WebhookDelivery.Status
LIST = reverse("portal:webhook-list")


def register_data(url: str, *events: str, description: str = "LMS") -> dict:
    return {"url": url, "events": list(events), "description": description}


def test_registering_shows_the_secret_once(
    client_as, admin, receiver, django_capture_on_commit_callbacks
):
    client = client_as(admin)
    response = client.post(LIST, register_data(receiver.url, "points.awarded", "draw.performed"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    endpoint = WebhookEndpoint.objects.get()
    secret = find(response.content, "input", id="webhook-secret").attributes
    secret = dict(secret)["value"]
    assert webhooks.unseal(endpoint.secret_sealed) == secret
    assert endpoint.events == ["draw.performed", "points.awarded"]
    page = client.get(reverse("portal:webhook-detail", args=[endpoint.pk]))
    assert secret not in page.content.decode()  # never again
    assert AuditLog.objects.filter(action="webhook.create").count() == 1


@pytest.mark.parametrize(
    ("data", "field", "code_words"),
    [
        (register_data("http://hooks.example.edu/upas", "points.awarded"), "url", "https"),
        (register_data("https://10.0.0.8/upas", "points.awarded"), "url", "private network"),
        (register_data("https://192.168.1.1/", "points.awarded"), "url", "private network"),
        (register_data("not a url", "points.awarded"), "url", "https://"),
        (register_data("https://hooks.example.edu/upas"), "events", "at least one event"),
        (register_data("https://hooks.example.edu/upas", "points.stolen"), "events", "valid"),
    ],
)
def test_bad_input_is_refused_next_to_its_field(client_as, admin, data, field, code_words):
    response = client_as(admin).post(LIST, data)
    assert response.status_code == 422
    errors = text(find(response.content, id=f"endpoint_{field}_errors"))
    assert code_words in errors
    assert not WebhookEndpoint.objects.exists()
    assert not AuditLog.objects.exists()


def test_the_list_shows_each_endpoint_with_its_figures(client_as, admin, django_assert_num_queries):
    endpoint, _secret = webhooks.register_endpoint(
        actor=admin, url="https://hooks.example.edu/upas", events=["points.awarded"]
    )
    make_deliveries(endpoint, pending=2, failed=1)
    client = client_as(admin)
    client.get(LIST)
    # session, user, the menu's redemption count, the endpoints with their figures (one query
    # whatever their number)
    with django_assert_num_queries(4):
        response = client.get(LIST)
    body = response.content.decode()
    assert "https://hooks.example.edu/upas" in body
    assert reverse("portal:webhook-detail", args=[endpoint.pk]) in body


def make_deliveries(endpoint, *, pending=0, delivered=0, failed=0) -> list[WebhookDelivery]:
    now = timezone.now()
    rows = [
        WebhookDelivery(
            endpoint=endpoint,
            event_kind="points.awarded",
            payload={"n": i},
            status=status,
            attempts={Status.PENDING: 1, Status.DELIVERED: 1, Status.FAILED: 6}[status],
            last_status_code={Status.PENDING: 500, Status.DELIVERED: 200, Status.FAILED: 503}[
                status
            ],
            next_attempt_at=now + timedelta(minutes=5) if status == Status.PENDING else None,
            created_at=now - timedelta(minutes=i),
        )
        for i, status in enumerate(
            [Status.PENDING] * pending + [Status.DELIVERED] * delivered + [Status.FAILED] * failed
        )
    ]
    return WebhookDelivery.objects.bulk_create(rows)


@pytest.mark.parametrize("count", [1, 30])
def test_the_delivery_log_costs_the_same_queries_however_long(
    client_as, admin, count, django_assert_num_queries
):
    endpoint, _secret = webhooks.register_endpoint(
        actor=admin, url="https://hooks.example.edu/upas", events=["points.awarded"]
    )
    make_deliveries(endpoint, delivered=count, failed=1)
    client = client_as(admin)
    url = reverse("portal:webhook-detail", args=[endpoint.pk])
    # session, user, menu count, endpoint, counts by status, page count, page
    with django_assert_num_queries(7):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('<tr id="delivery-') == min(count + 1, 25)
    # the fragment: no menu
    with django_assert_num_queries(6):
        fragment = client.get(url, {"status": "failed"}, **HX)
    assert b"<html" not in fragment.content
    assert fragment.content.decode().count("Send again") == 1


def test_the_log_filters_by_status_and_pages(client_as, admin):
    endpoint, _secret = webhooks.register_endpoint(
        actor=admin, url="https://hooks.example.edu/upas", events=["points.awarded"]
    )
    make_deliveries(endpoint, pending=3, delivered=30)
    client = client_as(admin)
    url = reverse("portal:webhook-detail", args=[endpoint.pk])
    first = client.get(url).content.decode()
    assert first.count("Send again") == 25 and "Older" in first
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count("Send again") == 8
    pending = client.get(url, {"status": "pending"}).content.decode()
    assert pending.count("Send again") == 3
    assert "Delivered (30)" in first and "Pending (3)" in first
    assert client.get(url, {"status": "bogus"}).content.decode().count("Send again") == 25


def test_send_again_swaps_the_row_and_a_second_click_sends_nothing(
    client_as, admin, subscribe, receiver, faculty, student, category
):
    receiver.answers = [500]
    endpoint = subscribe(WebhookEvent.POINTS_AWARDED)
    client = client_as(admin)
    award_committed(faculty, student, category)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Status.PENDING, 1)
    url = reverse("portal:webhook-resend", args=[endpoint.pk, delivery.pk])
    response = resend(client, url, seen=1)
    assert response.status_code == 200 and b"<html" not in response.content
    row = find(response.content, "tr", id=f"delivery-{delivery.pk}")
    assert "Queued to send again." in text(row)
    assert find(row, role="status").attributes  # announced, and focused (data-focus)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.DELIVERED, 2)
    again = resend(client, url, seen=1)  # the same button, clicked twice
    assert "Already on its way." in text(again.content)
    assert len(receiver.received) == 2
    assert AuditLog.objects.filter(action="webhook.resend").count() == 1
    # Without htmx: the same, then back to the page.
    plain = client.post(url, {"seen_attempts": 2})
    run_commit_hooks()
    assert plain.status_code == 302
    assert len(receiver.received) == 3


def award_committed(faculty, student, category):
    award(faculty, student, category, 20)
    run_commit_hooks()


def run_commit_hooks():
    """The test runs in a transaction: run what `on_commit` collected, as a commit would."""
    hooks = list(connection.run_on_commit)
    connection.run_on_commit = []
    for _sids, hook, _robust in hooks:
        hook()


def resend(client, url: str, *, seen: int):
    response = client.post(url, {"seen_attempts": seen}, **HX)
    run_commit_hooks()
    return response


def test_a_test_ping_deactivate_and_roll_secret(client_as, admin, subscribe, receiver):
    endpoint = subscribe(WebhookEvent.DRAW_PERFORMED)
    client = client_as(admin)
    detail = reverse("portal:webhook-detail", args=[endpoint.pk])
    response = client.post(reverse("portal:webhook-ping", args=[endpoint.pk]))
    run_commit_hooks()
    assert response.status_code == 302 and response["Location"] == detail
    [ping] = receiver.received
    assert ping.valid and ping.json["kind"] == "ping" and ping.headers["X-UPAS-Event"] == "ping"

    rolled = client.post(reverse("portal:webhook-roll-secret", args=[endpoint.pk]))
    assert rolled.status_code == 200 and rolled["Cache-Control"] == "private, no-store"
    new = dict(find(rolled.content, "input", id="webhook-secret").attributes)["value"]
    endpoint.refresh_from_db()
    assert webhooks.unseal(endpoint.secret_sealed) == new != receiver.secret

    off = client.post(reverse("portal:webhook-active", args=[endpoint.pk]), {"active": "0"})
    assert off.status_code == 302
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    page = client.get(detail).content.decode()
    assert "Send a test ping" not in page and "Reactivate" in page
    assert set(
        AuditLog.objects.filter(target_id=str(endpoint.pk)).values_list("action", flat=True)
    ) >= {"webhook.create", "webhook.roll_secret", "webhook.deactivate"}


def test_another_endpoints_delivery_is_not_found(client_as, admin):
    one, _s = webhooks.register_endpoint(
        actor=admin, url="https://hooks.example.edu/a", events=["points.awarded"]
    )
    two, _s = webhooks.register_endpoint(
        actor=admin, url="https://hooks.example.edu/b", events=["points.awarded"]
    )
    [delivery] = make_deliveries(one, failed=1)
    url = reverse("portal:webhook-resend", args=[two.pk, delivery.pk])
    assert client_as(admin).post(url, {"seen_attempts": 6}).status_code == 404


def test_a_bad_address_and_no_events_are_both_reported(client_as, admin):
    response = client_as(admin).post(LIST, register_data("https://10.0.0.8/upas"))
    assert response.status_code == 422
    assert "private network" in text(find(response.content, id="endpoint_url_errors"))
    assert "at least one event" in text(find(response.content, id="endpoint_events_errors"))
    assert not WebhookEndpoint.objects.exists()
