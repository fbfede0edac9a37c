"""Server time and query count of every main page, per role, through Django's test client on
the current database (filled by `manage.py generate_scale_data`).

bench/run.py runs this with bench.settings, i.e. production's settings (DEBUG off, whitenoise's
manifest storage, the Redis cache, the 2FA requirement for admins): requests come as through
production's TLS proxy (`X-Forwarded-Proto: https`), with sessions signed in by
bench/sessions.py, admins' as having passed the second factor. The bare reference page
(bench/views.py: the base template and nothing else) is timed in the same run, before and
after the pages, for a student (every page is read as a multiple of it) and for each other
role."""

from __future__ import annotations

import gc
import math
import statistics
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from config.warmup import warm_up
from portal.models import (
    Category,
    Draw,
    Event,
    Role,
    StudentProfile,
    Transaction,
    User,
)

from .report import PAIRED_BLOCK, REFERENCE_ROLE


@dataclass(frozen=True)
class Page:
    name: str
    role: str  # student, faculty, admin or anonymous
    url: str
    htmx: bool = False
    reference: bool = False  # the bare reference page (bench/views.py)


@dataclass
class PageResult:
    page: Page
    status: int
    queries: int
    sql_ms: float  # summed query time of the counted request
    times_ms: list[float]
    slowest: list[tuple[float, str]] = field(default_factory=list)  # (ms, sql), slowest first
    # The student's reference page, timed in turns with this page (`measure_page`'s `paired`).
    paired_ref_ms: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        return percentile(self.times_ms, 95)

    def as_dict(self) -> dict:
        return {
            "name": self.page.name,
            "role": self.page.role,
            "url": self.page.url,
            "status": self.status,
            "reference": self.page.reference,
            "queries": self.queries,
            "sql_ms": round(self.sql_ms, 2),
            "median_ms": round(self.median, 2),
            "p95_ms": round(self.p95, 2),
            "runs": len(self.times_ms),
            "slowest": [(round(ms, 2), sql) for ms, sql in self.slowest],
        } | (
            {"paired_ref_ms": round(statistics.median(self.paired_ref_ms), 2)}
            if self.paired_ref_ms
            else {}
        )


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile: with 30 runs, p95 is the second slowest."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


@dataclass(frozen=True)
class Cast:
    student: User
    faculty: User
    admin: User


def pick_cast() -> Cast:
    """A typical student (median lifetime points, so outside every top list and on the slower
    "your own rank" path), the faculty member running an event now (or organising the most),
    and an admin."""
    students = StudentProfile.objects.filter(user__role=Role.STUDENT, user__is_active=True)
    total = students.count()
    if not total:
        raise SystemExit("No students: run `manage.py generate_scale_data` first.")
    middle = students.order_by("lifetime_points", "id").select_related("user")[total // 2]
    now = timezone.now()
    live = (
        Event.objects.filter(
            organiser__role=Role.FACULTY, starts_at__lte=now, ends_at__gt=now, status="published"
        )
        .select_related("organiser")
        .order_by("id")
        .first()
    )
    faculty = live.organiser if live else None
    faculty = faculty or (
        User.objects.filter(role=Role.FACULTY, is_active=True)
        .annotate(n=Count("events"))
        .order_by("-n", "id")
        .first()
    )
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("id").first()
    if faculty is None or admin is None:
        raise SystemExit("Needs at least one active faculty member and one admin.")
    return Cast(student=middle.user, faculty=faculty, admin=admin)


def main_pages(cast: Cast) -> list[Page]:
    """Every main page per role, with the filters people use, on the largest objects there are
    (the biggest event, the draw with the most entrants)."""
    profile = cast.student.student_profile
    now = timezone.localtime()
    month_ago = (now - timedelta(days=30)).date().isoformat()
    category = Category.objects.order_by("id").first()
    big_event = (
        Event.objects.filter(starts_at__lt=now)
        .annotate(n=Count("checkins"))
        .order_by("-n", "id")
        .first()
    )
    live_event = (
        Event.objects.filter(
            organiser=cast.faculty, starts_at__lte=now, ends_at__gt=now, status="published"
        )
        .order_by("id")
        .first()
    ) or big_event
    big_draw = Draw.objects.filter(status="drawn").order_by("-entrant_count", "id").first()
    open_draw = Draw.objects.filter(status="open").order_by("id").first()
    name_part = cast.student.name.split()[-1][:4]
    pages = [
        Page("Student dashboard", "student", "/"),
        Page("Faculty dashboard", "faculty", "/"),
        Page("Admin dashboard", "admin", "/"),
        Page("Leaderboard, all time", "student", "/leaderboard/"),
        Page("Leaderboard, this term", "student", "/leaderboard/?period=term"),
        Page("Leaderboard, this month", "student", "/leaderboard/?period=month"),
        Page("Leaderboard, this week", "student", "/leaderboard/?period=week"),
        Page(
            "Leaderboard, department, top 50",
            "student",
            f"/leaderboard/?department={profile.department_id}&top=50",
        ),
        Page(
            "Leaderboard, department, this term",
            "student",
            f"/leaderboard/?department={profile.department_id}&period=term",
        ),
        Page("Leaderboard, public", "anonymous", "/leaderboard/"),
        Page("History, own", "student", "/history/"),
        Page("History, own, by kind", "student", "/history/?kind=award&sort=-amount"),
        Page("History, all (staff)", "admin", "/history/"),
        Page(
            "History, by enrollment no.",
            "faculty",
            f"/history/?student={profile.enrollment_number}",
        ),
        Page("History, by name", "faculty", f"/history/?student={name_part}"),
        Page("History, by category", "admin", f"/history/?category={category.pk}"),
        Page("History, by kind", "admin", "/history/?kind=deduction"),
        Page("History, by actor", "admin", f"/history/?actor={cast.faculty.pk}"),
        Page(
            "History, date range",
            "admin",
            f"/history/?date_after={month_ago}&date_before={now.date().isoformat()}",
        ),
        Page("History, sorted by points", "admin", "/history/?sort=-amount"),
        Page("History, sorted by student", "admin", "/history/?sort=student"),
        Page("History, page 200", "admin", "/history/?page=200"),
        Page("Rewards catalogue", "student", "/rewards/"),
        Page(
            "Rewards, affordable, newest",
            "student",
            "/rewards/?affordable=on&in_stock=on&sort=newest",
        ),
        Page("Rewards catalogue (admin)", "admin", "/rewards/"),
        Page("My redemptions", "student", "/rewards/mine/"),
        Page("Redemption queue", "admin", "/staff/redemptions/"),
        Page("Redemption queue, all statuses", "admin", "/staff/redemptions/?status="),
        Page("Events, upcoming", "student", "/events/"),
        Page("Events, past", "student", "/events/?when=past"),
        Page("Events, upcoming (staff)", "faculty", "/events/"),
        Page("Event detail, largest", "student", f"/events/{big_event.pk}/"),
        Page("Event detail (organiser)", "faculty", f"/events/{live_event.pk}/"),
        Page("Check-in screen", "faculty", f"/events/{live_event.pk}/screen/"),
        Page(
            "Check-in screen, live part",
            "faculty",
            f"/events/{live_event.pk}/screen/",
            htmx=True,
        ),
        Page("Attendance, largest event", "admin", f"/events/{big_event.pk}/attendance/"),
        Page("Draws", "student", "/draws/"),
        Page("Draws (admin)", "admin", "/draws/"),
        Page("Reviews queue", "faculty", "/reviews/"),
        Page("Notifications", "student", "/notifications/"),
        Page("Award search as you type", "faculty", f"/award/students/?q={name_part}", True),
        Page("People (admin)", "admin", "/staff/people/"),
        Page("My claims", "student", "/claims/"),
        Page("Tasks", "student", "/tasks/"),
        Page("Tasks (admin)", "admin", "/tasks/"),
    ]
    if big_draw is not None:
        pages += [
            Page("Draw detail, largest", "student", f"/draws/{big_draw.pk}/"),
            Page("Draw verify, largest", "anonymous", f"/draws/{big_draw.pk}/verify/"),
            Page("Draw verify (entrant view)", "student", f"/draws/{big_draw.pk}/verify/"),
        ]
    if open_draw is not None:
        pages.append(Page("Draw detail, open", "student", f"/draws/{open_draw.pk}/"))
    return pages


REFERENCE_URL = "/_bench/bare/page/"
# What production's TLS proxy adds to every request (README, "Proxy and files"), and the
# encodings a browser accepts (so compressing a response, if the portal does, is measured).
PROXY = {
    "HTTP_X_FORWARDED_PROTO": "https",
    "HTTP_X_FORWARDED_FOR": "127.0.0.1",
    "HTTP_ACCEPT_ENCODING": "gzip, deflate, br, zstd",
}


def reference_pages(roles: list[str]) -> list[Page]:
    """The bare reference page for each role, where the URLconf mounts it (bench.settings)."""
    try:
        resolve(REFERENCE_URL)
    except Resolver404:
        return []
    return [Page("Reference: base template", role, REFERENCE_URL, reference=True) for role in roles]


def clients(cast: Cast) -> dict[str, Client]:
    from . import sessions

    users = {role: getattr(cast, role) for role in ("student", "faculty", "admin")}
    keys = sessions.sign_in(users.values())
    signed_in = {}
    for role, user in users.items():
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = keys[user.pk]
        signed_in[role] = client
    signed_in["anonymous"] = Client()
    return signed_in


def measure_page(
    client: Client,
    page: Page,
    *,
    runs: int,
    warmup: int = 2,
    budget_s: float = 20.0,
    paired: tuple[Client, Page] | None = None,
) -> PageResult:
    """Warm up, count the queries of one request (keeping the slowest three), then time
    `runs` requests (fewer if the page uses up `budget_s`, but at least five).

    With `paired` (a client and the reference page), the reference is timed as often, the two
    taking turns in blocks of `report.PAIRED_BLOCK`, so that the page's ratio divides by a reference
    measured in the same second or two. Each block starts with one untimed request: the first
    request after the other page's ran about 10% slower (the other page's objects and code in
    the caches), and counting it would flatter the ratio of every page."""
    headers = {**PROXY, "HTTP_HX_REQUEST": "true"} if page.htmx else PROXY
    for _ in range(warmup):
        client.get(page.url, **headers)
        if paired:
            paired[0].get(paired[1].url, **PROXY)
    timed: list[tuple[float, str]] = []

    def timer(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took = (time.perf_counter() - started) * 1000
            # The SQL with its parameters in, as Django's query log shows it (a prepared
            # statement's is not kept by psycopg: composed here as Django would).
            ops = context["connection"].ops
            shown = ops.last_executed_query(context["cursor"], sql, params)
            if shown is None:
                shown = ops.compose_sql(sql, params) if hasattr(ops, "compose_sql") else sql
            timed.append((took, shown))

    # Timed here rather than from Django's query log, which rounds to whole milliseconds.
    with connection.execute_wrapper(timer):
        response = client.get(page.url, **headers)
    slowest = sorted(timed, key=lambda t: t[0], reverse=True)[:3]

    def time_block(a_client: Client, url: str, count: int, into: list[float], **extra) -> None:
        for _ in range(count):
            begin = time.perf_counter()
            a_client.get(url, **extra)
            into.append((time.perf_counter() - begin) * 1000)

    times: list[float] = []
    paired_times: list[float] = []
    block = PAIRED_BLOCK if paired else 1
    gc.collect()
    started = time.perf_counter()
    while len(times) < runs:
        count = min(block, runs - len(times))
        if paired:
            ref_client, ref_page = paired
            ref_client.get(ref_page.url, **PROXY)
            time_block(ref_client, ref_page.url, count, paired_times, **PROXY)
            client.get(page.url, **headers)
        time_block(client, page.url, count, times, **headers)
        if len(times) >= 5 and time.perf_counter() - started > budget_s:
            break
    return PageResult(
        page=page,
        status=response.status_code,
        queries=len(timed),
        sql_ms=sum(ms for ms, _sql in timed),
        times_ms=times,
        slowest=slowest,
        paired_ref_ms=paired_times,
    )


def measure_pages(
    cast: Cast,
    pages: list[Page],
    *,
    runs: int,
    warmup: int = 2,
    budget_s: float = 20.0,
    log=print,
) -> list[PageResult]:
    """Every page in turn, each taking turns with the student's reference page
    (`report.REFERENCE_ROLE`; every page's ratio divides by that one: a reference timed minutes
    earlier moved by a third between runs on this host, and the verdicts with it). First and
    last, the reference page for each role among the pages, shown as the frame each role's
    pages start from (its two halves pooled)."""
    # Production serves pages from gunicorn workers forked from a master that warmed up and
    # froze its objects (config/wsgi.py); this process is made the same before it times them.
    warm_up()
    gc.freeze()
    by_role = clients(cast)
    roles = list(dict.fromkeys(["student", *(p.role for p in pages)]))
    references = reference_pages(roles)
    before = [measure_page(by_role[p.role], p, runs=runs, warmup=warmup) for p in references]
    results = []
    divisor = next((p for p in references if p.role == REFERENCE_ROLE), None)
    paired = (by_role[REFERENCE_ROLE], divisor) if divisor else None
    for page in pages:
        result = measure_page(
            by_role[page.role], page, runs=runs, warmup=warmup, budget_s=budget_s, paired=paired
        )
        log_page(result, log)
        results.append(result)
    pooled = []
    for first in before:
        again = measure_page(by_role[first.page.role], first.page, runs=runs, warmup=warmup)
        first.times_ms += again.times_ms
        log_page(first, log)
        pooled.append(first)
    return pooled + results


def log_page(result: PageResult, log=print) -> None:
    page = result.page
    log(
        f"  {page.name:<38} {page.role:<9} {result.status} {result.queries:>3} q "
        f"median {result.median:7.1f} ms  p95 {result.p95:7.1f} ms"
    )


def ledger_size() -> tuple[int, int]:
    return StudentProfile.objects.count(), Transaction.objects.count()
