"""Admin reports: ledger totals per department and per category over a date range.

Every figure is summed by the database (GROUP BY over the ledger rows in the range), so a report
is a fixed number of queries whatever the size of the ledger. The definitions, also printed on
the page:

- **issued**: merit entries (`counts_for_lifetime`) with a positive amount that are not
  reversals: awards, check-in points, approved claims and tasks, prize points.
- **deducted / reversed**: every other merit entry: deductions and reversals of awards and
  deductions (a reversed deduction gives points back, so this is a signed sum, usually < 0).
- **net** = issued + deducted / reversed: how far lifetime points (the leaderboard) moved.
- **spent**: minus the sum of the entries that are not merit: redemptions less their refunds.
  So net − spent is how far balances moved.

Departments are students' departments today, not when the entry was made."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import (
    Category,
    CheckIn,
    Department,
    Event,
    Registration,
    StudentProfile,
    Transaction,
)

from .accounts import active_students
from .counts import count_per_row

MERIT = Q(counts_for_lifetime=True)
ISSUED = MERIT & Q(amount__gt=0) & ~Q(kind=Transaction.Kind.REVERSAL)
TAKEN_BACK = MERIT & ~ISSUED


@dataclass
class DepartmentRow:
    name: str
    students: int = 0
    active_students: int = 0
    issued: int = 0
    taken_back: int = 0
    spent: int = 0
    redemptions: int = 0
    checkins: int = 0
    is_total: bool = False

    @property
    def net(self) -> int:
        return self.issued + self.taken_back


@dataclass
class CategoryRow:
    name: str
    awards: int = 0
    students_reached: int = 0
    issued: int = 0
    taken_back: int = 0
    share: float | None = None  # of all points issued in the range, in percent
    is_total: bool = False

    @property
    def net(self) -> int:
        return self.issued + self.taken_back


Row = TypeVar("Row", "DepartmentRow", "CategoryRow", "EventRow")


@dataclass
class Report(Generic[Row]):
    rows: list[Row]
    total: Row


DEPARTMENT_SUMS = (
    "students",
    "active_students",
    "issued",
    "taken_back",
    "spent",
    "redemptions",
    "checkins",
)


def _in_range(start: datetime, end: datetime) -> Q:
    return Q(created_at__gte=start, created_at__lt=end)


def _rows(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _per_department(per_student: QuerySet[Any], columns: str) -> list[tuple[Any, ...]]:
    """Roll figures already grouped per student (`per_student`, a .values("student")
    .annotate() queryset) up to departments: `SELECT department_id, <columns>`.

    Grouping the ledger per student first and joining the few thousand groups to their
    profiles is what keeps a long range cheap: grouping the ledger by department directly
    makes PostgreSQL walk the ledger student by student through the join (15 s over 2,000,000
    entries, against 1 s this way). Only constants are interpolated; values go in `params`.
    `.values("student")` names its column "student" (and `.values("category")` "category")."""
    sql, params = per_student.query.sql_with_params()
    profiles = StudentProfile._meta.db_table
    return _rows(
        f"SELECT p.department_id, {columns} FROM ({sql}) s "  # noqa: S608
        f"JOIN {profiles} p ON p.id = s.student GROUP BY p.department_id",
        params,
    )


def department_report(start: datetime, end: datetime) -> Report[DepartmentRow]:
    """One row per department, then "No department", and a total, for entries with
    start <= created_at < end. Four queries: departments, students per department, the ledger
    and the check-ins, each grouped per student and rolled up per department."""
    rows: dict[int | None, DepartmentRow] = {
        pk: DepartmentRow(name) for pk, name in Department.objects.values_list("pk", "name")
    }
    rows[None] = DepartmentRow(_("No department"))
    for pk, count in (
        active_students()
        .order_by()
        .values("department")
        .annotate(n=Count("id"))
        .values_list("department", "n")
    ):
        rows[pk].students = count
    ledger = (
        Transaction.objects.filter(_in_range(start, end))
        .order_by()
        .values("student")
        .annotate(
            merit=Count("id", filter=MERIT),
            issued=Sum("amount", filter=ISSUED, default=0),
            taken_back=Sum("amount", filter=TAKEN_BACK, default=0),
            spending=Sum("amount", filter=~MERIT, default=0),
            redemptions=Count("id", filter=Q(kind=Transaction.Kind.REDEMPTION)),
        )
    )
    for pk, active, issued, taken_back, spending, redemptions in _per_department(
        ledger,
        "SUM(CASE WHEN s.merit > 0 THEN 1 ELSE 0 END), SUM(s.issued), SUM(s.taken_back), "
        "SUM(s.spending), SUM(s.redemptions)",
    ):
        row = rows[pk]
        row.active_students = int(active)
        row.issued = int(issued)
        row.taken_back = int(taken_back)
        row.spent = -int(spending)
        row.redemptions = int(redemptions)
    checkins = (
        CheckIn.objects.standing()
        .filter(_in_range(start, end))
        .order_by()
        .values("student")
        .annotate(n=Count("id"))
    )
    for pk, count in _per_department(checkins, "SUM(s.n)"):
        rows[pk].checkins = int(count)
    listed = [*rows.values()]  # departments by name, then "No department" (inserted last)
    # A student is in one department, so even the counts of students add up across rows.
    total = DepartmentRow(_("Total"), is_total=True)
    for column in DEPARTMENT_SUMS:
        setattr(total, column, sum(getattr(r, column) for r in listed))
    return Report(listed, total)


def category_report(start: datetime, end: datetime) -> Report[CategoryRow]:
    """One row per category still in use or with merit entries in the range, then "No
    category" (prize points, most deductions), and a total. Two queries: categories, and the
    merit entries grouped per (category, student) and rolled up per category, plus one total
    row in which a student reached in two categories counts once."""
    per_student = (
        Transaction.objects.filter(_in_range(start, end) & MERIT)
        .order_by()
        .values("category", "student")
        .annotate(
            awards=Count("id", filter=ISSUED),
            issued=Sum("amount", filter=ISSUED, default=0),
            taken_back=Sum("amount", filter=TAKEN_BACK, default=0),
        )
    )
    sql, params = per_student.query.sql_with_params()
    sums = "SUM(awards), {reached}, SUM(issued), SUM(taken_back)"
    groups: dict[int | None, CategoryRow] = {}
    total = CategoryRow(_("Total"), is_total=True)
    for is_total, pk, awards, reached, issued, taken_back in _rows(
        # The CTE is read twice: once per category, once for the whole range.
        f"WITH per_student AS ({sql}) "  # noqa: S608
        f"SELECT 0, category, "
        f"{sums.format(reached='SUM(CASE WHEN awards > 0 THEN 1 ELSE 0 END)')} "
        f"FROM per_student GROUP BY category "
        f"UNION ALL SELECT 1, NULL, "
        f"{sums.format(reached='COUNT(DISTINCT CASE WHEN awards > 0 THEN student END)')} "
        f"FROM per_student",
        params,
    ):
        row = total if is_total else groups.setdefault(pk, CategoryRow(""))
        row.awards = int(awards or 0)
        row.students_reached = int(reached or 0)
        row.issued = int(issued or 0)
        row.taken_back = int(taken_back or 0)
    rows: list[CategoryRow] = []
    for pk, name, is_active in Category.objects.values_list("pk", "name", "is_active"):
        if is_active or pk in groups:
            rows.append(replace(groups.get(pk, CategoryRow("")), name=name))
    rows.append(replace(groups.get(None, CategoryRow("")), name=_("No category")))
    for row in [*rows, total]:
        row.share = 100 * row.issued / total.issued if total.issued else None
    return Report(rows, total)


@dataclass
class EventRow:
    """An event that has ended, and who came: `attended` are registered students with a
    standing check-in, `walk_ins` everyone else checked in, `excused` registered students the
    organiser excused who did not come, `no_shows` the registered rest."""

    name: str
    starts_at: datetime | None = None
    registered: int = 0
    attended: int = 0
    excused: int = 0
    walk_ins: int = 0
    is_total: bool = False

    @property
    def no_shows(self) -> int:
        return self.registered - self.attended - self.excused

    @property
    def date(self) -> str:
        return self.starts_at.date().isoformat() if self.starts_at else ""


EVENT_SUMS = ("registered", "attended", "excused", "walk_ins")


def attendance_report(start: datetime, end: datetime) -> Report[EventRow]:
    """One row per event that started in the range and has ended (published or completed;
    drafts and cancelled events had no attendance), latest first, and a total. One query:
    four correlated counts per event, each from an index on the event."""
    Reg = Registration.Status
    standing = CheckIn.objects.standing()
    registered = Registration.objects.filter(status=Reg.REGISTERED)
    came = standing.filter(event=OuterRef("event"), student=OuterRef("student"))
    had_place = registered.filter(event=OuterRef("event"), student=OuterRef("student"))
    events = (
        Event.objects.filter(
            starts_at__gte=start,
            starts_at__lt=end,
            ends_at__lte=timezone.now(),
            status__in=[Event.Status.PUBLISHED, Event.Status.COMPLETED],
        )
        .annotate(
            n_registered=count_per_row(registered, link="event"),
            n_excused=count_per_row(
                registered.filter(excused_at__isnull=False).filter(~Exists(came)), link="event"
            ),
            n_attended=count_per_row(standing.filter(Exists(had_place)), link="event"),
            n_checked_in=count_per_row(standing, link="event"),
        )
        .order_by("-starts_at", "-id")
        .values_list(
            "title", "starts_at", "n_registered", "n_attended", "n_excused", "n_checked_in"
        )
    )
    rows = [
        EventRow(
            title,
            starts_at=timezone.localtime(starts),
            registered=registered_count,
            attended=attended,
            excused=excused,
            walk_ins=checked_in - attended,
        )
        for title, starts, registered_count, attended, excused, checked_in in events
    ]
    total = EventRow(_("Total"), is_total=True)
    for column in EVENT_SUMS:
        setattr(total, column, sum(getattr(r, column) for r in rows))
    return Report(rows, total)
