from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from portal.exceptions import BulkError, LedgerError
from portal.models import LedgerImmutableError, Transaction
from portal.permissions import can_reverse
from portal.selectors.ledger import find_ledger_mismatches
from portal.services import ledger
from tests.conftest import key, ledger_total
from tests.factories import CategoryFactory, StudentFactory
from tests.helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db


def award(actor, profile, category, amount=20, **kwargs):
    return ledger.award_points(
        actor=actor,
        student_id=profile.pk,
        category_id=category.pk,
        amount=amount,
        reason=kwargs.pop("reason", "Great work"),
        idempotency_key=kwargs.pop("idempotency_key", key()),
        **kwargs,
    )


def test_award_credits_balance_and_lifetime(faculty, student, category):
    entry = award(faculty, student, category, 20)
    student.refresh_from_db()
    assert (student.balance, student.lifetime_points) == (20, 20)
    assert (
        entry.kind == Transaction.Kind.AWARD
        and entry.actor == faculty
        and entry.counts_for_lifetime
    )


def test_award_with_same_key_twice_creates_one_entry(faculty, student, category):
    k = key()
    first = award(faculty, student, category, 20, idempotency_key=k)
    second = award(faculty, student, category, 20, idempotency_key=k)
    student.refresh_from_db()
    assert first.pk == second.pk
    assert Transaction.objects.count() == 1 and student.balance == 20


def test_award_refuses_another_actors_key(faculty, other_faculty, student, category):
    k = key()
    award(faculty, student, category, 20, idempotency_key=k)
    before = ledger_total()
    with pytest.raises(LedgerError) as exc:
        award(other_faculty, student, category, 20, idempotency_key=k)
    assert exc.value.code == "key_conflict"
    assert ledger_total() == before


@pytest.mark.parametrize("amount", [0, 4, 51, -5, 10**9])
def test_award_refuses_points_outside_category_bounds(faculty, student, category, amount):
    with pytest.raises(LedgerError) as exc:
        award(faculty, student, category, amount)
    assert exc.value.code == "out_of_bounds"
    assert ledger_total() == (0, 0)


def test_award_refuses_inactive_category(faculty, student, category):
    category.is_active = False
    category.save()
    with pytest.raises(LedgerError) as exc:
        award(faculty, student, category)
    assert exc.value.code == "inactive_category"
    assert ledger_total() == (0, 0)


def test_award_requires_a_reason(faculty, student, category):
    with pytest.raises(LedgerError) as exc:
        award(faculty, student, category, reason="   ")
    assert exc.value.code == "reason_required"
    assert ledger_total() == (0, 0)


def test_students_cannot_award_points(student, other_student, category):
    with pytest.raises(LedgerError) as exc:
        award(student.user, other_student, category)
    assert exc.value.code == "forbidden"
    with pytest.raises(LedgerError):
        award(student.user, student, category)
    assert ledger_total() == (0, 0)


def test_award_refuses_a_non_student_target(faculty, admin, category):
    with pytest.raises(LedgerError) as exc:
        ledger.award_points(
            actor=faculty,
            student_id=999_999,
            category_id=category.pk,
            amount=10,
            reason="x",
            idempotency_key=key(),
        )
    assert exc.value.code == "unknown_student"


def test_award_refuses_a_deactivated_student(faculty, student, category):
    student.user.is_active = False
    student.user.save()
    with pytest.raises(LedgerError) as exc:
        award(faculty, student, category)
    assert exc.value.code == "unknown_student"


def test_yearly_cap_limits_awards_in_a_category(faculty, student):
    capped = CategoryFactory(min_points=10, max_points=50, default_points=10, yearly_cap=60)
    award(faculty, student, capped, 50)
    with pytest.raises(LedgerError) as exc:
        award(faculty, student, capped, 20)
    assert exc.value.code == "cap_reached"
    award(faculty, student, capped, 10)  # exactly up to the cap is fine
    student.refresh_from_db()
    assert student.balance == 60


def test_yearly_cap_counts_only_this_year(faculty, student):
    capped = CategoryFactory(min_points=10, max_points=50, default_points=10, yearly_cap=50)
    award(faculty, student, capped, 50, at=timezone.now() - timedelta(days=400))
    award(faculty, student, capped, 50)
    student.refresh_from_db()
    assert student.lifetime_points == 100


def test_deduction_lowers_balance_and_lifetime(faculty, student, category):
    award(faculty, student, category, 30)
    ledger.deduct_points(
        actor=faculty, student_id=student.pk, amount=10, reason="Late", idempotency_key=key()
    )
    student.refresh_from_db()
    assert (student.balance, student.lifetime_points) == (20, 20)


def test_deduction_refuses_to_overdraw(faculty, student, category):
    award(faculty, student, category, 30)
    before = ledger_total()
    with pytest.raises(LedgerError) as exc:
        ledger.deduct_points(
            actor=faculty,
            student_id=student.pk,
            amount=31,
            reason="Too much",
            idempotency_key=key(),
        )
    assert exc.value.code == "insufficient_balance"
    assert ledger_total() == before


@pytest.mark.parametrize("amount", [0, -3, 100_001])
def test_deduction_refuses_bad_amounts(faculty, student, amount):
    with pytest.raises(LedgerError) as exc:
        ledger.deduct_points(
            actor=faculty, student_id=student.pk, amount=amount, reason="x", idempotency_key=key()
        )
    assert exc.value.code == "out_of_bounds"


def test_reversal_cancels_an_award_once(faculty, student, category):
    entry = award(faculty, student, category, 30)
    reversal = ledger.reverse_transaction(
        actor=faculty, transaction_id=entry.pk, reason="Wrong student", idempotency_key=key()
    )
    student.refresh_from_db()
    assert reversal.amount == -30 and reversal.reverses == entry and reversal.category == category
    assert (student.balance, student.lifetime_points) == (0, 0)
    with pytest.raises(LedgerError) as exc:
        ledger.reverse_transaction(
            actor=faculty, transaction_id=entry.pk, reason="Again", idempotency_key=key()
        )
    assert exc.value.code == "already_reversed"


def test_reversal_of_a_deduction_gives_points_back(faculty, student, category):
    award(faculty, student, category, 30)
    deduction = ledger.deduct_points(
        actor=faculty, student_id=student.pk, amount=10, reason="Late", idempotency_key=key()
    )
    ledger.reverse_transaction(
        actor=faculty, transaction_id=deduction.pk, reason="Was on time", idempotency_key=key()
    )
    student.refresh_from_db()
    assert (student.balance, student.lifetime_points) == (30, 30)


def test_reversal_refused_when_points_already_spent(faculty, admin, student, category):
    entry = award(faculty, student, category, 30)
    ledger.deduct_points(
        actor=admin, student_id=student.pk, amount=20, reason="Spent", idempotency_key=key()
    )
    with pytest.raises(LedgerError) as exc:
        ledger.reverse_transaction(
            actor=faculty, transaction_id=entry.pk, reason="Oops", idempotency_key=key()
        )
    assert exc.value.code == "insufficient_balance"


def test_faculty_cannot_reverse_after_the_window(faculty, student, category):
    entry = award(faculty, student, category, 30, at=timezone.now() - timedelta(hours=25))
    with pytest.raises(LedgerError) as exc:
        ledger.reverse_transaction(
            actor=faculty, transaction_id=entry.pk, reason="Late", idempotency_key=key()
        )
    assert exc.value.code == "window_passed"
    assert not can_reverse(faculty, entry)


def test_faculty_cannot_reverse_someone_elses_award(faculty, other_faculty, student, category):
    entry = award(faculty, student, category, 30)
    with pytest.raises(LedgerError) as exc:
        ledger.reverse_transaction(
            actor=other_faculty, transaction_id=entry.pk, reason="Mine?", idempotency_key=key()
        )
    assert exc.value.code == "forbidden"


def test_admin_can_reverse_any_award_at_any_time(faculty, admin, student, category):
    entry = award(faculty, student, category, 30, at=timezone.now() - timedelta(days=90))
    assert can_reverse(admin, entry)
    ledger.reverse_transaction(
        actor=admin, transaction_id=entry.pk, reason="Audit", idempotency_key=key()
    )
    student.refresh_from_db()
    assert student.balance == 0


def test_a_reversal_cannot_itself_be_reversed(faculty, student, category):
    entry = award(faculty, student, category, 30)
    reversal = ledger.reverse_transaction(
        actor=faculty, transaction_id=entry.pk, reason="x", idempotency_key=key()
    )
    with pytest.raises(LedgerError) as exc:
        ledger.reverse_transaction(
            actor=faculty, transaction_id=reversal.pk, reason="y", idempotency_key=key()
        )
    assert exc.value.code == "not_reversible"


# --- bulk ---------------------------------------------------------------------------------------


def test_parse_bulk_lines_reads_numbers_and_optional_points():
    lines, errors = ledger.parse_bulk_lines("cs001\n\nCS002, 15\nCS003 x\nA B C\n")
    assert [(line.line, line.enrollment_number, line.points) for line in lines] == [
        (1, "CS001", None),
        (3, "CS002", 15),
    ]
    assert [(e.line, e.value) for e in errors] == [(4, "CS003 x"), (5, "A B C")]


def test_bulk_award_applies_every_line(faculty, student, other_student, category):
    lines, errors = ledger.parse_bulk_lines(
        f"{student.enrollment_number}\n{other_student.enrollment_number}, 40"
    )
    entries = ledger.bulk_award(
        actor=faculty,
        category_id=category.pk,
        amount=10,
        reason="Hackathon",
        lines=lines,
        parse_errors=errors,
        idempotency_key=key(),
    )
    assert sorted(e.amount for e in entries) == [10, 40]


def test_bulk_award_with_one_bad_line_applies_nothing_and_reports_every_line(
    faculty, student, other_student, category
):
    text = "\n".join(
        [
            student.enrollment_number,
            "NOPE1",
            student.enrollment_number,
            f"{other_student.enrollment_number}, 500",
            "x, y",
        ]
    )
    lines, errors = ledger.parse_bulk_lines(text)
    with pytest.raises(BulkError) as exc:
        ledger.bulk_award(
            actor=faculty,
            category_id=category.pk,
            amount=10,
            reason="x",
            lines=lines,
            parse_errors=errors,
            idempotency_key=key(),
        )
    assert [row.line for row in exc.value.rows] == [2, 3, 4, 5]
    assert "first on line 1" in exc.value.rows[1].reason
    assert ledger_total() == (0, 0)


def test_bulk_award_respects_the_cap_across_lines_for_one_student(faculty, student):
    capped = CategoryFactory(min_points=10, max_points=50, default_points=10, yearly_cap=30)
    lines, _ = ledger.parse_bulk_lines(f"{student.enrollment_number}, 20")
    ledger.bulk_award(
        actor=faculty,
        category_id=capped.pk,
        amount=10,
        reason="x",
        lines=lines,
        idempotency_key=key(),
    )
    with pytest.raises(BulkError) as exc:
        ledger.bulk_award(
            actor=faculty,
            category_id=capped.pk,
            amount=20,
            reason="x",
            lines=lines,
            idempotency_key=key(),
        )
    assert exc.value.rows[0].line == 1


def test_bulk_award_replayed_returns_the_first_entries(faculty, student, other_student, category):
    lines, _ = ledger.parse_bulk_lines(
        f"{student.enrollment_number}\n{other_student.enrollment_number}"
    )
    k = key()
    first = ledger.bulk_award(
        actor=faculty,
        category_id=category.pk,
        amount=10,
        reason="x",
        lines=lines,
        idempotency_key=k,
    )
    again = ledger.bulk_award(
        actor=faculty,
        category_id=category.pk,
        amount=10,
        reason="x",
        lines=lines,
        idempotency_key=k,
    )
    assert [e.pk for e in first] == [e.pk for e in again]
    assert Transaction.objects.count() == 2


def test_bulk_award_needs_students(faculty, category):
    with pytest.raises(LedgerError) as exc:
        ledger.bulk_award(
            actor=faculty,
            category_id=category.pk,
            amount=10,
            reason="x",
            lines=[],
            idempotency_key=key(),
        )
    assert exc.value.code == "no_students"


# --- immutability and the last lines of defence -------------------------------------------------


def test_ledger_entries_cannot_be_saved_again_or_deleted(faculty, student, category):
    entry = award(faculty, student, category)
    entry.amount = 1000
    with pytest.raises(LedgerImmutableError):
        entry.save()
    with pytest.raises(LedgerImmutableError):
        entry.delete()
    with pytest.raises(LedgerImmutableError):
        Transaction.objects.filter(pk=entry.pk).update(amount=1000)
    with pytest.raises(LedgerImmutableError):
        Transaction.objects.all().delete()
    entry.refresh_from_db()
    assert entry.amount == 20


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only"
)
def test_database_trigger_refuses_raw_updates(faculty, student, category):
    entry = award(faculty, student, category)
    with (
        pytest.raises(Exception, match="immutable"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE portal_transaction SET amount = 999 WHERE id = %s", [entry.pk])


def test_balance_check_constraint_is_the_last_line(student):
    from portal.models import StudentProfile

    with pytest.raises(IntegrityError), transaction.atomic():
        StudentProfile.objects.filter(pk=student.pk).update(balance=-1)


def test_zero_amount_entries_are_refused_by_the_database(student, faculty):
    with pytest.raises(IntegrityError), transaction.atomic():
        Transaction.objects.create(
            student=student,
            amount=0,
            kind="refund",
            idempotency_key=key(),
            counts_for_lifetime=False,
        )


# --- check_ledger --------------------------------------------------------------------------------


def test_check_ledger_passes_after_services(faculty, student, other_student, category):
    award(faculty, student, category, 30)
    award(faculty, other_student, category, 10)
    ledger.deduct_points(
        actor=faculty, student_id=student.pk, amount=5, reason="x", idempotency_key=key()
    )
    assert_ledger_consistent()
    call_command("check_ledger")


def test_check_ledger_names_students_whose_cache_drifted(
    faculty, student, other_student, category, capsys
):
    from portal.models import StudentProfile

    award(faculty, student, category, 30)
    StudentProfile.objects.filter(pk=student.pk).update(balance=25)  # a bug or a manual edit
    mismatches = find_ledger_mismatches()
    assert [m.enrollment_number for m in mismatches] == [student.enrollment_number]
    with pytest.raises(CommandError) as exc:
        call_command("check_ledger")
    assert exc.value.returncode == 1
    assert student.enrollment_number in capsys.readouterr().err


def test_many_random_operations_keep_the_ledger_consistent(faculty, admin, category):
    """A property-style walk: whatever sequence of awards, deductions and reversals, the cached
    totals equal the ledger sums and no balance goes negative."""
    import random

    rng = random.Random(7)
    students = [StudentFactory() for _ in range(5)]
    entries: list[Transaction] = []
    for _ in range(150):
        s = rng.choice(students)
        op = rng.random()
        try:
            if op < 0.5:
                entries.append(award(faculty, s, category, rng.randint(5, 50)))
            elif op < 0.8:
                entries.append(
                    ledger.deduct_points(
                        actor=admin,
                        student_id=s.pk,
                        amount=rng.randint(1, 60),
                        reason="x",
                        idempotency_key=key(),
                    )
                )
            elif entries:
                ledger.reverse_transaction(
                    actor=admin,
                    transaction_id=rng.choice(entries).pk,
                    reason="x",
                    idempotency_key=key(),
                )
        except LedgerError:
            pass
    assert_ledger_consistent()
    assert all(s.balance >= 0 for s in type(students[0]).objects.all())


def test_a_key_reused_for_a_different_award_is_refused_not_dropped(
    faculty, student, other_student, category
):
    """The back button restores a page with its old key; filling it in again for someone else
    must not be answered with the first award's success."""
    k = key()
    award(faculty, student, category, 20, idempotency_key=k)
    before = ledger_total()
    for changed in ({"profile": other_student}, {"amount": 30}):
        with pytest.raises(LedgerError) as exc:
            award(
                faculty,
                changed.get("profile", student),
                category,
                changed.get("amount", 20),
                idempotency_key=k,
            )
        assert exc.value.code == "key_conflict"
    assert ledger_total() == before


def test_a_bulk_key_reused_with_other_lines_is_refused(faculty, student, other_student, category):
    k = key()
    first, _ = ledger.parse_bulk_lines(student.enrollment_number)
    ledger.bulk_award(
        actor=faculty,
        category_id=category.pk,
        amount=10,
        reason="x",
        lines=first,
        idempotency_key=k,
    )
    other, _ = ledger.parse_bulk_lines(other_student.enrollment_number)
    with pytest.raises(LedgerError) as exc:
        ledger.bulk_award(
            actor=faculty,
            category_id=category.pk,
            amount=10,
            reason="x",
            lines=other,
            idempotency_key=k,
        )
    assert exc.value.code == "key_conflict"
