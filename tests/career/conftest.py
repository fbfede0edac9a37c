"""Shared setup for the resume review tests: two fields, the `faculty` fixture as a reviewer
of software engineering, and a ledger check after every test."""

from __future__ import annotations

import pytest

from portal.models import Reviewer, Specialty, User
from tests.helpers import assert_ledger_consistent

from .helpers import make_reviewer


@pytest.fixture(autouse=True)
def _ledger_still_balances(db):
    yield
    assert_ledger_consistent()


@pytest.fixture
def software() -> Specialty:
    return Specialty.objects.create(name="Software engineering")


@pytest.fixture
def finance() -> Specialty:
    return Specialty.objects.create(name="Finance")


@pytest.fixture
def reviewer(faculty: User, software: Specialty) -> Reviewer:
    return make_reviewer(faculty, software)
