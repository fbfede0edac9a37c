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

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from portal.models import Category, CheckIn, Department, Transaction

from .accounts import active_students

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


Row = TypeVar("Row", DepartmentRow, CategoryRow)


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


def department_report(start: datetime, end: datetime) -> Report[DepartmentRow]:
    """One row per department, then "No department", and a total, for entries with
    start <= created_at < end. Four queries: departments, students per department, the ledger
    grouped by department, check-ins grouped by department."""
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
        .values("student__department")
        .annotate(
            active=Count("student", filter=MERIT, distinct=True),
            issued=Sum("amount", filter=ISSUED, default=0),
            taken_back=Sum("amount", filter=TAKEN_BACK, default=0),
            spent=Sum("amount", filter=~MERIT, default=0),
            redemptions=Count("id", filter=Q(kind=Transaction.Kind.REDEMPTION)),
        )
    )
    for group in ledger:
        row = rows[group["student__department"]]
        row.active_students = group["active"]
        row.issued = group["issued"]
        row.taken_back = group["taken_back"]
        row.spent = -group["spent"]
        row.redemptions = group["redemptions"]
    for pk, count in (
        CheckIn.objects.filter(_in_range(start, end))
        .order_by()
        .values("student__department")
        .annotate(n=Count("id"))
        .values_list("student__department", "n")
    ):
        rows[pk].checkins = count
    listed = [*rows.values()]  # departments by name, then "No department" (inserted last)
    # A student is in one department, so even the distinct counts add up across rows.
    total = DepartmentRow(_("Total"), is_total=True)
    for column in DEPARTMENT_SUMS:
        setattr(total, column, sum(getattr(r, column) for r in listed))
    return Report(listed, total)


def category_report(start: datetime, end: datetime) -> Report[CategoryRow]:
    """One row per category still in use or with merit entries in the range, then "No
    category" (prize points, most deductions), and a total. Three queries: categories, merit
    entries grouped by category, and the students reached overall (a student reached in two
    categories counts once in the total)."""
    merit = Transaction.objects.filter(_in_range(start, end) & MERIT).order_by()
    groups = {
        group["category"]: group
        for group in merit.values("category").annotate(
            awards=Count("id", filter=ISSUED),
            reached=Count("student", filter=ISSUED, distinct=True),
            issued=Sum("amount", filter=ISSUED, default=0),
            taken_back=Sum("amount", filter=TAKEN_BACK, default=0),
        )
    }
    rows: list[CategoryRow] = []
    for pk, name, is_active in Category.objects.values_list("pk", "name", "is_active"):
        if is_active or pk in groups:
            rows.append(_category_row(name, groups.get(pk)))
    rows.append(_category_row(_("No category"), groups.get(None)))
    total = CategoryRow(_("Total"), is_total=True)
    total.awards = sum(r.awards for r in rows)
    total.issued = sum(r.issued for r in rows)
    total.taken_back = sum(r.taken_back for r in rows)
    total.students_reached = merit.aggregate(n=Count("student", filter=ISSUED, distinct=True))["n"]
    for row in [*rows, total]:
        row.share = 100 * row.issued / total.issued if total.issued else None
    return Report(rows, total)


def _category_row(name: str, group: dict[str, Any] | None) -> CategoryRow:
    if group is None:
        return CategoryRow(name)
    return CategoryRow(
        name,
        awards=group["awards"],
        students_reached=group["reached"],
        issued=group["issued"],
        taken_back=group["taken_back"],
    )
