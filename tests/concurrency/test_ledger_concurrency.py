"""Many requests at once on one student, with separate database connections per thread.

On PostgreSQL the profile row lock serialises them; on SQLite every write transaction starts
with BEGIN IMMEDIATE and queues behind the busy timeout. Either way: no lost update, no
overdraw, no error other than the refusals the services define."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import partial

import pytest

from portal.models import PeriodPoints, StudentProfile, Transaction
from portal.selectors.ledger import find_period_department_mismatches
from portal.selectors.periods import period_start
from portal.services import ledger, period_points
from tests.concurrency.threads import run_at_once
from tests.conftest import key
from tests.factories import CategoryFactory, DepartmentFactory, StudentFactory
from tests.helpers import assert_ledger_consistent, award

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cast(faculty, admin):
    category = CategoryFactory(min_points=1, max_points=100, default_points=10)
    student = StudentFactory()
    ledger.award_points(
        actor=admin,
        student_id=student.pk,
        category_id=category.pk,
        amount=100,
        reason="Start",
        idempotency_key=key(),
    )
    return student, category


def test_concurrent_awards_and_deductions_on_one_student_stay_consistent(cast, faculty, admin):
    student, category = cast

    def give() -> None:
        ledger.award_points(
            actor=faculty,
            student_id=student.pk,
            category_id=category.pk,
            amount=10,
            reason="Race",
            idempotency_key=key(),
        )

    def take() -> None:
        ledger.deduct_points(
            actor=admin, student_id=student.pk, amount=15, reason="Race", idempotency_key=key()
        )

    outcomes = run_at_once([give] * 12 + [take] * 12)
    assert set(outcomes) <= {"ok", "insufficient_balance"}, outcomes
    student.refresh_from_db()
    awards = Transaction.objects.filter(student=student, kind="award").count() - 1
    deductions = Transaction.objects.filter(student=student, kind="deduction").count()
    assert awards == 12
    assert outcomes["ok"] == awards + deductions
    assert student.balance == 100 + 10 * awards - 15 * deductions >= 0
    assert_ledger_consistent()


def test_concurrent_deductions_never_overdraw(cast, admin):
    student, _category = cast

    def take() -> None:
        ledger.deduct_points(
            actor=admin, student_id=student.pk, amount=10, reason="Race", idempotency_key=key()
        )

    outcomes = run_at_once([take] * 20)
    assert outcomes == Counter({"ok": 10, "insufficient_balance": 10})
    student.refresh_from_db()
    assert student.balance == 0
    assert_ledger_consistent()


def test_the_same_form_submitted_twenty_times_at_once_creates_one_entry(cast, faculty):
    student, category = cast
    k = key()

    def submit() -> None:
        ledger.award_points(
            actor=faculty,
            student_id=student.pk,
            category_id=category.pk,
            amount=10,
            reason="Double click",
            idempotency_key=k,
        )

    outcomes = run_at_once([submit] * 20)
    assert outcomes == Counter({"ok": 20})
    assert Transaction.objects.filter(idempotency_key=k).count() == 1
    student.refresh_from_db()
    assert student.balance == 110


def test_an_entry_reversed_by_many_admins_at_once_is_reversed_once(cast, faculty, admin):
    student, category = cast
    entry = ledger.award_points(
        actor=faculty,
        student_id=student.pk,
        category_id=category.pk,
        amount=40,
        reason="Oops",
        idempotency_key=key(),
    )

    def reverse() -> None:
        ledger.reverse_transaction(
            actor=admin, transaction_id=entry.pk, reason="Race", idempotency_key=key()
        )

    outcomes = run_at_once([reverse] * 20)
    assert outcomes == Counter({"ok": 1, "already_reversed": 19})
    student.refresh_from_db()
    assert student.balance == 100
    assert_ledger_consistent()


def test_overlapping_bulk_awards_do_not_deadlock(faculty, admin):
    category = CategoryFactory(min_points=1, max_points=100, default_points=5)
    students = [StudentFactory() for _ in range(6)]
    numbers = [s.enrollment_number for s in students]

    def bulk(order: list[str]) -> Callable[[], object]:
        lines, _ = ledger.parse_bulk_lines("\n".join(order))
        return lambda: ledger.bulk_award(
            actor=faculty,
            category_id=category.pk,
            amount=5,
            reason="Race",
            lines=lines,
            idempotency_key=key(),
        )

    outcomes = run_at_once([bulk(numbers), bulk(numbers[::-1])] * 5)
    assert outcomes == Counter({"ok": 10})
    assert set(
        StudentProfile.objects.filter(pk__in=[s.pk for s in students]).values_list(
            "balance", flat=True
        )
    ) == {50}
    assert_ledger_consistent()


def test_period_totals_stay_exact_under_awards_to_many_students_and_a_rebuild(faculty, admin):
    """Sixteen awards to four students race each other and a rebuild of the period totals:
    each award is counted once, by the rebuild's sums or added after it."""
    category = CategoryFactory(min_points=1, max_points=100, default_points=5)
    students = [StudentFactory() for _ in range(4)]

    def give(profile: StudentProfile) -> Callable[[], object]:
        return lambda: ledger.award_points(
            actor=faculty,
            student_id=profile.pk,
            category_id=category.pk,
            amount=7,
            reason="Race",
            idempotency_key=key(),
        )

    jobs = [give(profile) for profile in students for _ in range(4)]
    outcomes = run_at_once([*jobs, period_points.rebuild_current, period_points.rebuild_current])
    assert outcomes == Counter({"ok": 18})
    week = PeriodPoints.objects.filter(period="week", starts_at=period_start("week"))
    assert sorted(week.values_list("points", flat=True)) == [28, 28, 28, 28]
    assert_ledger_consistent()


def test_awards_racing_changes_of_department_leave_every_row_with_the_last_one(cast, faculty):
    """An award copies the department it read under the profile lock; a change of department
    (its trigger) waits for that lock's row or runs first. Either order ends with the rows in
    the student's department."""
    student, category = cast
    departments = [DepartmentFactory() for _ in range(4)]
    give = partial(award, faculty, student, category, 5, reason="Race")  # a fresh key each

    def move(department) -> Callable[[], None]:
        def run() -> None:
            profile = StudentProfile.objects.get(pk=student.pk)
            profile.department = department
            profile.save(update_fields=["department"])

        return run

    outcomes = run_at_once([give] * 12 + [move(d) for d in departments] * 2)
    assert set(outcomes) == {"ok"}, outcomes
    student.refresh_from_db()
    assert student.department in departments
    rows = PeriodPoints.objects.filter(student=student)
    assert set(rows.values_list("department", flat=True)) == {student.department_id}
    assert find_period_department_mismatches() == []
    assert_ledger_consistent()
