"""A year-end close while awards and redemptions run: the close locks every student's profile
in primary-key order (the ledger's order), so each award lands before it (its points counted,
and expired if they must) or after it (refused for an alumnus, kept for a continuing student);
the ledger stays exact. Two closes at once: one closes, the other is refused."""

from __future__ import annotations

import pytest

from portal.models import AcademicYearClose, Role, StudentProfile, Transaction
from portal.selectors.year_end import current_academic_year
from portal.services import ledger
from portal.services.year_end import close_academic_year
from tests.concurrency.threads import run_at_once
from tests.conftest import key, postgres_only
from tests.factories import CategoryFactory, StudentFactory
from tests.helpers import assert_ledger_consistent, award

pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]

YEAR = current_academic_year()


def test_awards_during_the_close_leave_the_ledger_exact(admin, faculty):
    category = CategoryFactory(min_points=1, max_points=100, default_points=10)
    seniors = [StudentFactory(year=4) for _ in range(4)]
    juniors = [StudentFactory(year=1) for _ in range(4)]
    for profile in seniors + juniors:
        award(admin, profile, category, 30)

    def give(profile: StudentProfile):
        return lambda: ledger.award_points(
            actor=faculty,
            student_id=profile.pk,
            category_id=category.pk,
            amount=5,
            reason="During the close",
            idempotency_key=key(),
        )

    def close() -> None:
        close_academic_year(actor=admin, academic_year=YEAR)

    jobs = [close] + [give(p) for p in seniors + juniors for _ in range(3)]
    outcomes = run_at_once(jobs)
    assert set(outcomes) <= {"ok", "alumnus"}, outcomes
    assert_ledger_consistent()

    for senior in seniors:
        senior.refresh_from_db()
        assert senior.user.role == Role.ALUMNUS
        # Whatever landed before the close expired with the rest; nothing landed after.
        assert senior.balance == 0
        expired = Transaction.objects.get(student=senior, kind=Transaction.Kind.EXPIRY)
        assert -expired.amount == senior.lifetime_points
    for junior in juniors:
        junior.refresh_from_db()
        assert junior.year == 2
        assert junior.balance == 30 + 5 * 3  # every award landed, before or after
    refused = outcomes.get("alumnus", 0)
    assert Transaction.objects.filter(reason="During the close").count() == 24 - refused


def test_two_closes_at_once_close_the_year_once(admin):
    seniors = [StudentFactory(year=4) for _ in range(3)]
    juniors = [StudentFactory(year=2) for _ in range(3)]

    def close() -> None:
        close_academic_year(actor=admin, academic_year=YEAR)

    outcomes = run_at_once([close, close, close])
    assert outcomes == {"ok": 1, "already_closed": 2}, outcomes
    assert AcademicYearClose.objects.count() == 1
    assert {p.year for p in StudentProfile.objects.filter(pk__in=[j.pk for j in juniors])} == {3}
    assert (
        StudentProfile.objects.filter(
            pk__in=[s.pk for s in seniors], user__role=Role.ALUMNUS
        ).count()
        == 3
    )
    assert_ledger_consistent()
