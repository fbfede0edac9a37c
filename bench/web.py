"""Award, redeem and check-in through HTTP beside the bare view and pgbench, in one run.

The server is `gunicorn -c gunicorn.conf.py bench.wsgi`: the project's gunicorn config
unchanged, production settings unchanged (bench.settings only adds the bare view's URL), the
benchmark's database. Clients are threads in this process with keep-alive connections, each
request carrying a signed-in session, a CSRF cookie and header as htmx sends them, and the
`X-Forwarded-Proto: https` / `X-Forwarded-For` headers of the TLS proxy production runs
behind (so HTTPS redirects, secure cookies and the admins' 2FA all stay on).

The portal is reached by URL and form fields only: a write counts when its answer is a 2xx
carrying the `points-changed` event, and the ledger rows written during each measurement
are counted in the database to check it. Measured per path (bare, award, redeem, check-in):

- saturation: 16 clients in a closed loop for `seconds`, in `rounds` interleaved rounds with
  pgbench (the order rotates each round, so no path always follows the same one);
- worker CPU per request: the gunicorn master's and workers' CPU (bench/procstat.py) over
  each measurement, divided by the requests answered; PostgreSQL's CPU for the same
  requests likewise (bench/dbcpu.py);
- open loop: `rate` requests a second on a fixed schedule (bench/openloop.py), p50/p99 from
  each request's scheduled time, in the same rotating rounds, pooled per path;
- profile lock hold and wait, per request, from the `Bench-Lock` header (bench/wsgi.py)."""

from __future__ import annotations

import http.client
import os
import random
import runpy
import secrets
import shlex
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings

from portal.exceptions import PortalError
from portal.models import Transaction
from portal.services.events import current_code

from . import sessions
from .dbcpu import SIDE_PROCESS, DbCpu
from .load import (
    Fixtures,
    Operation,
    PgbenchResult,
    bench_events,
    last_ledger_id,
    log_pgbench,
    pgbench,
    pgbench_fixtures,
    prepare,
    run_threads,
)
from .locktimer import HEADER as LOCK_HEADER
from .openloop import open_loop
from .pages import percentile
from .procstat import children, tree_cpu

ROOT = Path(__file__).resolve().parent.parent
PATHS = ("bare", "award", "redeem", "check-in")
SUCCESS_EVENT = "points-changed"
# htmx reads events from any of these (a plain name, a list or JSON).
TRIGGER_HEADERS = ("HX-Trigger", "HX-Trigger-After-Swap", "HX-Trigger-After-Settle")


class Refused(PortalError):
    """A 2xx answer without the success event: the portal refused (a form error)."""

    def __init__(self, status: int) -> None:
        super().__init__("form_refused", f"HTTP {status} without the {SUCCESS_EVENT} event")


class HttpError(Exception):
    pass


# --- the server ---------------------------------------------------------------------------------


def start_server(port: int, log_path: Path) -> subprocess.Popen:
    """gunicorn exactly as production starts it, but with bench.wsgi (config.wsgi's
    application plus the lock timer) and bench.settings."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
    }
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    with log_path.open("w") as errors:
        server = subprocess.Popen(  # noqa: S603
            [gunicorn, "-c", "gunicorn.conf.py", "bench.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,  # the access log: written, as in production, then dropped
            stderr=errors,
        )
    for _ in range(120):
        if server.poll() is not None:
            break
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz", headers=PROXY_HEADERS)
            if conn.getresponse().status == 200:
                wait_for_workers(server.pid, gunicorn_config()["workers"])
                return server
        except OSError:
            pass
        time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer /healthz; its log: {log_path}")


def wait_for_workers(master: int, workers: int, timeout_s: float = 15.0) -> None:
    """Until gunicorn has forked every worker: /healthz answers as soon as the first is up,
    and a run once counted (and warmed up) three of its five."""
    deadline = time.monotonic() + timeout_s
    while len(children(master)) < workers and time.monotonic() < deadline:
        time.sleep(0.1)


def gunicorn_config() -> dict:
    """Workers and threads as gunicorn.conf.py works them out in this environment."""
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    return {
        "workers": conf["workers"],
        "threads": conf["threads"],
        "worker_class": conf["worker_class"],
        "max_requests": conf.get("max_requests"),
    }


# --- the client ---------------------------------------------------------------------------------

# What the TLS proxy in front of production adds (README, "Proxy and files").
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}


class Client:
    """One keep-alive connection per client slot. Every POST carries the session cookie and a
    CSRF cookie + header pair, as htmx sends them; lock times come back in a header."""

    def __init__(self, port: int, slots: int) -> None:
        self.port = port
        self.connections: list[http.client.HTTPConnection | None] = [None] * slots
        self.csrf = secrets.token_hex(16)  # 32 characters: an unmasked CSRF secret
        self.session_cookie = settings.SESSION_COOKIE_NAME
        self.csrf_cookie = settings.CSRF_COOKIE_NAME
        self.holds_ms: list[float] = []
        self.waits_ms: list[float] = []
        self.unlocked = 0  # successful writes without a profile lock seen
        self.resent = 0  # requests sent again after the server closed a kept-alive connection

    def post(self, index: int, path: str, session: str, fields: dict[str, str]) -> None:
        reused = self.connections[index] is not None
        try:
            self._post(index, path, session, fields)
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            # The server closed a kept-alive connection before answering (a gunicorn worker
            # recycled after max_requests closes its idle ones): as a browser does, send once
            # more on a new connection. Only on a reused one, and counted; the form's
            # idempotency key would turn a request that had been handled into a replay, which
            # the ledger-rows check would show.
            if not reused:
                raise
            self.resent += 1
            self._post(index, path, session, fields)

    def _post(self, index: int, path: str, session: str, fields: dict[str, str]) -> None:
        conn = self.connections[index]
        if conn is None:
            conn = self.connections[index] = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=60
            )
        headers = {
            **PROXY_HEADERS,
            "Cookie": f"{self.session_cookie}={session}; {self.csrf_cookie}={self.csrf}",
            "X-CSRFToken": self.csrf,
            "HX-Request": "true",
            "Accept-Encoding": "gzip, deflate, br, zstd",  # as a browser's htmx request
            # htmx's POSTs carry the page's origin; Django checks it on HTTPS requests.
            "Origin": f"https://127.0.0.1:{self.port}",
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
        if not 200 <= response.status < 300:
            raise HttpError(f"HTTP {response.status}")
        triggers = " ".join(response.getheader(h) or "" for h in TRIGGER_HEADERS)
        if SUCCESS_EVENT not in triggers:
            raise Refused(response.status)
        lock = response.getheader(LOCK_HEADER)
        if lock:
            hold, wait, _count = lock.split(";")
            self.holds_ms.append(float(hold))
            self.waits_ms.append(float(wait))
        else:
            self.unlocked += 1

    def close(self) -> None:
        for conn in self.connections:
            if conn is not None:
                conn.close()


# --- what each path posts -----------------------------------------------------------------------


@dataclass
class Cast:
    fx: Fixtures
    keys: dict[int, str]  # session keys by user id
    spenders: list


def make_op(path: str, variant: str, cast: Cast, client: Client) -> Operation:
    """The request one client sends for `path`; a new set of events for each check-in run."""
    fx, keys = cast.fx, cast.keys
    hot = variant != "random students"
    if path in ("bare", "award"):
        url = "/_bench/bare/award/" if path == "bare" else "/award/new/"

        def award(index: int, rng: random.Random) -> None:
            student = fx.rich if hot else rng.choice(fx.students)
            client.post(
                index,
                url,
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

        return award
    if path == "redeem":

        def redeem(index: int, rng: random.Random) -> None:
            student = rng.choice(cast.spenders)
            reward = fx.stocked if hot else rng.choice(fx.rewards)
            client.post(
                index,
                f"/rewards/{reward.pk}/redeem/",
                keys[student.user_id],
                {"idempotency_key": uuid.uuid4().hex},
            )

        return redeem
    if path == "check-in":
        events = bench_events(fx, 1 if hot else 32)
        pairs = [(event, s) for s in fx.students for event in events]
        random.Random(len(pairs)).shuffle(pairs)
        queue = deque(pairs)  # shared by every client: no pair is tried twice

        def checkin(index: int, rng: random.Random) -> None:
            try:
                event, student = queue.pop()
            except IndexError:
                raise StopIteration from None
            client.post(
                index,
                f"/events/{event.pk}/check-in/",
                keys[student.user_id],
                {"code": current_code(event)},
            )

        return checkin
    raise ValueError(path)


HOT_VARIANTS = {
    "bare": "one student",
    "award": "one student",
    "redeem": "one reward",
    "check-in": "one event",
}


# --- one measurement ----------------------------------------------------------------------------


@dataclass
class Segment:
    path: str
    variant: str
    mode: str  # "saturation" (closed loop) or "open loop"
    round: int  # 1..rounds for the interleaved saturation rounds, 0 otherwise
    clients: int  # closed-loop clients, or open-loop senders
    rate: float | None  # offered requests a second (open loop)
    seconds: float
    ok: int
    latencies_ms: list[float]
    refused: Counter
    errors: Counter
    worker_cpu_s: float
    db_cpu_s: float | None
    holds_ms: list[float]
    waits_ms: list[float]
    unlocked: int
    rows: int  # ledger entries written meanwhile, counted in the database
    lags_ms: list[float] = field(default_factory=list)
    exhausted: int = 0
    resent: int = 0  # Client.post: sent again on a new connection

    def as_dict(self) -> dict:
        answered = self.ok + sum(self.refused.values())
        lat = self.latencies_ms or [0.0]

        def pct(values: list[float], p: float) -> float | None:
            return round(percentile(values, p), 3) if values else None

        return {
            "path": self.path,
            "variant": self.variant,
            "mode": self.mode,
            "round": self.round,
            "clients": self.clients,
            "rate": self.rate,
            "seconds": round(self.seconds, 2),
            "ok": self.ok,
            "answered": answered,
            "per_second": round(self.ok / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(percentile(lat, 50), 2),
            "p99_ms": round(percentile(lat, 99), 2),
            "max_ms": round(max(lat), 2),
            "refused": dict(self.refused),
            "errors": dict(self.errors),
            "resent": self.resent,
            "worker_cpu_s": round(self.worker_cpu_s, 3),
            "db_cpu_s": None if self.db_cpu_s is None else round(self.db_cpu_s, 3),
            "worker_cpu_ms": round(self.worker_cpu_s * 1000 / answered, 3) if answered else None,
            "db_cpu_ms": (
                round(self.db_cpu_s * 1000 / answered, 3)
                if answered and self.db_cpu_s is not None
                else None
            ),
            "locks": len(self.holds_ms),
            "unlocked": self.unlocked,
            "hold_p50_ms": pct(self.holds_ms, 50),
            "hold_p99_ms": pct(self.holds_ms, 99),
            "hold_mean_ms": (
                round(sum(self.holds_ms) / len(self.holds_ms), 3) if self.holds_ms else None
            ),
            "wait_p50_ms": pct(self.waits_ms, 50),
            "wait_p99_ms": pct(self.waits_ms, 99),
            "rows": self.rows,
            "lag_p99_ms": pct(self.lags_ms, 99),
            "exhausted": self.exhausted,
        }


class Meter:
    """Worker CPU, database CPU and ledger rows around one measurement."""

    def __init__(self, master: int) -> None:
        self.master = master
        self.db = DbCpu()

    def __enter__(self) -> Meter:
        self.first_id = last_ledger_id()
        self.db.start()
        self.cpu = tree_cpu(self.master)
        return self

    def __exit__(self, *exc: object) -> None:
        self.worker_cpu_s = tree_cpu(self.master) - self.cpu
        self.db_cpu_s = self.db.stop()
        self.rows = Transaction.objects.filter(id__gt=self.first_id).count()


def saturate(
    path: str,
    variant: str,
    cast: Cast,
    *,
    port: int,
    master: int,
    clients: int,
    seconds: float,
    round_no: int = 0,
) -> Segment:
    client = Client(port, clients)
    op = make_op(path, variant, cast, client)
    with Meter(master) as meter:
        result = run_threads(path, variant, clients, seconds, op)
    client.close()
    return Segment(
        path,
        variant,
        "saturation",
        round_no,
        clients,
        None,
        result.seconds,
        result.ok,
        result.latencies_ms,
        result.refused,
        result.errors,
        meter.worker_cpu_s,
        meter.db_cpu_s,
        client.holds_ms,
        client.waits_ms,
        client.unlocked,
        meter.rows,
        resent=client.resent,
    )


def offer(path: str, cast: Cast, *, port: int, master: int, rate: float, seconds: float) -> Segment:
    senders = 32
    client = Client(port, senders)
    op = make_op(path, "random students", cast, client)
    with Meter(master) as meter:
        result = open_loop(op, rate=rate, seconds=seconds, senders=senders)
    client.close()
    return Segment(
        path,
        "random students",
        "open loop",
        0,
        senders,
        rate,
        result.elapsed or seconds,
        result.ok,
        result.latencies_ms,
        result.refused,
        result.errors,
        meter.worker_cpu_s,
        meter.db_cpu_s,
        client.holds_ms,
        client.waits_ms,
        client.unlocked,
        meter.rows,
        lags_ms=result.lags_ms,
        exhausted=result.exhausted,
        resent=client.resent,
    )


def log_segment(seg: Segment, log=print) -> None:
    d = seg.as_dict()
    where = f"round {seg.round}" if seg.round else seg.mode
    hold = f"{d['hold_p50_ms']:.2f}" if d["hold_p50_ms"] is not None else "  n/a"
    cpu = f"{d['worker_cpu_ms']:6.2f}" if d["worker_cpu_ms"] is not None else "   n/a"
    db = f"{d['db_cpu_ms']:.2f}" if d["db_cpu_ms"] is not None else "n/a"
    log(
        f"  {seg.path:<8} {seg.variant:<15} {where:<9} {d['per_second']:7.1f}/s "
        f"p50 {d['p50_ms']:6.1f} p99 {d['p99_ms']:7.1f} ms  CPU {cpu} ms/req (DB {db})  "
        f"lock {hold} ms  refused {sum(seg.refused.values())} errors {sum(seg.errors.values())}"
        f"  rows {seg.rows}/{seg.ok}" + (f"  resent {seg.resent}" if seg.resent else "")
    )


# --- the whole run ------------------------------------------------------------------------------


def http_bench(
    *,
    seconds: float,
    rounds: int = 3,
    clients: int = 16,
    rate: float = 50.0,
    open_seconds: float = 15.0,
    warmup: float = 3.0,
    hot: bool = True,
    port: int = 8765,
    worker: str = "",
    log=print,
) -> dict:
    """Everything the report's write tables need, as JSON-ready dicts. `worker`: a command
    (e.g. the task worker) run beside gunicorn meanwhile; its CPU is reported apart."""
    fx = prepare(sample=2000)
    pg_fx = pgbench_fixtures()
    spenders = [s for s in fx.students if s.balance >= 50][:600] or [fx.rich]
    users = [fx.faculty, fx.rich.user, *(s.user for s in fx.students)]
    cast = Cast(fx, sessions.sign_in(users), spenders)
    log_path = Path(tempfile.gettempdir()) / f"upas-bench-gunicorn-{port}.log"
    pg_seconds = max(1, round(seconds))
    segments: list[Segment] = []
    pgbench_results: list[PgbenchResult] = []
    server = side = None
    config: dict = {}
    try:
        server = start_server(port, log_path)
        master = server.pid
        if worker:
            argv = shlex.split(worker)
            if argv[0] in ("python", "python3"):
                argv[0] = sys.executable  # this virtualenv's, as for gunicorn
            side = subprocess.Popen(  # noqa: S603
                argv,
                cwd=ROOT,
                # Named, so its database backend is not counted as the requests' (dbcpu.py).
                env={
                    **os.environ,
                    "DJANGO_SETTINGS_MODULE": "bench.settings",
                    "PGAPPNAME": SIDE_PROCESS,
                },
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            side_cpu = tree_cpu(side.pid)
        config = {
            "server": "gunicorn -c gunicorn.conf.py bench.wsgi (bench.settings)",
            **gunicorn_config(),
            "workers_seen": len(children(master)),
            "clients": clients,
            "rounds": rounds,
            "seconds": seconds,
            "rate": rate,
            "open_seconds": open_seconds,
            "warmup_s": warmup,
            "sample_students": len(fx.students),
        }
        log(
            f"  gunicorn pid {master}: {config['workers_seen']} workers x {config['threads']} "
            f"threads; warming up {warmup:g} s per path"
        )
        run = {"port": port, "master": master}
        for path in PATHS:
            saturate(path, "random students", cast, clients=clients, seconds=warmup, **run)
        # Saturation: rounds of pgbench and every path, the order rotated by one each round.
        steps = ("pgbench", *PATHS)
        for round_no in range(1, rounds + 1):
            for step in rotated(steps, round_no):
                if step == "pgbench":
                    result = pgbench(
                        "random students", clients, pg_seconds, pg_fx, round_no=round_no
                    )
                    log_pgbench(result, log)
                    pgbench_results.append(result)
                    continue
                segment = saturate(
                    step,
                    "random students",
                    cast,
                    clients=clients,
                    seconds=seconds,
                    round_no=round_no,
                    **run,
                )
                log_segment(segment, log)
                segments.append(segment)
        if hot:
            for path in PATHS:
                segment = saturate(
                    path, HOT_VARIANTS[path], cast, clients=clients, seconds=seconds, **run
                )
                log_segment(segment, log)
                segments.append(segment)
        # Open loop: the same rounds, each path for a share of the time, pooled per path.
        parts: dict[str, list[Segment]] = {path: [] for path in PATHS}
        for round_no in range(1, rounds + 1):
            for path in rotated(PATHS, round_no):
                parts[path].append(
                    offer(path, cast, rate=rate, seconds=open_seconds / rounds, **run)
                )
        for path in PATHS:
            segment = merge(parts[path])
            log_segment(segment, log)
            segments.append(segment)
        if hot:
            for variant, n in (("random students", 1), ("one student", clients)):
                result = pgbench(variant, n, pg_seconds, pg_fx)
                log_pgbench(result, log)
                pgbench_results.append(result)
        if side is not None:
            config["worker"] = {
                "command": worker,
                "cpu_s": round(tree_cpu(side.pid) - side_cpu, 3),
            }
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=60)
        if side is not None:
            side.terminate()
            side.wait(timeout=60)
        sessions.sign_out(cast.keys.values())
    return {
        "config": config,
        "segments": [s.as_dict() for s in segments],
        "pgbench": [r.as_dict() for r in pgbench_results],
        **({"worker": config["worker"]} if "worker" in config else {}),
    }


def rotated(steps: tuple[str, ...], round_no: int) -> tuple[str, ...]:
    """Round 1 in order, round 2 starting from the second step, and so on: no step always
    follows the same one (autovacuum after pgbench, a warm cache after the bare view...)."""
    shift = (round_no - 1) % len(steps)
    return steps[shift:] + steps[:shift]


def merge(parts: list[Segment]) -> Segment:
    """One open-loop figure per path from its rounds: every latency and lock time pooled."""
    first = parts[0]
    db = [p.db_cpu_s for p in parts]
    return Segment(
        first.path,
        first.variant,
        first.mode,
        0,
        first.clients,
        first.rate,
        sum(p.seconds for p in parts),
        sum(p.ok for p in parts),
        [ms for p in parts for ms in p.latencies_ms],
        sum((p.refused for p in parts), Counter()),
        sum((p.errors for p in parts), Counter()),
        sum(p.worker_cpu_s for p in parts),
        None if None in db else sum(db),
        [ms for p in parts for ms in p.holds_ms],
        [ms for p in parts for ms in p.waits_ms],
        sum(p.unlocked for p in parts),
        sum(p.rows for p in parts),
        lags_ms=[ms for p in parts for ms in p.lags_ms],
        exhausted=sum(p.exhausted for p in parts),
        resent=sum(p.resent for p in parts),
    )
