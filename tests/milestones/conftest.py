"""Shared setup for the milestones tests: the default levels (Bronze 100, Silver 300, ...) and
a category wide enough to cross several levels in one award."""

from __future__ import annotations

import pytest

from portal.domain.levels import DEFAULT_LEVELS, parse_levels
from portal.models import Category
from tests.factories import CategoryFactory


@pytest.fixture(autouse=True)
def _default_levels(settings):
    settings.UPAS_LEVELS = parse_levels(DEFAULT_LEVELS)


@pytest.fixture
def wide() -> Category:
    return CategoryFactory(name="Outstanding work", min_points=1, max_points=1000)
