"""Dashboard statistics: figures with their trend against the previous period, and the series
behind the dashboard charts. Periods and chart buckets are in the portal's time zone
(settings.TIME_ZONE). Each function is a fixed number of grouped queries: the cost depends on
how many entries fall in the period, never on how many students or pages there are."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db import connection, models
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Trunc
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from portal.cache import shared_key
from portal.models import CheckIn, Event, Redemption, StudentProfile, Transaction, User

from .events import checkin_count
from .periods import Period, local_midnight, period_start
from .reports import ISSUED  # points issued: positive merit entries, not reversals

# --- figures with trends ---------------------------------------------------------------------

# Everyone's figures (the admin dashboard) are shared by every admin for a minute: a week's
# distinct students are counted over two weeks of merit entries, 10 ms at 50,000 students and
# more for a term, on every load (issue 17). They are a trend, not a balance: nothing redraws
# them after an award either.
ALL_TRENDS_KEY = shared_key("trends:all")
ALL_TRENDS_SECONDS = 60


class TrendPeriod(models.TextChoices):
    WEEK = Period.WEEK.value, _("This week")
    MONTH = Period.MONTH.value, _("This month")
    TERM = Period.TERM.value, _("This term")


@dataclass(frozen=True)
class Window:
    """The current period so far, and the same stretch of the period before it: on a Wednesday
    noon, this week so far is compared with last week up to Wednesday noon, so a period that
    has only just begun is not compared with a whole one."""

    period: str
    start: datetime
    end: datetime
    previous_start: datetime
    previous_end: datetime


def trend_window(period: str, now: datetime | None = None) -> Window:
    now = timezone.localtime(now)
    start = period_start(period, now)
    # The period that contains the instant just before this one began, in local time.
    previous_start = period_start(period, start - timedelta(microseconds=1))
    previous_end = min(previous_start + (now - start), start)
    return Window(period, start, now, previous_start, previous_end)


@dataclass(frozen=True)
class Trend:
    label: str
    value: int
    previous: int

    @property
    def change_percent(self) -> float | None:
        """The change against the previous period in percent; None when there is nothing to
        compare with (the previous period had zero)."""
        if self.previous == 0:
            return None
        return round((self.value - self.previous) * 100 / abs(self.previous), 1)

    @property
    def direction(self) -> str:
        if self.value > self.previous:
            return "up"
        if self.value < self.previous:
            return "down"
        return "flat"


def get_trends(period: str, *, organiser: User | None = None, now: datetime | None = None):
    """Points issued, active students, redemptions and check-ins in this period against the
    previous one. With `organiser` (the faculty dashboard), points and students are the ones
    they awarded (including check-ins they entered by hand) and check-ins the ones at their
    events. Redemptions are the ones students made, whatever became of them. One query, in a
    statement composed once per process (`_trends_sql`); everyone's figures for the current
    moment come from the cache while they are less than a minute old."""
    w = trend_window(period, now)
    if organiser is None and now is None:
        # Everyone's figures at this moment: shared for a minute (`ALL_TRENDS_SECONDS`).
        key = f"{ALL_TRENDS_KEY}:{period}:{w.start.isoformat()}"
        counts = cache.get_or_set(key, lambda: _trend_counts(w, None), ALL_TRENDS_SECONDS)
    else:
        counts = _trend_counts(w, organiser)
    issued, issued_before, students, students_before, *counts = counts
    redemptions, redemptions_before, checkins, checkins_before = counts
    if organiser is None:
        issued_label, students_label = _("Points issued"), _("Active students")
        checkins_label, redemptions_label = _("Check-ins"), _("Redemptions")
    else:
        issued_label, students_label = _("Points you awarded"), _("Students you awarded")
        checkins_label = _("Check-ins at your events")
        redemptions_label = _("Redemptions (all students)")
    return [
        Trend(issued_label, issued, issued_before),
        Trend(students_label, students, students_before),
        Trend(redemptions_label, redemptions, redemptions_before),
        Trend(checkins_label, checkins, checkins_before),
    ]


def _trend_counts(w: Window, organiser: User | None) -> list[int]:
    """The eight figures behind `get_trends`, each window's in turn, in one query."""
    at = connection.ops.adapt_datetimefield_value  # naive UTC text on SQLite
    params = {
        "start": at(w.start),
        "end": at(w.end),
        "previous_start": at(w.previous_start),
        "previous_end": at(w.previous_end),
        "organiser": organiser.pk if organiser is not None else None,
    }
    sql, rule_params = _trends_sql(connection.vendor, organiser is not None)
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, **rule_params})
        return list(cursor.fetchone())


@functools.cache
def _trends_sql(vendor: str, for_organiser: bool) -> tuple[str, dict[str, object]]:
    """`get_trends`' statement, written out, with the values of the rules it takes from the
    models: three one-row aggregates side by side, each over both windows (`span`, on the
    table's created_at index; for the ledger, the merit index tx_merit_recent_idx, which holds
    every column "issued" reads, migration 0036) and split by FILTER. Composing the two ORM
    aggregates it replaces cost 3 ms of CPU on every staff dashboard (issue 17). Points issued are
    `reports.ISSUED` and check-ins `standing()`, compiled here once from those very
    definitions; a prize handed over is not a redemption anyone chose (left out in the count,
    not the WHERE: SQLite reads "prize IS NULL" as a one-row lookup on the prize's unique
    index and walks every redemption). tests/dashboards/test_stats.py checks the figures of
    every window."""
    quote = connection.ops.quote_name
    entries = quote(Transaction._meta.db_table)
    redemptions = quote(Redemption._meta.db_table)
    checkins, events = quote(CheckIn._meta.db_table), quote(Event._meta.db_table)
    issued, issued_params = _condition(Transaction.objects.filter(ISSUED), "issued")
    standing, standing_params = _condition(CheckIn.objects.standing(), "standing")
    now = "{t}.created_at >= %(start)s AND {t}.created_at < %(end)s"
    before = "{t}.created_at >= %(previous_start)s AND {t}.created_at < %(previous_end)s"
    span = "{t}.created_at >= %(previous_start)s AND {t}.created_at < %(end)s"

    def both(aggregate: str, t: str, only: str = "") -> str:
        """`aggregate` ("COUNT(*)", with `{filter}` after its call) in the current window, then
        in the previous one."""
        return ", ".join(
            aggregate.format(filter=f"FILTER (WHERE {window.format(t=t)}{only})")
            for window in (now, before)
        )

    by_actor = f" AND {entries}.actor_id = %(organiser)s" if for_organiser else ""
    at_events = f" INNER JOIN {events} ev ON ev.id = {checkins}.event_id" if for_organiser else ""
    by_organiser = " AND ev.organiser_id = %(organiser)s" if for_organiser else ""
    sql = (
        "SELECT i.*, r.*, c.* FROM "  # noqa: S608 (names from the models)
        f"(SELECT {both(f'COALESCE(SUM({entries}.amount) {{filter}}, 0)', entries)}, "
        f"{both(f'COUNT(DISTINCT {entries}.student_id) {{filter}}', entries)} FROM {entries} "
        f"WHERE {span.format(t=entries)} AND {issued}{by_actor}) i, "
        f"(SELECT {both('COUNT(*) {filter}', 'r', ' AND r.prize_id IS NULL')} FROM {redemptions} r "
        f"WHERE {span.format(t='r')}) r, "
        f"(SELECT {both('COUNT(*) {filter}', checkins)} FROM {checkins}{at_events} "
        f"WHERE {standing} AND {span.format(t=checkins)}{by_organiser}) c"
    )
    return sql, {**issued_params, **standing_params}


def _condition(queryset: QuerySet, name: str) -> tuple[str, dict[str, object]]:
    """The WHERE of `queryset` as SQL on its table's own name, with named placeholders
    (`<name>_0`, ...) and their values."""
    query = queryset.query
    sql, params = query.where.as_sql(query.get_compiler(connection=connection), connection)
    keys = [f"{name}_{i}" for i in range(len(params))]
    return sql % tuple(f"%({key})s" for key in keys), dict(zip(keys, params, strict=True))


# --- charts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    label: str
    values: list[int]


@dataclass
class Chart:
    """What a chart shows, drawn by Chart.js from `config` and read as a table by anyone who
    cannot see the canvas (`rows`)."""

    id: str
    title: str
    kind: str  # "bar" or "line"
    labels: list[str]
    series: list[Series] = field(default_factory=list)
    stacked: bool = False
    horizontal: bool = False  # long labels (event names) read better down the side
    unit: str = ""

    @property
    def data_id(self) -> str:
        return f"{self.id}-data"

    @property
    def tall(self) -> bool:
        """Bars down the side with two-line labels need more room than the usual height."""
        return self.horizontal and len(self.labels) > 5

    @property
    def is_empty(self) -> bool:
        return not any(any(s.values) for s in self.series)

    @property
    def rows(self) -> list[tuple[str, list[int], int]]:
        """One row per label: the label, each series' value, and their total."""
        rows = []
        for i, label in enumerate(self.labels):
            values = [s.values[i] for s in self.series]
            rows.append((label, values, sum(values)))
        return rows

    @property
    def config(self) -> dict:
        return {
            "kind": self.kind,
            "stacked": self.stacked,
            "horizontal": self.horizontal,
            "unit": self.unit,
            "labels": self.labels,
            "series": [{"label": s.label, "values": s.values} for s in self.series],
        }


class Granularity(models.TextChoices):
    DAY = "day", _("Daily")
    WEEK = "week", _("Weekly")
    MONTH = "month", _("Monthly")


# How many buckets each granularity shows, ending with the current one.
BUCKETS = {Granularity.DAY: 30, Granularity.WEEK: 12, Granularity.MONTH: 12}


def _bucket_starts(granularity: str, count: int, now: datetime) -> list[date]:
    today = timezone.localtime(now).date()
    if granularity == Granularity.DAY:
        return [today - timedelta(days=i) for i in reversed(range(count))]
    if granularity == Granularity.WEEK:
        monday = today - timedelta(days=today.weekday())
        return [monday - timedelta(weeks=i) for i in reversed(range(count))]
    starts, month = [], today.replace(day=1)
    for _i in range(count):
        starts.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    return list(reversed(starts))


def _bucket_label(granularity: str, start: date) -> str:
    if granularity == Granularity.MONTH:
        return date_format(start, "M Y")
    return date_format(start, "j M")


def _grouped(queryset, granularity: str, starts: list[date], *extra: str):
    """Rows of `queryset` grouped by local-time bucket (and `extra` fields), with `total`."""
    return (
        queryset.filter(created_at__gte=local_midnight(starts[0]))
        .annotate(bucket=Trunc("created_at", granularity, tzinfo=timezone.get_current_timezone()))
        .values("bucket", *extra)
        .order_by()
    )


def _bucket_of(value: datetime | date) -> date:
    return timezone.localtime(value).date() if isinstance(value, datetime) else value


def student_points_chart(
    profile: StudentProfile, granularity: str = Granularity.WEEK, now: datetime | None = None
) -> Chart:
    """Merit points the student earned per day, week or month (net of deductions). One query."""
    if granularity not in BUCKETS:
        granularity = Granularity.WEEK
    now = now or timezone.now()
    starts = _bucket_starts(granularity, BUCKETS[granularity], now)
    totals = {
        _bucket_of(row["bucket"]): row["total"]
        for row in _grouped(
            Transaction.objects.filter(student=profile, counts_for_lifetime=True),
            granularity,
            starts,
        ).annotate(total=Sum("amount"))
    }
    return Chart(
        id="points-chart-canvas",
        title=str(_("Points earned")),
        kind="bar",
        labels=[_bucket_label(granularity, s) for s in starts],
        series=[Series(str(_("Points")), [totals.get(s, 0) for s in starts])],
        unit=str(_("points")),
    )


def points_by_category_chart(weeks: int = 12, now: datetime | None = None) -> Chart:
    """Points issued per week by category over the last `weeks` weeks, stacked. One query."""
    now = now or timezone.now()
    starts = _bucket_starts(Granularity.WEEK, weeks, now)
    rows = (
        _grouped(Transaction.objects.filter(ISSUED), Granularity.WEEK, starts, "category__name")
        .annotate(total=Sum("amount"))
        .order_by("category__name")
    )
    by_category: dict[str, dict[date, int]] = {}
    for row in rows:
        name = row["category__name"] or str(_("No category"))
        by_category.setdefault(name, {})[_bucket_of(row["bucket"])] = row["total"]
    return Chart(
        id="category-chart-canvas",
        title=str(_("Points issued per week by category")),
        kind="bar",
        labels=[_bucket_label(Granularity.WEEK, s) for s in starts],
        series=[
            Series(name, [weekly.get(s, 0) for s in starts])
            for name, weekly in sorted(
                by_category.items(),
                # Biggest first; ties by name, the same on every database.
                key=lambda kv: (-sum(kv[1].values()), kv[0] == str(_("No category")), kv[0]),
            )
        ],
        stacked=True,
        unit=str(_("points")),
    )


def redemptions_chart(weeks: int = 12, now: datetime | None = None) -> Chart:
    """Redemptions made per week (prizes handed over not counted). One query."""
    now = now or timezone.now()
    starts = _bucket_starts(Granularity.WEEK, weeks, now)
    counts = {
        _bucket_of(row["bucket"]): row["total"]
        for row in _grouped(
            Redemption.objects.filter(prize__isnull=True), Granularity.WEEK, starts
        ).annotate(total=Count("id"))
    }
    return Chart(
        id="redemptions-chart-canvas",
        title=str(_("Redemptions per week")),
        kind="line",
        labels=[_bucket_label(Granularity.WEEK, s) for s in starts],
        series=[Series(str(_("Redemptions")), [counts.get(s, 0) for s in starts])],
        unit=str(_("redemptions")),
    )


def checkins_chart(
    *, organiser: User | None = None, limit: int = 10, now: datetime | None = None
) -> Chart:
    """Check-ins at the last `limit` events that have started (an organiser's own, or all),
    latest first (the top bar). One query."""
    events = Event.objects.filter(starts_at__lte=now or timezone.now()).exclude(
        status=Event.Status.DRAFT
    )
    if organiser is not None:
        events = events.filter(organiser=organiser)
    latest = list(events.annotate(attended=checkin_count()).order_by("-starts_at", "-id")[:limit])
    return Chart(
        id="checkins-chart-canvas",
        title=str(_("Check-ins per event")),
        kind="bar",
        labels=[
            f"{e.title} ({date_format(timezone.localtime(e.starts_at), 'd M')})" for e in latest
        ],
        series=[Series(str(_("Check-ins")), [e.attended for e in latest])],
        horizontal=True,
        unit=str(_("check-ins")),
    )
