"""Signed webhooks through a transactional outbox (docs/WEBHOOKS.md).

`queue_event` writes one `WebhookDelivery` per subscribed active endpoint inside the caller's
transaction: a change that rolls back announces nothing, a committed one is on record. After the
commit the send task is queued for the worker (`portal.tasks.send_webhook`). The worker POSTs the
signed JSON; a failure waits (1 min, 5 min, 30 min, 2 h, 12 h) and the periodic job
(`requeue_due`, every minute) queues whatever is due: retries, and deliveries a dead worker never
finished. Delivery is at least once: a receiver deduplicates by `X-UPAS-Delivery`.

Hot paths (award, redeem, check-in) pay nothing when nobody listens: which endpoints want which
kind is kept in the cache (`_routes`), refreshed when an endpoint changes, and the payloads are
built from the objects the calling service already holds."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import time
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.exceptions import WebhookError
from portal.models import (
    PING,
    Certificate,
    CheckIn,
    Draw,
    DrawWinner,
    Redemption,
    Reward,
    StudentProfile,
    Transaction,
    User,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from portal.permissions import can_manage_webhooks, require

from .audit import record_audit

log = logging.getLogger(__name__)

Status = WebhookDelivery.Status

# The wait after each failed attempt; after the last one the delivery is marked failed.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# How much of a receiver's answer is kept (in `last_error`), for the admin to read.
EXCERPT = 200
MAX_ENDPOINTS = 20
ADMINS_ONLY = _("Only admins manage webhooks.")

# --- the secret: sealed at rest ----------------------------------------------------------------


def _fernet() -> MultiFernet:
    """Keys derived from SECRET_KEY, then SECRET_KEY_FALLBACKS: rotating SECRET_KEY the Django
    way (old key in the fallbacks) keeps every endpoint's secret readable."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet(
        [
            Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"upas-webhooks:{k}".encode()).digest()))
            for k in keys
        ]
    )


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def unseal(sealed: str) -> str:
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken as exc:  # SECRET_KEY changed without a fallback: roll the secret
        raise WebhookError(
            "secret_unreadable", _("The secret cannot be read; roll it and tell the receiver.")
        ) from exc


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The `X-UPAS-Signature` value: HMAC-SHA256 of "<timestamp>.<body>" with the secret."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


# --- where a receiver may be -------------------------------------------------------------------

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def _local_allowed(host: str) -> bool:
    return settings.UPAS_WEBHOOKS_ALLOW_HTTP_LOCAL and host in LOCAL_HOSTS


_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def _carried_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address in a NAT64 address, or in a deprecated IPv4-compatible one (::a.b.c.d)."""
    if ip.is_loopback or ip.is_unspecified:
        return None
    if int(ip) >> 32 == 0 or any(ip in net for net in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _address_allowed(host: str, address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv4 address carried inside IPv6 (mapped, 6to4, Teredo, NAT64) is judged as IPv4.
        ip = (
            ip.ipv4_mapped
            or ip.sixtofour
            or (ip.teredo[1] if ip.teredo else None)
            or _carried_ipv4(ip)
            or ip
        )
    if ip.is_loopback and _local_allowed(host):
        return True
    # Private, loopback, link-local (cloud metadata), shared, reserved, unspecified: not global.
    return ip.is_global and not ip.is_multicast


def _check_shape(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an acceptable URL, without looking the name up."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:  # a port out of range, a bad IPv6 literal
        host, port = "", None
    if not host or parts.scheme not in ("http", "https") or parts.username or parts.password:
        raise WebhookError("bad_url", _("Enter a full https:// address."), field="url")
    if parts.scheme != "https" and not _local_allowed(host):
        raise WebhookError(
            "not_https", _("Only https:// addresses can receive webhooks."), field="url"
        )
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80)


def _public_addresses(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, all of them public (or this machine, when allowed).
    Raises OSError when it does not resolve, WebhookError(private_address) otherwise."""
    addresses = _resolve(host, port)
    if not addresses or not all(_address_allowed(host, a) for a in addresses):
        raise WebhookError(
            "private_address",
            _("This address is on a private network; webhooks only go to public addresses."),
            field="url",
        )
    return addresses


def check_url(url: str) -> str:
    """The URL an endpoint may have: https (http only to this machine, when
    UPAS_WEBHOOKS_ALLOW_HTTP_LOCAL is on), no credentials, and no private, loopback or
    link-local address (SSRF) if the name resolves now; every send checks again. Raises
    WebhookError: bad_url, not_https, private_address."""
    url = (url or "").strip()
    _scheme, host, port = _check_shape(url)
    # A name that does not resolve yet (a receiver being set up) is checked at each send.
    with contextlib.suppress(OSError):
        _public_addresses(host, port)
    return url


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except UnicodeError as exc:  # an empty or overlong label ("x..com"): not a name at all
        raise WebhookError("bad_url", _("Enter a full https:// address."), field="url") from exc
    return [info[4][0] for info in infos]


# --- who listens: cached ------------------------------------------------------------------------

ROUTES_KEY = "webhooks:routes"
# An upper bound on staleness where the cache is per process (development's local memory);
# production shares Redis, where the key is deleted on every endpoint change.
ROUTES_TTL = 60


# Each process also keeps what it read for a moment: every award, redemption and check-in
# asks, under the student's lock, and the round trip to the shared cache cost more than the
# answer (issue 17). An endpoint change reaches the other processes within this time; a
# delivery written meanwhile for an endpoint just switched off waits unsent while it is off
# (`send_delivery` and the retry job skip inactive endpoints), and a new endpoint hears of
# events from then on.
ROUTES_LOCAL_SECONDS = 2.0
# (read at, generation it was read in, routes). The generation moves on every forget, so a
# thread that read the routes before another thread's change committed does not keep them.
_local_routes: tuple[float, int, dict[str, list[int]]] | None = None
_routes_generation = 0


def _routes() -> dict[str, list[int]]:
    """{kind: [ids of the active endpoints subscribed to it]}: this process's copy, else a
    cache read, and one query when the cache is cold."""
    global _local_routes
    now, generation, kept = time.monotonic(), _routes_generation, _local_routes
    if kept is not None and kept[1] == generation and now - kept[0] < ROUTES_LOCAL_SECONDS:
        return kept[2]
    routes = cache.get(ROUTES_KEY)
    if routes is None:
        routes = {}
        active = WebhookEndpoint.objects.filter(is_active=True).order_by("pk")
        for pk, kinds in active.values_list("pk", "events"):
            for kind in kinds:
                routes.setdefault(kind, []).append(pk)
        cache.set(ROUTES_KEY, routes, ROUTES_TTL)
    if generation == _routes_generation:  # no endpoint changed here while reading
        _local_routes = (now, generation, routes)
    return routes


def forget_local_routes() -> None:
    """Drop this process's copy (after an endpoint change here, and between tests)."""
    global _local_routes, _routes_generation
    _routes_generation += 1
    _local_routes = None


def _forget_routes() -> None:
    # After the commit: a reader refilling the cache before it would read the old endpoints.
    def forget() -> None:
        cache.delete(ROUTES_KEY)
        forget_local_routes()

    transaction.on_commit(forget)


# --- the outbox ---------------------------------------------------------------------------------


def queue_event(kind: str, payload: dict[str, Any]) -> list[WebhookDelivery]:
    """Announce one event (see `queue_events`)."""
    return queue_events(kind, [payload])


def queue_events(kind: str, payloads: Iterable[dict[str, Any]]) -> list[WebhookDelivery]:
    """Write a delivery of each payload for every active endpoint subscribed to `kind`, in the
    caller's transaction (one INSERT), and queue their sending after the commit. No query at
    all when nobody subscribes (the usual case)."""
    endpoint_ids = _routes().get(kind)
    if not endpoint_ids:
        return []
    now = timezone.now()
    rows = []
    for payload in payloads:
        event_id = uuid.uuid4()  # one event, the same id at every endpoint
        rows.extend(
            WebhookDelivery(
                endpoint_id=pk,
                event_kind=kind,
                event_id=event_id,
                payload=payload,
                next_attempt_at=now,
                created_at=now,
            )
            for pk in endpoint_ids
        )
    if rows:
        WebhookDelivery.objects.bulk_create(rows)
        _send_after_commit([(row.pk, 0) for row in rows])
    return rows


def _send_after_commit(jobs: list[tuple[int, int]]) -> None:
    def enqueue() -> None:
        from portal.tasks import send_webhook  # tasks import the services

        for pk, attempts in jobs:
            send_webhook.enqueue(pk, attempts)

    transaction.on_commit(enqueue)


def _student(profile: StudentProfile) -> dict[str, Any]:
    return {"id": profile.pk, "enrollment_number": profile.enrollment_number}


def _stamp(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


ENTRY_EVENTS = {
    Transaction.Kind.AWARD: WebhookEvent.POINTS_AWARDED,
    Transaction.Kind.DEDUCTION: WebhookEvent.POINTS_DEDUCTED,
    Transaction.Kind.REVERSAL: WebhookEvent.POINTS_REVERSED,
}


def entry_payload(profile: StudentProfile, entry: Transaction) -> dict[str, Any]:
    """An award, deduction or reversal, with the student's totals after it."""
    category = entry.category  # the object the service posted with: no query
    return {
        "transaction_id": entry.pk,
        "student": _student(profile),
        "amount": entry.amount,
        "category": {"id": category.pk, "name": category.name} if category else None,
        "reason": entry.reason,
        "reverses": entry.reverses_id,
        "actor_id": entry.actor_id,
        "balance_after": profile.balance,
        "lifetime_points": profile.lifetime_points,
        "created_at": _stamp(entry.created_at),
    }


def announce_entries(profile_entries: Iterable[tuple[StudentProfile, Transaction]]) -> None:
    """points.awarded / points.deducted / points.reversed for entries just posted."""
    by_kind: dict[str, list[dict[str, Any]]] = {}
    routes = _routes()
    for profile, entry in profile_entries:
        kind = ENTRY_EVENTS.get(entry.kind)
        if kind and kind in routes:
            by_kind.setdefault(kind, []).append(entry_payload(profile, entry))
    for kind, payloads in by_kind.items():
        queue_events(kind, payloads)


def announce_redemption(
    profile: StudentProfile, reward: Reward, redemption: Redemption, *, decision: str
) -> None:
    """redemption.decided: approved, rejected (with the refund) or fulfilled."""
    if WebhookEvent.REDEMPTION_DECIDED not in _routes():
        return
    refunded = redemption.cost if redemption.status == Redemption.Status.REJECTED else 0
    queue_event(
        WebhookEvent.REDEMPTION_DECIDED,
        {
            "redemption_id": redemption.pk,
            "decision": decision,
            "status": redemption.status,
            "student": _student(profile),
            "reward": {"id": reward.pk, "name": reward.name},
            "cost": redemption.cost,
            "refunded": 0 if redemption.is_prize else refunded,
            "balance_after": profile.balance,
            "decided_at": _stamp(redemption.fulfilled_at or redemption.decided_at),
        },
    )


def announce_checkin(checkin: CheckIn, entry: Transaction) -> None:
    """checkin.created, whatever the method (code, QR, pass, by hand, dispute, file)."""
    if WebhookEvent.CHECKIN_CREATED not in _routes():
        return
    profile, event = checkin.student, checkin.event
    queue_event(
        WebhookEvent.CHECKIN_CREATED,
        {
            "checkin_id": checkin.pk,
            "event": {"id": event.pk, "title": event.title},
            "student": _student(profile),
            "method": checkin.method,
            "points": entry.amount,
            "transaction_id": entry.pk,
            "balance_after": profile.balance,
            "checked_in_by_id": checkin.checked_in_by_id,
            "created_at": _stamp(checkin.created_at),
        },
    )


def announce_draw(draw: Draw, picked: list[DrawWinner]) -> None:
    """draw.performed, with the winners and alternates in order (picked read with their
    entries' students)."""
    if WebhookEvent.DRAW_PERFORMED not in _routes():
        return
    queue_event(
        WebhookEvent.DRAW_PERFORMED,
        {
            "draw_id": draw.pk,
            "title": draw.title,
            "performed_at": _stamp(draw.performed_at),
            "entrant_count": draw.entrant_count,
            "entrants_digest": draw.entrants_digest,
            "seed": draw.seed,
            "picks": [
                {
                    "position": pick.position,
                    "alternate": pick.is_alternate,
                    "student": _student(pick.entry.student),
                }
                for pick in picked
            ],
        },
    )


def announce_certificate(certificate: Certificate, verify_url: str) -> None:
    """certificate.issued (holder read with the certificate)."""
    if WebhookEvent.CERTIFICATE_ISSUED not in _routes():
        return
    queue_event(
        WebhookEvent.CERTIFICATE_ISSUED,
        {
            "certificate_id": certificate.pk,
            "code": certificate.code,
            "verify_url": verify_url,
            "source": certificate.source,
            "title": certificate.title,
            "activity_date": certificate.activity_date.isoformat(),
            "student": _student(certificate.holder),
            "issued_at": _stamp(certificate.issued_at),
        },
    )


# --- admin actions ------------------------------------------------------------------------------


def _clean_events(events: Iterable[str]) -> list[str]:
    chosen = sorted(set(events) & set(WebhookEvent.values))
    if not chosen:
        raise WebhookError("no_events", _("Choose at least one event."), field="events")
    return chosen


@transaction.atomic
def register_endpoint(
    *, actor: User, url: str, events: Iterable[str], description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """Register a receiver; returns it and its secret (shown to the admin this once).

    Audited. Raises WebhookError: forbidden, bad_url, not_https, private_address, no_events,
    too_many."""
    require(can_manage_webhooks(actor), WebhookError, ADMINS_ONLY)
    url = check_url(url)
    chosen = _clean_events(events)
    if WebhookEndpoint.objects.filter(is_active=True).count() >= MAX_ENDPOINTS:
        raise WebhookError(
            "too_many",
            _("There are %(count)s active endpoints already; deactivate one first.")
            % {"count": MAX_ENDPOINTS},
        )
    secret = new_secret()
    endpoint = WebhookEndpoint.objects.create(
        url=url,
        description=(description or "").strip()[:200],
        events=chosen,
        secret_sealed=seal(secret),
        created_by=actor,
    )
    record_audit(
        actor=actor,
        action="webhook.create",
        target=endpoint,
        after={"url": url, "events": chosen, "description": endpoint.description},
    )
    _forget_routes()
    return endpoint, secret


def _lock_endpoint(endpoint_id: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint_id).first()
    if endpoint is None:
        raise WebhookError("not_found", _("This endpoint does not exist."))
    return endpoint


@transaction.atomic
def roll_secret(*, actor: User, endpoint_id: int) -> tuple[WebhookEndpoint, str]:
    """Replace the endpoint's secret; returns the new one (shown this once). Deliveries not yet
    sent are signed with the new secret. Audited (never the secret itself)."""
    require(can_manage_webhooks(actor), WebhookError, ADMINS_ONLY)
    endpoint = _lock_endpoint(endpoint_id)
    secret = new_secret()
    endpoint.secret_sealed = seal(secret)
    endpoint.secret_rolled_at = timezone.now()
    endpoint.save(update_fields=["secret_sealed", "secret_rolled_at"])
    record_audit(actor=actor, action="webhook.roll_secret", target=endpoint)
    return endpoint, secret


@transaction.atomic
def set_endpoint_active(*, actor: User, endpoint_id: int, active: bool) -> WebhookEndpoint:
    """Deactivate (nothing more is queued for it; pending deliveries wait) or reactivate (they
    go out). Audited; setting the state it has changes nothing."""
    require(can_manage_webhooks(actor), WebhookError, ADMINS_ONLY)
    endpoint = _lock_endpoint(endpoint_id)
    if endpoint.is_active == active:
        return endpoint
    endpoint.is_active = active
    endpoint.save(update_fields=["is_active"])
    record_audit(
        actor=actor,
        action="webhook.activate" if active else "webhook.deactivate",
        target=endpoint,
        before={"active": not active},
        after={"active": active},
    )
    _forget_routes()
    if active:
        _send_after_commit(
            list(
                endpoint.deliveries.filter(status=Status.PENDING).values_list("pk", "attempts")[
                    :500
                ]
            )
        )
    return endpoint


@transaction.atomic
def send_test_ping(*, actor: User, endpoint_id: int) -> WebhookDelivery:
    """Queue a `ping` delivery to this endpoint only, to check the receiver and its signature
    check."""
    require(can_manage_webhooks(actor), WebhookError, ADMINS_ONLY)
    endpoint = _lock_endpoint(endpoint_id)
    if not endpoint.is_active:
        raise WebhookError("inactive", _("Reactivate the endpoint to send it a ping."))
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_kind=PING,
        payload={"endpoint_id": endpoint.pk, "sent_by_id": actor.pk},
        next_attempt_at=now,
        created_at=now,
    )
    _send_after_commit([(delivery.pk, 0)])
    return delivery


@transaction.atomic
def resend_delivery(*, actor: User, delivery_id: int, seen_attempts: int) -> WebhookDelivery:
    """ "Send again": queue the delivery now, whatever its state. Idempotent: `seen_attempts`
    is the attempt count the admin's page showed; if an attempt was made since, or the delivery
    is already due, nothing changes (a double click sends once). Audited."""
    require(can_manage_webhooks(actor), WebhookError, ADMINS_ONLY)
    delivery = (
        WebhookDelivery.objects.select_for_update(of=("self",))
        .select_related("endpoint")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        raise WebhookError("not_found", _("This delivery does not exist."))
    now = timezone.now()
    on_its_way = delivery.status == Status.PENDING and delivery.next_attempt_at <= now
    if delivery.attempts != seen_attempts or on_its_way:
        return delivery
    if not delivery.endpoint.is_active:
        raise WebhookError("inactive", _("Reactivate the endpoint to send again."))
    before = delivery.status
    delivery.status = Status.PENDING
    delivery.next_attempt_at = now
    delivery.save(update_fields=["status", "next_attempt_at"])
    record_audit(
        actor=actor,
        action="webhook.resend",
        target=delivery.endpoint,
        before={"delivery": delivery.pk, "status": before},
    )
    _send_after_commit([(delivery.pk, delivery.attempts)])
    return delivery


# --- sending ------------------------------------------------------------------------------------


def body_of(delivery: WebhookDelivery) -> bytes:
    """The JSON body: the same bytes on every attempt."""
    envelope = {
        "id": str(delivery.event_id),
        "kind": delivery.event_kind,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def send_delivery(delivery_id: int, attempts: int = 0) -> str:
    """The worker's job: make attempt number `attempts + 1` of a pending delivery, unless it
    was made already (a retry queued twice) or another worker is making it now (the row is
    locked, SKIP LOCKED, while the POST is under way: one POST at a time per delivery). Returns
    what happened, for the task's result row."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(pk=delivery_id, status=Status.PENDING, attempts=attempts)
            .first()
        )
        if delivery is None:
            return "skipped"
        endpoint = delivery.endpoint
        if not endpoint.is_active:
            return "inactive"  # waits: reactivating the endpoint sends it
        code, error = _attempt(endpoint, delivery)
        now = timezone.now()
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.last_status_code = code
        delivery.last_error = error[:300]
        if code is not None and 200 <= code < 300:
            delivery.status = Status.DELIVERED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = Status.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
        delivery.save(
            update_fields=[
                "attempts",
                "last_attempt_at",
                "last_status_code",
                "last_error",
                "status",
                "delivered_at",
                "next_attempt_at",
            ]
        )
    return delivery.status


def _attempt(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> tuple[int | None, str]:
    """POST the delivery once; (status code or None, a short error). Never raises."""
    try:
        secret = unseal(endpoint.secret_sealed)
        body = body_of(delivery)
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "UPAS-Webhooks/1",
            "X-UPAS-Event": delivery.event_kind,
            "X-UPAS-Delivery": str(delivery.pk),
            "X-UPAS-Timestamp": timestamp,
            "X-UPAS-Signature": sign(secret, timestamp, body),
        }
        code, excerpt = post(endpoint.url, body, headers)
    except WebhookError as exc:
        return None, exc.message
    except (OSError, http.client.HTTPException, ValueError) as exc:
        log.info("webhook delivery %s failed: %s", delivery.pk, exc)
        return None, f"{type(exc).__name__}: {exc}"[:300]
    if 200 <= code < 300:
        return code, ""
    return code, f"HTTP {code}: {excerpt}" if excerpt else f"HTTP {code}"


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, not to whatever the name resolves to a moment
    later (DNS rebinding)."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """POST with the standard library's http.client: short timeouts, no redirects followed (a
    3xx is a failure), the address checked against private networks first. Returns the status
    code and the start of the answer."""
    scheme, host, port = _check_shape(url)
    addresses = _public_addresses(host, port)
    https = scheme == "https"
    parts = urlsplit(url)
    connection_class = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
    connection = connection_class(
        host, port, address=addresses[0], timeout=settings.UPAS_WEBHOOKS_TIMEOUT
    )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(EXCERPT).decode("utf-8", "replace")
        return response.status, " ".join(excerpt.split())
    finally:
        connection.close()


def requeue_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """The periodic job: queue every pending delivery whose time has come (a retry after its
    back-off, or one a dead worker never finished) for an active endpoint. A delivery queued
    twice is sent once (`send_delivery` checks the attempt count under the row lock)."""
    now = now or timezone.now()
    due = (
        WebhookDelivery.objects.filter(
            status=Status.PENDING, next_attempt_at__lte=now, endpoint__is_active=True
        )
        .order_by("next_attempt_at")
        .values_list("pk", "attempts")[:limit]
    )
    from portal.tasks import send_webhook  # tasks import the services

    count = 0
    for pk, attempts in due:
        send_webhook.enqueue(pk, attempts)
        count += 1
    return count
