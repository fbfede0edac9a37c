"""The period rollup behind the week, month and term leaderboards (PeriodPoints): kept by
`post_entry`, compared with the ledger by check_ledger, recomputed by rebuild_period_points."""

from __future__ import annotations

import contextlib
import random
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from portal.models import PeriodPoints, Transaction
from portal.selectors.ledger import (
    find_period_department_mismatches,
    find_period_points_mismatches,
    get_leaderboard,
)
from portal.selectors.periods import Period, period_start
from portal.services import ledger
from tests.conftest import key
from tests.factories import DepartmentFactory, RewardFactory, StudentFactory
from tests.helpers import assert_ledger_consistent, award, redeem

pytestmark = pytest.mark.django_db


def totals(profile) -> dict[str, int]:
    """The student's rows for the current periods."""
    return {
        period: PeriodPoints.objects.filter(
            student=profile, period=period, starts_at=period_start(period)
        )
        .values_list("points", flat=True)
        .first()
        for period in PeriodPoints.PERIODS
    }


def test_an_award_adds_to_the_current_week_month_and_term(faculty, student, category):
    award(faculty, student, category, 20)
    award(faculty, student, category, 15)
    assert totals(student) == {"week": 35, "month": 35, "term": 35}
    assert PeriodPoints.objects.count() == 3
    assert_ledger_consistent()


def test_deductions_and_reversals_take_points_off_but_spending_does_not(
    faculty, admin, student, category
):
    entry = award(faculty, student, category, 50)
    award(faculty, student, category, 30)
    ledger.deduct_points(
        actor=admin, student_id=student.pk, amount=10, reason="Late", idempotency_key=key()
    )
    redeem(student, RewardFactory(cost=5))  # spending: balance moves, merit does not
    ledger.reverse_transaction(
        actor=faculty, transaction_id=entry.pk, reason="Wrong student", idempotency_key=key()
    )
    assert totals(student) == {"week": 20, "month": 20, "term": 20}
    assert_ledger_consistent()


def test_an_entry_dated_in_an_earlier_period_goes_to_that_period(faculty, student, category):
    long_ago = timezone.now() - timedelta(days=400)
    award(faculty, student, category, 30, at=long_ago)
    assert totals(student) == {"week": None, "month": None, "term": None}
    old_week = PeriodPoints.objects.get(student=student, period="week")
    assert old_week.starts_at == period_start(Period.WEEK, long_ago)
    assert old_week.points == 30


def test_period_leaderboards_match_sums_over_the_ledger(faculty, admin, category):
    """Random awards and deductions over two months for a dozen students in two departments:
    every period leaderboard lists what summing the ledger gives, in that order."""
    rng = random.Random(7)
    engineering = DepartmentFactory(code="EE")
    students = [StudentFactory(department=engineering if i % 3 == 0 else None) for i in range(12)]
    now = timezone.now()
    for _ in range(80):
        profile = rng.choice(students)
        at = now - timedelta(days=rng.uniform(0, 60))
        if rng.random() < 0.8:
            award(faculty, profile, category, rng.randint(5, 50), at=at)
        else:
            # Refused when the student has too few points: then nothing is written.
            with contextlib.suppress(ledger.LedgerError):
                ledger.deduct_points(
                    actor=admin,
                    student_id=profile.pk,
                    amount=rng.randint(1, 10),
                    reason="Penalty",
                    idempotency_key=key(),
                    at=at,
                )
    assert_ledger_consistent()
    for period in (Period.WEEK, Period.MONTH, Period.TERM):
        for department in (None, engineering):
            start = period_start(period)
            expected: dict[int, int] = {}
            entries = Transaction.objects.earning().filter(created_at__gte=start)
            if department is not None:
                entries = entries.filter(student__department=department)
            for student_id, amount in entries.values_list("student", "amount"):
                expected[student_id] = expected.get(student_id, 0) + amount
            board = get_leaderboard(viewer=None, period=period, department=department, top=50)
            shown = [row.points for row in board.rows]
            assert shown == sorted((p for p in expected.values() if p > 0), reverse=True)
            # Each row names its own student (read with the period's row), ties by student.
            names = {
                s.pk: (s.user.name, s.department.code if s.department else "") for s in students
            }
            ranked = sorted((-p, pk) for pk, p in expected.items() if p > 0)
            assert [(row.name, row.department) for row in board.rows] == [
                names[pk] for _points, pk in ranked
            ]


def test_viewer_rank_outside_the_top_comes_from_the_rollup(faculty, category):
    leaders = [StudentFactory() for _ in range(3)]
    for points, profile in zip((50, 40, 40), leaders, strict=True):
        award(faculty, profile, category, points)
    viewer = StudentFactory()
    award(faculty, viewer, category, 10)
    board = get_leaderboard(viewer=viewer.user, period=Period.WEEK, top=2)
    assert [row.points for row in board.rows] == [50, 40]
    assert board.viewer_row is not None
    assert (board.viewer_row.rank, board.viewer_row.points) == (4, 10)


def test_check_ledger_names_a_drifted_period_total_and_rebuild_mends_it(faculty, student, category):
    award(faculty, student, category, 20)
    PeriodPoints.objects.filter(student=student, period="term").update(points=999)
    [mismatch] = find_period_points_mismatches()
    assert (mismatch.period, mismatch.stored, mismatch.ledger) == ("term", 999, 20)
    with pytest.raises(CommandError, match="rebuild_period_points"):
        call_command("check_ledger")
    call_command("rebuild_period_points")
    assert totals(student) == {"week": 20, "month": 20, "term": 20}
    call_command("check_ledger")


def test_new_term_dates_need_a_rebuild_to_show_on_the_term_leaderboard(
    faculty, student, category, settings
):
    award(faculty, student, category, 20)
    today = timezone.localdate()
    # A term that began today: the rollup's term rows still start at the old date.
    settings.UPAS_TERM_STARTS = [today.strftime("%m-%d")]
    assert get_leaderboard(viewer=None, period=Period.TERM).rows == []
    assert find_period_points_mismatches() != []
    call_command("rebuild_period_points")
    assert [row.points for row in get_leaderboard(viewer=None, period=Period.TERM).rows] == [20]
    assert find_period_points_mismatches() == []


# --- the department's copy (period_points_dept_rank_idx) -----------------------------------------


def departments_of(profile) -> set:
    return set(PeriodPoints.objects.filter(student=profile).values_list("department", flat=True))


def test_an_award_writes_the_students_department_on_each_period_row(faculty, student, category):
    award(faculty, student, category, 20)
    assert student.department_id is not None
    assert departments_of(student) == {student.department_id}
    no_department = StudentFactory(department=None)
    award(faculty, no_department, category, 5)
    assert departments_of(no_department) == {None}
    assert find_period_department_mismatches() == []


def test_a_change_of_department_carries_the_students_rows_and_the_boards(
    faculty, student, category
):
    old, new = student.department, DepartmentFactory()
    classmate = StudentFactory(department=old)
    award(faculty, student, category, 30)
    award(faculty, classmate, category, 20)
    # Last week's row too: the copy follows on every row, current or not.
    PeriodPoints.objects.create(
        student=student,
        period="week",
        starts_at=period_start("week") - timedelta(days=7),
        points=4,
        department=old,
    )
    student.department = new
    student.save()  # as the account form and the Django admin save it
    assert departments_of(student) == {new.pk}
    board = get_leaderboard(viewer=student.user, period=Period.TERM, department=new)
    assert [(row.points, row.is_viewer) for row in board.rows] == [(30, True)]
    board = get_leaderboard(viewer=None, period=Period.TERM, department=old)
    assert [row.points for row in board.rows] == [20]
    # An UPDATE that bypasses save() (an import, a bulk change) moves them as well.
    type(student).objects.filter(pk=student.pk).update(department=old)
    assert departments_of(student) == {old.pk}
    # A save that leaves the department as it was writes no period row.
    PeriodPoints.objects.filter(student=student).update(department=new)
    student.refresh_from_db()
    student.year = 3
    student.save()
    assert departments_of(student) == {new.pk}
    assert find_period_department_mismatches() != []


def test_check_ledger_names_a_drifted_department_and_rebuild_mends_it(faculty, student, category):
    award(faculty, student, category, 20)
    other = DepartmentFactory()
    PeriodPoints.objects.filter(student=student).update(department=other)
    assert find_period_department_mismatches() == [(student.pk, other.pk, student.department_id)]
    with pytest.raises(CommandError, match="another department"):
        call_command("check_ledger")
    call_command("rebuild_period_points")
    assert departments_of(student) == {student.department_id}
    call_command("check_ledger")


def test_the_department_board_reads_its_own_rows(faculty, category):
    department = DepartmentFactory()
    ours = [StudentFactory(department=department) for _ in range(3)]
    theirs = [StudentFactory() for _ in range(3)]
    for i, profile in enumerate(ours + theirs):
        award(faculty, profile, category, 10 + i)
    viewer = ours[0]
    board = get_leaderboard(viewer=viewer.user, period=Period.WEEK, department=department, top=2)
    assert [row.points for row in board.rows] == [12, 11]
    assert (board.viewer_row.rank, board.viewer_row.points) == (3, 10)
