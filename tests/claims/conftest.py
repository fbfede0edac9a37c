"""Shared setup for the claims, tasks and review tests: a capped category, an open task, and a
check that every test leaves the ledger consistent."""

from __future__ import annotations

import pytest

from portal.models import Category, Task, User
from tests.factories import CategoryFactory, TaskFactory
from tests.helpers import assert_ledger_consistent


@pytest.fixture(autouse=True)
def _ledger_still_balances(db):
    """Whatever a test does, every cached balance still matches the ledger (check_ledger)."""
    yield
    assert_ledger_consistent()


@pytest.fixture
def capped() -> Category:
    """Volunteering: 5 to 50 points a claim, at most 100 a student per calendar year."""
    return CategoryFactory(
        name="Volunteering", min_points=5, max_points=50, default_points=15, yearly_cap=100
    )


@pytest.fixture
def task(faculty: User, category: Category) -> Task:
    """An open task worth 20 points in Academic merit, two places, posted by `faculty`."""
    return TaskFactory(
        title="Guide the open day",
        category=category,
        points=20,
        max_claimants=2,
        created_by=faculty,
    )
