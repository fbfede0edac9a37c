"""The period rollup (`PeriodPoints`): points earned per student per week, month and term, so
period leaderboards read an index instead of summing the ledger (issue 9).

`add` runs inside `ledger.post_entry` for every earning entry, under the profile lock, so one
student's rows are never written by two transactions at once. `rebuild_current` recomputes the
current periods from the ledger, for after a change of TIME_ZONE or UPAS_TERM_STARTS (which
moves where periods begin) and for bulk loads that bypass the service (generate_scale_data)."""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery

from portal.models import PeriodPoints, StudentProfile
from portal.selectors.ledger import period_totals_from_ledger
from portal.selectors.periods import period_start


def upsert_sql(
    profile: StudentProfile, at: datetime, amount: int, *, after: str | None = None
) -> tuple[str, list[object]]:
    """The upsert adding `amount` to the student's week, month and term containing `at` (with
    the department of `profile`, read under its lock), as SQL and parameters: the same
    statement on PostgreSQL and SQLite (3.24+). `after` names an earlier data-modifying CTE of
    the same statement (PostgreSQL): the rows are added only if it returned one (the ledger
    entry was written)."""
    adapt = connection.ops.adapt_datetimefield_value
    params: list[object] = []
    for period in PeriodPoints.PERIODS:
        start = adapt(period_start(period, at))
        params += [profile.pk, period, start, amount, profile.department_id]
    table = connection.ops.quote_name(PeriodPoints._meta.db_table)
    rows = ", ".join(["(%s, %s, %s, %s, %s)"] * len(PeriodPoints.PERIODS))
    source = f"VALUES {rows}"
    if after is not None:
        source = (
            "SELECT student_id, period, starts_at::timestamptz, points, department_id::bigint "  # noqa: S608
            f"FROM ({source}) AS added (student_id, period, starts_at, points, department_id) "
            f"WHERE EXISTS (SELECT 1 FROM {after})"
        )
    sql = (
        f"INSERT INTO {table} (student_id, period, starts_at, points, department_id) {source} "
        "ON CONFLICT (student_id, period, starts_at) "
        # The department too: a copy is only ever as old as the student's last entry.
        f"DO UPDATE SET points = {table}.points + excluded.points, "
        "department_id = excluded.department_id"
    )
    return sql, params


def add(profile: StudentProfile, at: datetime, amount: int) -> None:
    """Add `amount` to the student's week, month and term containing `at`: one upsert."""
    sql, params = upsert_sql(profile, at, amount)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@transaction.atomic
def rebuild_current(now: datetime | None = None) -> dict[str, int]:
    """Replace the rows of the current week, month and term with sums from the ledger; returns
    the rows written per period. Ledger writes wait meanwhile (the table lock on PostgreSQL;
    SQLite has one writer anyway), so an entry is counted by the rebuild or added after it,
    never both or neither."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {PeriodPoints._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
    written = {}
    for period in PeriodPoints.PERIODS:
        start = period_start(period, now)
        PeriodPoints.objects.filter(period=period, starts_at=start).delete()
        rows = [
            PeriodPoints(student_id=student_id, period=period, starts_at=start, points=points)
            for student_id, points in period_totals_from_ledger(start).items()
        ]
        PeriodPoints.objects.bulk_create(rows, batch_size=2000)
        # Each row's department, in one statement rather than a read of every student.
        PeriodPoints.objects.filter(period=period, starts_at=start).update(
            department=Subquery(
                StudentProfile.objects.filter(pk=OuterRef("student")).values("department")[:1]
            )
        )
        written[period] = len(rows)
    return written
