"""Throughput of the award, redeem and check-in services under concurrent threads (each with its
own database connection), and pgbench running the same ledger write in raw SQL for reference.
PostgreSQL only: SQLite serialises every writer, so there is nothing to compare."""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from glob import glob
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from portal.exceptions import PortalError
from portal.models import Category, Event, Reward, Role, StudentProfile, Transaction, User
from portal.services.events import current_code

from .dbcpu import DbCpu
from .pages import percentile

BENCH_DIR = Path(__file__).resolve().parent
PGBENCH_SCRIPT = BENCH_DIR / "pgbench_award.sql"


@dataclass
class LoadResult:
    service: str
    variant: str
    threads: int
    seconds: float
    ok: int
    latencies_ms: list[float] = field(default_factory=list)
    refused: Counter = field(default_factory=Counter)  # PortalError codes
    errors: Counter = field(default_factory=Counter)  # anything else (deadlocks would be here)

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        lat = self.latencies_ms or [0.0]
        return {
            "service": self.service,
            "variant": self.variant,
            "threads": self.threads,
            "seconds": round(self.seconds, 2),
            "ok": self.ok,
            "per_second": round(self.per_second, 1),
            "p50_ms": round(percentile(lat, 50), 2),
            "p99_ms": round(percentile(lat, 99), 2),
            "refused": dict(self.refused),
            "errors": dict(self.errors),
        }


# An operation gets the worker's index and its random generator and returns nothing; it raises
# PortalError when the service refuses, StopIteration when the worker has no work left.
Operation = Callable[[int, random.Random], None]


def run_threads(service: str, variant: str, threads: int, seconds: float, op: Operation):
    """Start `threads` workers together; each calls `op` until time is up."""
    barrier = threading.Barrier(threads + 1)
    lock = threading.Lock()
    result = LoadResult(service, variant, threads, seconds, 0)
    stop_at = [0.0]

    def worker(index: int) -> None:
        rng = random.Random(index)
        latencies, ok = [], 0
        refused: Counter = Counter()
        errors: Counter = Counter()
        barrier.wait()
        try:
            while time.perf_counter() < stop_at[0]:
                begin = time.perf_counter()
                try:
                    op(index, rng)
                except StopIteration:
                    break
                except PortalError as exc:
                    refused[exc.code] += 1
                    continue
                except Exception as exc:
                    errors[type(exc).__name__ + ": " + str(exc).splitlines()[0][:80]] += 1
                    continue
                latencies.append((time.perf_counter() - begin) * 1000)
                ok += 1
        finally:
            connection.close()
            with lock:
                result.ok += ok
                result.latencies_ms += latencies
                result.refused.update(refused)
                result.errors.update(errors)

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    start = time.perf_counter()
    stop_at[0] = start + seconds
    barrier.wait()
    for w in workers:
        w.join()
    result.seconds = time.perf_counter() - start
    return result


@dataclass
class Fixtures:
    faculty: User
    category: Category
    students: list[StudentProfile]  # active, with their users, a fair sample
    rich: StudentProfile  # the student with the highest balance, for the hot variants
    rewards: list[Reward]  # cost 1, unlimited, no per-student limit
    stocked: Reward  # cost 1 with a (large) stock: every redemption updates its row


def prepare(sample: int = 5000) -> Fixtures:
    """The actors, a sample of students, and the bench's own rewards (created once, kept)."""
    faculty = User.objects.filter(role=Role.FACULTY, is_active=True).order_by("id").first()
    category = (
        Category.objects.filter(is_active=True, yearly_cap__isnull=True)
        .order_by("min_points", "id")
        .first()
    )
    students = list(
        StudentProfile.objects.filter(user__role=Role.STUDENT, user__is_active=True)
        .select_related("user")
        .order_by("?")[:sample]
    )
    rich = (
        StudentProfile.objects.filter(user__role=Role.STUDENT, user__is_active=True)
        .select_related("user")
        .order_by("-balance", "id")
        .first()
    )
    rewards = []
    for i in range(16):
        reward, _ = Reward.objects.get_or_create(
            name=f"Bench voucher {i + 1}", defaults={"cost": 1, "description": "bench/run.py"}
        )
        rewards.append(reward)
    stocked, _ = Reward.objects.get_or_create(
        name="Bench stocked voucher", defaults={"cost": 1, "stock": 10_000_000}
    )
    return Fixtures(faculty, category, students, rich, rewards, stocked)


def bench_events(fx: Fixtures, count: int) -> list[Event]:
    """Fresh events open for check-in now, so every (event, student) pair is new."""
    now = timezone.now()
    return [
        Event.objects.create(
            title=f"Bench event {uuid.uuid4().hex[:8]}",
            location="bench",
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=1),
            organiser=fx.faculty,
            category=fx.category,
            attendance_points=1,
            status=Event.Status.PUBLISHED,
        )
        for _ in range(count)
    ]


def award_op(fx: Fixtures, *, hot: bool) -> Operation:
    # Services are imported where they are called: the HTTP benchmark imports this module and
    # must not depend on the services' names (it reaches them through the portal's URLs).
    from portal.services.ledger import award_points

    def op(index: int, rng: random.Random) -> None:
        student = fx.rich if hot else rng.choice(fx.students)
        award_points(
            actor=fx.faculty,
            student_id=student.pk,
            category_id=fx.category.pk,
            amount=fx.category.min_points,
            reason="Benchmark award",
            idempotency_key=uuid.uuid4().hex,
        )

    return op


def redeem_op(fx: Fixtures, *, variant: str) -> Operation:
    # Students who can afford a few vouchers: a refusal for lack of points is not the
    # throughput being measured.
    spenders = [s for s in fx.students if s.balance >= 50] or [fx.rich]
    from portal.services.rewards import redeem_reward

    def op(index: int, rng: random.Random) -> None:
        student = fx.rich if variant == "one student" else rng.choice(spenders)
        reward = fx.stocked if variant == "one reward" else rng.choice(fx.rewards)
        redeem_reward(actor=student.user, reward_id=reward.pk, idempotency_key=uuid.uuid4().hex)

    return op


def checkin_pairs(
    fx: Fixtures, events: list[Event], threads: int
) -> list[list[tuple[Event, StudentProfile]]]:
    """(event, student) pairs per worker. Workers take disjoint slices of the students, so no
    pair is ever tried twice; with one event a worker stops when its slice is used up."""
    queues = []
    for index in range(threads):
        mine = fx.students[index::threads]
        pairs = [(event, s) for s in mine for event in events]
        random.Random(index).shuffle(pairs)
        queues.append(pairs)
    return queues


def checkin_op(fx: Fixtures, events: list[Event], threads: int) -> Operation:
    queues = checkin_pairs(fx, events, threads)
    from portal.services.events import check_in

    def op(index: int, rng: random.Random) -> None:
        if not queues[index]:
            raise StopIteration
        event, student = queues[index].pop()
        check_in(actor=student.user, event_id=event.pk, code=current_code(event))

    return op


def service_load(seconds: float, thread_counts: tuple[int, ...], log=print) -> list[LoadResult]:
    fx = prepare()
    results = []
    plans: list[tuple[str, str, Callable[[int], Operation]]] = [
        ("award", "random students", lambda n: award_op(fx, hot=False)),
        ("award", "one student", lambda n: award_op(fx, hot=True)),
        ("redeem", "random students", lambda n: redeem_op(fx, variant="random")),
        ("redeem", "one reward", lambda n: redeem_op(fx, variant="one reward")),
        ("redeem", "one student", lambda n: redeem_op(fx, variant="one student")),
        ("check-in", "random students", lambda n: checkin_op(fx, bench_events(fx, 32), n)),
        ("check-in", "one event", lambda n: checkin_op(fx, bench_events(fx, 1), n)),
    ]
    for service, variant, make in plans:
        for threads in thread_counts:
            if variant != "random students" and threads == 1:
                continue  # one thread has nobody to contend with: same as the random run
            result = run_threads(service, variant, threads, seconds, make(threads))
            d = result.as_dict()
            log(
                f"  {service:<9} {variant:<16} {threads:>2} threads: {d['per_second']:8.1f}/s "
                f"p50 {d['p50_ms']:6.1f} ms p99 {d['p99_ms']:7.1f} ms "
                f"refused {sum(result.refused.values())} errors {sum(result.errors.values())}"
            )
            results.append(result)
    return results


# --- pgbench ------------------------------------------------------------------------------------


def pgbench_path() -> str | None:
    found = shutil.which("pgbench") or sorted(glob("/usr/lib/postgresql/*/bin/pgbench"))
    if isinstance(found, list):
        return found[-1] if found else None
    return found


@dataclass
class PgbenchResult:
    variant: str
    clients: int
    tps: float
    latency_ms: float
    failed: int
    seconds: int = 0
    round: int = 0  # 0: outside the interleaved rounds
    # Mean per-statement latency from `pgbench -r` after the row lock is taken, up to and with
    # the COMMIT that releases it: how long the profile row stays locked, on average.
    lock_hold_ms: float | None = None
    statements: list[tuple[float, str]] = field(default_factory=list)
    db_cpu_ms: float | None = None  # PostgreSQL CPU per transaction (see DbCpu)

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def statement_latencies(out: str) -> list[tuple[float, str]]:
    """`pgbench -r`'s per-command mean latencies (ms) with each command's first line."""
    rows, reading = [], False
    for line in out.splitlines():
        if line.startswith("statement latencies in milliseconds"):
            reading = True
            continue
        if reading:
            match = re.match(r"\s+([\d.]+)\s+(?:\d+\s+)?(\S.*)$", line)
            if not match:
                break
            rows.append((float(match.group(1)), match.group(2)))
    return rows


def lock_hold(statements: list[tuple[float, str]]) -> float | None:
    """From the statement after the one that takes the row lock to the COMMIT (END)."""
    for i, (_ms, command) in enumerate(statements):
        if "FOR UPDATE" in command.upper():
            return sum(ms for ms, _command in statements[i + 1 :])
    return None


def pgbench(
    variant: str, clients: int, seconds: int, fx: Fixtures, *, round_no: int = 0
) -> PgbenchResult:
    """The raw transaction the services wrap: lock the profile, insert the entry, update the
    balance (see pgbench_award.sql). It writes real, consistent ledger rows.

    PostgreSQL's CPU per transaction is read from pgbench's own backends twice while it runs
    (at a quarter and at nine tenths of the time), against the ledger ids written in between:
    connection setup and the ramp at both ends stay out."""
    db = settings.DATABASES["default"]
    ids = sorted(s.pk for s in fx.students)
    if variant == "one student":
        low = high = fx.rich.pk
    else:
        low, high = ids[0], ids[-1]
        if StudentProfile.objects.filter(pk__range=(low, high)).count() != high - low + 1:
            raise SystemExit("pgbench needs contiguous student ids (generate with --reset).")
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or "", "PGAPPNAME": "pgbench"}
    command = [
        pgbench_path() or "pgbench",
        "-n",
        "-r",
        f"-c{clients}",
        f"-j{min(clients, os.cpu_count() or 2)}",
        f"-T{seconds}",
        "-f",
        str(PGBENCH_SCRIPT),
        "-D",
        f"min_sid={low}",
        "-D",
        f"max_sid={high}",
        "-D",
        f"cat={fx.category.pk}",
        "-D",
        f"actor={fx.faculty.pk}",
        "-D",
        f"points={fx.category.min_points}",
        "-h",
        db.get("HOST") or "127.0.0.1",
        "-p",
        str(db.get("PORT") or 5432),
        "-U",
        db.get("USER") or "postgres",
        db["NAME"],
    ]
    meter = DbCpu(application_name="pgbench")
    process = subprocess.Popen(  # noqa: S603
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    started = time.perf_counter()
    db_cpu_ms = None
    if meter.enabled:
        time.sleep(seconds * 0.25)
        first_id = last_ledger_id()
        meter.start()
        time.sleep(max(0.0, started + seconds * 0.9 - time.perf_counter()))
        cpu = meter.stop()
        written = last_ledger_id() - first_id
        db_cpu_ms = cpu * 1000 / written if cpu is not None and written > 0 else None
    out, err = process.communicate()
    if process.returncode:
        raise SystemExit(f"pgbench failed ({process.returncode}): {err.strip()[-500:]}")
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
    latency = re.search(r"latency average = ([\d.]+) ms", out)
    failed = re.search(r"number of failed transactions: (\d+)", out)
    statements = statement_latencies(out)
    return PgbenchResult(
        variant,
        clients,
        tps,
        float(latency.group(1)) if latency else 0.0,
        int(failed.group(1)) if failed else 0,
        seconds=seconds,
        round=round_no,
        lock_hold_ms=lock_hold(statements),
        statements=statements,
        db_cpu_ms=db_cpu_ms,
    )


def last_ledger_id() -> int:
    return Transaction.objects.aggregate(last=Max("id"))["last"] or 0


def pgbench_fixtures() -> Fixtures:
    fx = prepare(sample=1)
    fx.students = list(
        StudentProfile.objects.filter(user__role=Role.STUDENT).only("pk").order_by("pk")
    )
    return fx


def pgbench_runs(seconds: int, log=print, fx: Fixtures | None = None) -> list[PgbenchResult]:
    fx = fx or pgbench_fixtures()
    results = []
    for variant, clients in (("random students", 1), ("random students", 16), ("one student", 16)):
        result = pgbench(variant, clients, seconds, fx)
        log_pgbench(result, log)
        results.append(result)
    return results


def log_pgbench(result: PgbenchResult, log=print) -> None:
    hold = f"{result.lock_hold_ms:.2f} ms" if result.lock_hold_ms is not None else "?"
    cpu = f"{result.db_cpu_ms:.2f} ms" if result.db_cpu_ms is not None else "n/a"
    log(
        f"  pgbench {result.variant:<16} {result.clients:>2} clients: {result.tps:9.1f} tps, "
        f"latency {result.latency_ms:.2f} ms, lock held {hold}, DB CPU/tx {cpu}, "
        f"failed {result.failed}"
    )
