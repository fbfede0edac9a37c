"""Reads over the ledger: a student's standing, history, leaderboards, staff figures.
Each returns what a page needs in a fixed number of queries, whatever the data size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.core.cache import cache as shared_cache
from django.db import connection
from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy

from portal.cache import shared_key
from portal.models import Department, PeriodPoints, Role, StudentProfile, Transaction, User
from portal.models.ledger import TransactionQuerySet
from portal.permissions import is_student, sees_everyones_history
from portal.prepared import ComposedOnce, Prepared, prepared_read

from .accounts import own_profile_with_department
from .periods import Period, period_start

ANONYMOUS_NAME = gettext_lazy("Anonymous student")


def ranked_students() -> QuerySet[StudentProfile]:
    """Profiles that appear on leaderboards: active students. Written as "every profile but
    the few unranked ones" so the top N walks the rank indexes: filtering on the users made
    SQLite start from all 50,000 student users and sort them (150 ms at 50k)."""
    return StudentProfile.objects.exclude(pk__in=unranked_students().values("pk"))


def unranked_students() -> QuerySet[StudentProfile]:
    """Profiles that do not appear on leaderboards: the user was deactivated or is no longer a
    student. Few, and found through the partial index portal_user_unranked_idx (migration
    0006), so excluding them is cheaper than joining every profile to its user."""
    return StudentProfile.objects.exclude(user__is_active=True, user__role=Role.STUDENT)


class CountOf(Subquery):
    """COUNT(*) of a queryset as a scalar subquery."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) counted)"
    output_field = IntegerField()


def ranked_counts(**conditions: Q) -> dict[str, int]:
    """How many ranked students match each condition (on profile fields), in one query: all
    profiles matching it, counted on the rank indexes without touching the users, minus the
    unranked ones, counted over the few unranked profiles. Joining 50,000 profiles to their
    users to check the role took ~80 ms; this takes a few."""
    return unranked_students().aggregate(
        **{
            name: CountOf(StudentProfile.objects.filter(condition).order_by().values("pk"))
            - Count("pk", filter=condition or None)
            for name, condition in conditions.items()
        }
    )


@dataclass(frozen=True)
class Standing:
    balance: int
    lifetime_points: int
    rank: int
    of: int
    department_rank: int | None
    department_of: int | None


# How many students are ranked (overall and per department: "of 50,000"), shared for a
# minute: counting them read every profile's index entry, half the student dashboard's SQL at
# 50,000 students (issue 17), and they change when students join, leave or graduate. The
# rank itself, the students above, is counted on every call.
RANKED_TOTALS_KEY = shared_key("ranked:total")
RANKED_TOTALS_SECONDS = 60


def get_standing(profile: StudentProfile) -> Standing:
    """Balance, lifetime points and competition rank (ties share a rank) overall and in the
    department, in one query of index range counts: what `ranked_counts` counts for the four
    conditions, in a statement composed once per process (`_standing_sql`). The totals come
    from the cache while they are less than a minute old (`RANKED_TOTALS_SECONDS`), and the
    statement then counts only the students above."""
    has_dept = profile.department_id is not None
    points, dept = profile.lifetime_points, profile.department_id
    dept_key = f"{RANKED_TOTALS_KEY}:{dept}"
    keys = [RANKED_TOTALS_KEY, dept_key] if has_dept else [RANKED_TOTALS_KEY]
    cached = shared_cache.get_many(keys)
    with_totals = len(cached) < len(keys)
    # Each count's parameters: those of its subquery, then of its FILTER (`_standing_sql`).
    params = [points, points]
    if has_dept:
        params += [points, dept, points, dept] + ([dept, dept] if with_totals else [])
    with prepared_read() as execute:  # planned once per connection on PostgreSQL
        row = execute(_standing_sql(connection.vendor, has_dept, with_totals), params).fetchone()
    if with_totals:
        higher, total, dept_higher, dept_total = (*row, None, None)[:4]  # None: no department
        counted = {RANKED_TOTALS_KEY: total} | ({dept_key: dept_total} if has_dept else {})
        shared_cache.set_many(counted, RANKED_TOTALS_SECONDS)
    else:
        higher, dept_higher = (*row, None)[:2]
        total, dept_total = cached[RANKED_TOTALS_KEY], cached.get(dept_key)
    return Standing(
        balance=profile.balance,
        lifetime_points=profile.lifetime_points,
        rank=higher + 1,
        of=max(total, higher + 1),  # a total a minute old never reads "number 7 of 6"
        department_rank=dept_higher + 1 if has_dept else None,
        department_of=max(dept_total, dept_higher + 1) if has_dept else None,
    )


@cache
def _standing_sql(vendor: str, with_department: bool, with_totals: bool = True) -> str:
    """`get_standing`'s statement, the one `ranked_counts` makes, written out: the student
    dashboard and history asked the ORM to compose its four counts on every load, 2 ms of CPU
    (issue 17). Each count is all profiles matching, on the rank indexes, minus the unranked
    ones matching, over the few rows of portal_user_unranked_idx (migration 0006), whose
    condition the WHERE repeats so that the index serves it. Without `with_totals`, only the
    counts of the students above. tests/ledger/test_standing.py checks it against
    `ranked_counts` for every student of a varied population."""
    quote = connection.ops.quote_name
    profiles, users = quote(StudentProfile._meta.db_table), quote(User._meta.db_table)

    def count(condition: str) -> str:
        """Ranked profiles matching `condition` (on the profile alias `{t}`)."""
        if not condition:
            return f"(SELECT COUNT(*) FROM {profiles} q) - COUNT(*)"  # noqa: S608
        every = f"(SELECT COUNT(*) FROM {profiles} q WHERE {condition.format(t='q')})"  # noqa: S608
        return f"{every} - COUNT(*) FILTER (WHERE {condition.format(t='p')})"

    above, in_department = "{t}.lifetime_points > %s", "{t}.department_id = %s"
    counts = [count(above)] + ([count("")] if with_totals else [])
    if with_department:
        counts.append(count(f"{above} AND {in_department}"))
        if with_totals:
            counts.append(count(in_department))
    return (
        f"SELECT {', '.join(counts)} FROM {profiles} p "  # noqa: S608 (names from the models)
        f"INNER JOIN {users} u ON u.id = p.user_id "
        f"WHERE NOT (u.is_active AND u.role = '{Role.STUDENT}')"
    )


# --- leaderboard ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeaderboardRow:
    rank: int
    name: str
    department: str
    points: int
    is_viewer: bool


@dataclass(frozen=True)
class Leaderboard:
    rows: list[LeaderboardRow]
    viewer_row: LeaderboardRow | None  # the viewer's own standing when they are not in `rows`
    period: str
    department: Department | None


def name_visible(profile: StudentProfile, viewer: User | None) -> bool:
    return profile.show_on_leaderboard or (viewer is not None and profile.user_id == viewer.pk)


def _display_name(profile: StudentProfile, viewer: User | None) -> str:
    if not name_visible(profile, viewer):
        return str(ANONYMOUS_NAME)
    return profile.leaderboard_name or profile.user.name


def _competition_ranks(points: list[int]) -> list[int]:
    """1, 2, 2, 4 ... for points sorted high to low."""
    ranks: list[int] = []
    for i, value in enumerate(points):
        ranks.append(ranks[-1] if i and points[i - 1] == value else i + 1)
    return ranks


def get_leaderboard(
    *,
    viewer: User | None,
    period: str = Period.ALL,
    department: Department | None = None,
    top: int = 10,
    standing: Standing | None = None,
) -> Leaderboard:
    """The top students by points earned in the period (lifetime points for all time), with the
    viewer's own rank when they are a student outside the top (from `standing`, the viewer's
    own, when the page has it already). Privacy opt-outs show as
    "Anonymous student" to everyone but themselves. Constant query count."""
    students = ranked_students()
    scope = Q()  # on profile fields, for ranked_counts
    if department is not None:
        students = students.filter(department=department)
        scope = Q(department=department)
    start = period_start(period)
    viewer_profile = None
    if is_student(viewer):
        viewer_profile = own_profile_with_department(viewer)

    if start is None:
        top_profiles = list(
            students.select_related("user", "department").order_by("-lifetime_points", "id")[:top]
        )
        scored = [(p, p.lifetime_points) for p in top_profiles]
    else:
        department_ids = (department.pk,) if department is not None else ()
        top_rows = _period_top(period, top, in_department=bool(department_ids))
        totals = top_rows.all(start, *department_ids)
        scored = [(row.student, row.points) for row in totals]

    ranks = _competition_ranks([points for _p, points in scored])
    rows = [
        LeaderboardRow(
            rank=rank,
            name=_display_name(p, viewer),
            # A department beside "Anonymous student" can identify someone in a small one.
            department=p.department.code if p.department and name_visible(p, viewer) else "",
            points=points,
            is_viewer=viewer_profile is not None and p.pk == viewer_profile.pk,
        )
        for (p, points), rank in zip(scored, ranks, strict=True)
    ]

    viewer_row = None
    in_scope = viewer_profile is not None and (
        department is None or viewer_profile.department_id == department.pk
    )
    if in_scope and not any(r.is_viewer for r in rows):
        if start is None:
            mine = viewer_profile.lifetime_points
            if standing is not None and department is None:
                higher = standing.rank - 1
            else:
                higher = ranked_counts(n=scope & Q(lifetime_points__gt=mine))["n"]
        else:
            mine, higher = _period_standing(period, start, department, viewer_profile)
        viewer_row = LeaderboardRow(
            rank=higher + 1,
            name=viewer_profile.leaderboard_name or viewer.name,
            department=viewer_profile.department.code if viewer_profile.department else "",
            points=mine,
            is_viewer=True,
        )
    return Leaderboard(rows=rows, viewer_row=viewer_row, period=period, department=department)


@cache
def _period_top(period: str, top: int, *, in_department: bool) -> Prepared:
    """The period's top `top` rows with their students (user and department read with them),
    composed once per process: the top rows and then their students were two queries,
    composed on every leaderboard (1.4 ms of CPU)."""

    def build(start: datetime, *department_id: int) -> QuerySet[PeriodPoints]:
        department = Department(pk=department_id[0]) if department_id else None
        return (
            _period_rows(period, start, department)
            .filter(points__gt=0)
            .select_related("student__user", "student__department")
            .order_by("-points", "student")[:top]
        )

    return Prepared(build, takes=(datetime, int) if in_department else (datetime,))


def _period_standing(
    period: str, start: datetime, department: Department | None, profile: StudentProfile
) -> tuple[int, int]:
    """The viewer's points in the period and how many ranked students (in `department`) have
    more, in one query of index range counts, as `ranked_counts` does for lifetime points:
    the rows above the viewer's points on period_points_rank_idx, minus those of the few
    unranked students. Reading every row of the period to test each against the unranked
    list and the viewer's points took 30-35 ms for a term at 50,000 students; this takes 7.
    In a department, the rows above are counted on period_points_dept_rank_idx: matched to
    a hash of the department's students instead, they took 10 ms (issue 17)."""
    own = PeriodPoints.objects.filter(student=profile, period=period, starts_at=start)
    mine = Coalesce(Subquery(own.values("points")), 0)
    above = _period_rows(period, start, department, ranked_only=False).filter(points__gt=mine)
    unranked_above = above.filter(student__in=unranked_students().values("pk"))
    counts = (
        StudentProfile.objects.filter(pk=profile.pk)
        .annotate(
            mine=mine,
            higher=CountOf(above.values("pk")) - CountOf(unranked_above.values("pk")),
        )
        .values("mine", "higher")
        .get()
    )
    return counts["mine"], counts["higher"]


def _period_rows(
    period: str, start: datetime, department: Department | None, *, ranked_only: bool = True
) -> QuerySet[PeriodPoints]:
    """Points earned in the period per student (in `department`; only ranked ones unless
    `ranked_only` is off), from the rollup kept by the ledger service: the top rows walk
    period_points_rank_idx. Unranked students (few) are excluded after the fact rather than by
    joining every row's student to its user."""
    totals = PeriodPoints.objects.filter(period=period, starts_at=start).order_by()
    if department is not None:  # the rows' own copy: period_points_dept_rank_idx
        totals = totals.filter(department=department)
    if not ranked_only:
        return totals
    return totals.exclude(student__in=unranked_students().values("pk"))


# --- history ----------------------------------------------------------------------------------


class HistoryQuerySet(ComposedOnce, TransactionQuerySet):
    """Ledger entries for a paged table. A page deep into the list (`?page=200`) is read by
    its ids first: PostgreSQL otherwise joins every skipped row to its student, user and
    category before the OFFSET discards them (45 ms for page 200 at 2,000,000 entries, 1.5 ms
    this way). Same rows in the same order, one query. A shallower page of a shaped copy
    (`HistoryFilter.shaped_qs`) is composed once per process (`ComposedOnce`)."""

    DEEP_OFFSET = 250  # from page 11: shallower pages are cheap either way

    def __getitem__(self, k: int | slice) -> Any:
        deep = isinstance(k, slice) and k.step is None and (k.start or 0) >= self.DEEP_OFFSET
        if deep and self._fields is None and not self.query.is_sliced:
            page = self.filter(pk__in=self.values("pk")[k])
            # The page's SQL depends on the shape, the ordering its ids were picked in and the
            # slice: composed once per process for each, as a shallow page is. (The page can be
            # ordered again, unlike a sliced queryset: the outer ordering is in the key too.)
            picked = (self.shape, "deep", self.cut(), k.start, k.stop)
            return self._keeping_shape(page, None if self.shape is None else picked)
        return super().__getitem__(k)


def list_history(viewer: User) -> QuerySet[Transaction]:
    """The entries the viewer may see, ready for the history table: a student's own, or every
    entry for faculty and admins, each with `reversed_entry_at`, when the entry a reversal
    reverses was made.

    That date is a subquery rather than a join: joined in, with the department nobody shows,
    the entry made seven relations whose join order PostgreSQL spent 9 ms planning on every
    page (2 ms for the five left; 10,000 students). A subquery is planned on its own."""
    reversed_entry = (
        Transaction.objects.filter(pk=OuterRef("reverses_id")).order_by().values("created_at")
    )
    entries = (
        HistoryQuerySet(Transaction)
        .select_related("student__user", "category", "actor")
        .annotate(reversed_entry_at=Subquery(reversed_entry[:1]))
    )
    if not sees_everyones_history(viewer):
        return entries.filter(student__user=viewer)
    return entries


def get_entry_to_repeat(pk: str) -> Transaction | None:
    """An award or deduction to fill the award form with again ("Award again"): any staff
    member reads the whole ledger, so any such entry; None for anything else."""
    if not pk.isdigit():
        return None
    return (
        Transaction.objects.filter(
            pk=int(pk), kind__in=[Transaction.Kind.AWARD, Transaction.Kind.DEDUCTION]
        )
        .select_related("student__user", "student__department", "category")
        .first()
    )


def list_recent_awards(actor: User, *, limit: int = 10) -> list[Transaction]:
    """The actor's latest awards and deductions, with whether each has been reversed: only
    the columns the list and `can_reverse` read (building four whole rows per entry, the user's
    included, was 40% of its 3.3 ms of CPU on the staff dashboards). Composed once per
    process (`portal.prepared`)."""
    return _recent_awards(limit).all(actor.pk)


@cache
def _recent_awards(limit: int) -> Prepared:
    return Prepared(
        lambda actor_id: (
            Transaction.objects.filter(
                actor_id=actor_id, kind__in=[Transaction.Kind.AWARD, Transaction.Kind.DEDUCTION]
            )
            .select_related("student__user", "category", "reversed_by")
            .only(*RECENT_AWARD_FIELDS)
            .order_by("-created_at", "-id")[:limit]
        )
    )


RECENT_AWARD_FIELDS = (
    "amount",
    "kind",
    "reason",
    "created_at",
    "actor_id",
    "student__user__name",
    "category__name",
    "reversed_by__reason",
)


# --- integrity --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerMismatch:
    profile_id: int
    enrollment_number: str
    name: str
    balance: int
    ledger_balance: int
    lifetime_points: int
    ledger_lifetime: int


def find_ledger_mismatches() -> list[LedgerMismatch]:
    """Students whose cached balance or lifetime points differ from their ledger sums
    (invariant 1). One grouped query over the ledger."""
    sums = Transaction.objects.filter(student=OuterRef("pk")).values("student")
    profiles = StudentProfile.objects.annotate(
        ledger_balance=Coalesce(Subquery(sums.annotate(s=Sum("amount")).values("s")), Value(0)),
        ledger_lifetime=Coalesce(
            Subquery(sums.filter(counts_for_lifetime=True).annotate(s=Sum("amount")).values("s")),
            Value(0),
        ),
    ).filter(~Q(balance=F("ledger_balance")) | ~Q(lifetime_points=F("ledger_lifetime")))
    return [
        LedgerMismatch(
            p.pk,
            p.enrollment_number,
            p.user.name,
            p.balance,
            p.ledger_balance,
            p.lifetime_points,
            p.ledger_lifetime,
        )
        for p in profiles.select_related("user").order_by("pk")
    ]


@dataclass(frozen=True)
class PeriodPointsMismatch:
    period: str
    student_id: int
    stored: int
    ledger: int


def period_totals_from_ledger(start: datetime) -> dict[int, int]:
    """Points each student earned since `start`, summed from the ledger: what the rollup row of
    a period beginning at `start` holds while it is current (nothing is dated in the future)."""
    return dict(
        Transaction.objects.earning()
        .filter(created_at__gte=start)
        .order_by()
        .values("student")
        .annotate(points=Sum("amount"))
        .values_list("student", "points")
    )


def find_period_points_mismatches(now: datetime | None = None) -> list[PeriodPointsMismatch]:
    """Students whose rollup rows for the current week, month or term (what the leaderboards
    read) differ from the ledger. Two grouped queries per period; a missing row counts as 0."""
    mismatches = []
    for period in PeriodPoints.PERIODS:
        start = period_start(period, now)
        ledger = period_totals_from_ledger(start)
        stored = dict(
            PeriodPoints.objects.filter(period=period, starts_at=start).values_list(
                "student", "points"
            )
        )
        for student_id in sorted(stored.keys() | ledger.keys()):
            if stored.get(student_id, 0) != ledger.get(student_id, 0):
                mismatches.append(
                    PeriodPointsMismatch(
                        period, student_id, stored.get(student_id, 0), ledger.get(student_id, 0)
                    )
                )
    return mismatches


def find_period_department_mismatches(
    now: datetime | None = None,
) -> list[tuple[int, int | None, int | None]]:
    """(student id, the department on their rows, their department) for every student whose
    rows for the current week, month or term carry another department than their own (what a
    department's board counts). One query over those rows joined to their students."""
    current = Q()
    for period in PeriodPoints.PERIODS:
        current |= Q(period=period, starts_at=period_start(period, now))
    rows = (
        PeriodPoints.objects.filter(current)
        .values_list("student", "department", "student__department")
        .distinct()
        .order_by("student")
    )
    return [
        (student, stored, department)
        for student, stored, department in rows
        if stored != department
    ]
