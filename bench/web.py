"""Award, redeem and check-in through HTTP: gunicorn with the production settings and its own
config (gunicorn.conf.py: 2 x cores + 1 gthread workers), the full middleware, signed-in
sessions and CSRF, driven by client threads (http.client, keep-alive) on the same machine.
This is issue 9's throughput target; bench/load.py calls the services directly."""

from __future__ import annotations

import http.client
import os
import random
import secrets
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test.utils import override_settings
from django.utils import timezone

from portal.exceptions import PortalError
from portal.services.events import current_code

from .load import (
    Fixtures,
    LoadResult,
    Operation,
    bench_events,
    checkin_pairs,
    prepare,
    run_threads,
)

ROOT = Path(__file__).resolve().parent.parent
# Only ever used by the gunicorn this module starts on 127.0.0.1, and for the sessions it reads.
SECRET = "bench-only-" + secrets.token_urlsafe(48)


class Refused(PortalError):
    def __init__(self, status: int) -> None:
        super().__init__(f"http_{status}", f"HTTP {status} without the success event")


def server_env(port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "REQUIRE_MFA_FOR": "",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
    }


def start_server(port: int) -> subprocess.Popen:
    env = server_env(port)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    server = subprocess.Popen(  # noqa: S603
        [gunicorn, "-c", "gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(120):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.5)
    server.terminate()
    raise SystemExit("gunicorn did not answer /healthz within a minute.")


def sessions_for(users: list) -> dict[int, str]:
    """A signed-in database session per user, readable by the server (same SECRET_KEY)."""
    keys = {}
    rows = []
    expires = timezone.now() + timedelta(hours=2)
    with override_settings(SECRET_KEY=SECRET):
        for user in users:
            store = SessionStore()
            data = {
                SESSION_KEY: str(user.pk),
                BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
                HASH_SESSION_KEY: user._get_session_auth_hash(secret=SECRET),
            }
            key = store._get_new_session_key()
            rows.append(
                Session(session_key=key, session_data=store.encode(data), expire_date=expires)
            )
            keys[user.pk] = key
    Session.objects.bulk_create(rows)
    return keys


class Client:
    """One keep-alive connection per worker thread; every POST carries the session cookie and
    a CSRF cookie + header pair, as htmx sends them."""

    def __init__(self, port: int, threads: int) -> None:
        self.port = port
        self.connections: list[http.client.HTTPConnection | None] = [None] * threads
        self.csrf = secrets.token_hex(16)  # 32 characters: an unmasked CSRF secret

    def post(self, index: int, path: str, session: str, fields: dict[str, str]) -> None:
        conn = self.connections[index]
        if conn is None:
            conn = self.connections[index] = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=30
            )
        headers = {
            "Cookie": f"sessionid={session}; csrftoken={self.csrf}",
            "X-CSRFToken": self.csrf,
            "HX-Request": "true",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        try:
            conn.request("POST", path, body=urlencode(fields), headers=headers)
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            self.connections[index] = None
            raise
        # A successful write answers with the event other widgets refresh on.
        if response.status != 200 or "points-changed" not in (
            response.getheader("HX-Trigger") or ""
        ):
            raise Refused(response.status)

    def close(self) -> None:
        for conn in self.connections:
            if conn is not None:
                conn.close()


def http_load(seconds: float, threads: int = 16, port: int = 8765, log=print) -> list[LoadResult]:
    fx: Fixtures = prepare(sample=2000)
    spenders = [s for s in fx.students if s.balance >= 50][:600] or [fx.rich]
    users = [fx.faculty, fx.rich.user, *(s.user for s in fx.students)]
    keys = sessions_for(users)
    server = start_server(port)
    results = []
    try:

        def award(hot: bool) -> Operation:
            def op(index: int, rng: random.Random) -> None:
                student = fx.rich if hot else rng.choice(fx.students)
                client.post(
                    index,
                    "/award/new/",
                    keys[fx.faculty.pk],
                    {
                        "action": "award",
                        "student": str(student.pk),
                        "category": str(fx.category.pk),
                        "points": str(fx.category.min_points),
                        "reason": "Benchmark award over HTTP",
                        "idempotency_key": uuid.uuid4().hex,
                    },
                )

            return op

        def redeem(variant: str) -> Operation:
            def op(index: int, rng: random.Random) -> None:
                student = rng.choice(spenders)
                reward = fx.stocked if variant == "one reward" else rng.choice(fx.rewards)
                client.post(
                    index,
                    f"/rewards/{reward.pk}/redeem/",
                    keys[student.user_id],
                    {"idempotency_key": uuid.uuid4().hex},
                )

            return op

        def checkin(events: list) -> Operation:
            pairs = checkin_pairs(fx, events, threads)

            def op(index: int, rng: random.Random) -> None:
                if not pairs[index]:
                    raise StopIteration
                event, student = pairs[index].pop()
                client.post(
                    index,
                    f"/events/{event.pk}/check-in/",
                    keys[student.user_id],
                    {"code": current_code(event)},
                )

            return op

        plans = [
            ("award", "random students", lambda: award(False)),
            ("award", "one student", lambda: award(True)),
            ("redeem", "random students", lambda: redeem("random")),
            ("redeem", "one reward", lambda: redeem("one reward")),
            ("check-in", "random students", lambda: checkin(bench_events(fx, 32))),
            ("check-in", "one event", lambda: checkin(bench_events(fx, 1))),
        ]
        # Warm up: every worker process compiles its templates and opens its connections.
        client = Client(port, threads)
        run_threads("warm-up", "", threads, min(seconds, 5.0), award(False))
        client.close()
        for service, variant, make in plans:
            client = Client(port, threads)
            result = run_threads(f"HTTP {service}", variant, threads, seconds, make())
            client.close()
            d = result.as_dict()
            log(
                f"  HTTP {service:<9} {variant:<16} {threads:>2} clients: "
                f"{d['per_second']:8.1f}/s p50 {d['p50_ms']:6.1f} ms p99 {d['p99_ms']:7.1f} ms "
                f"refused {sum(result.refused.values())} errors {sum(result.errors.values())}"
            )
            results.append(result)
    finally:
        server.terminate()
        server.wait(timeout=30)
        Session.objects.filter(session_key__in=list(keys.values())).delete()
    return results
