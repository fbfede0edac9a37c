"""Shared setup for the rewards tests: a student with 100 points to spend, a reward of 30
points with 5 in stock, and a check that every test leaves the ledger consistent."""

from __future__ import annotations

from typing import Any

import pytest

from portal.models import Category, Redemption, Reward, StudentProfile
from tests.conftest import ledger_total
from tests.factories import CategoryFactory, RewardFactory
from tests.helpers import assert_ledger_consistent, award


@pytest.fixture(autouse=True)
def _ledger_still_balances(db):
    """Whatever a test does, every cached balance still matches the ledger (check_ledger)."""
    yield
    assert_ledger_consistent()


@pytest.fixture
def funds() -> Category:
    return CategoryFactory(name="Funds", min_points=1, max_points=100)


@pytest.fixture
def student(student, admin, funds) -> StudentProfile:
    """The conftest student (Alice), given 100 points to spend (and 100 lifetime points)."""
    award(admin, student, funds, 100)
    student.refresh_from_db()
    return student


@pytest.fixture
def reward() -> Reward:
    return RewardFactory(name="Hoodie", cost=30, stock=5)


def written(reward: Reward) -> tuple[Any, ...]:
    """Everything a redemption or a refund writes: ledger, redemptions, the reward's stock."""
    reward.refresh_from_db()
    return ledger_total(), Redemption.objects.count(), reward.stock
