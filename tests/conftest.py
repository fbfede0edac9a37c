"""The cast every test can use: a student, another student, a faculty member, an admin, and a
partner (an outside reviewer from a company)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import translation

from portal.models import (
    Category,
    Club,
    Company,
    Department,
    StudentProfile,
    Transaction,
    User,
)
from portal.permissions.events import forget_checkin_copies
from portal.services import webhooks

from . import cast
from .cast import key  # noqa: F401  (tests import it from here)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and spent scan tokens live in the cache: each test starts empty
    (ids are reused between tests, so a count could otherwise carry over). So does each
    process's copy of the webhook routes and of the events checked into."""
    cache.clear()
    webhooks.forget_local_routes()
    forget_checkin_copies()
    yield


@pytest.fixture(autouse=True)
def _default_language() -> None:
    """Each test starts in the default language. A request by a user who chose Arabic
    activates it for the thread (as Django's LocaleMiddleware does for any request), and
    without this a later test in the same worker reads Arabic where it expects English."""
    translation.deactivate()


@pytest.fixture
def department() -> Department:
    return cast.make_department()


@pytest.fixture
def student(department) -> StudentProfile:
    return cast.make_student(department)


@pytest.fixture
def other_student(department) -> StudentProfile:
    return cast.make_other_student(department)


@pytest.fixture
def faculty() -> User:
    return cast.make_faculty()


@pytest.fixture
def other_faculty() -> User:
    return cast.make_other_faculty()


@pytest.fixture
def admin() -> User:
    return cast.make_admin()


@pytest.fixture
def department_admin() -> User:
    """An admin limited to another department than `student`'s (Computer Science)."""
    return cast.make_department_admin()


@pytest.fixture
def category() -> Category:
    return cast.make_category()


@pytest.fixture
def club() -> Club:
    return cast.make_club()


@pytest.fixture
def officer(department, club) -> StudentProfile:
    """A student who is an officer of `club` (appointed as an admin would)."""
    return cast.make_officer(department, club)


@pytest.fixture
def client_as() -> Callable[[User | StudentProfile | None], Client]:
    """A test client signed in as the given user (or a student profile's user); None: anonymous."""

    def make(who: User | StudentProfile | None) -> Client:
        client = Client()
        if who is not None:
            client.force_login(who.user if isinstance(who, StudentProfile) else who)
        return client

    return make


@pytest.fixture
def give() -> Callable[..., Transaction]:
    """Award points through the real service (balances only ever move that way)."""
    return cast.give


def ledger_total() -> tuple[int, int]:
    """(number of entries, sum of amounts): tests assert this is unchanged after a refusal."""
    from django.db.models import Sum

    return Transaction.objects.count(), Transaction.objects.aggregate(s=Sum("amount"))["s"] or 0


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL row locks (run with DATABASE_URL=postgres://...)",
)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """The accessibility sweep's figures and its moderate and minor axe findings, which do not
    fail it but should be seen (tests/browser/test_accessibility_sweep.py records them on its
    reports, so this works under xdist too)."""
    import json

    lines = []
    for report in terminalreporter.getreports("passed") + terminalreporter.getreports("failed"):
        for name, value in getattr(report, "user_properties", []):
            if name != "axe" or report.when != "call":
                continue
            data = json.loads(value)
            counts = ", ".join(
                f"{impact} {data['counts'][impact]}"
                for impact in ("critical", "serious", "moderate", "minor")
            )
            lines.append(
                f"{data['role']}: {data['checked']} checks (page or state × width); {counts}"
            )
            lines.extend(f"  {line}" for line in data["summary"].splitlines())
    if lines:
        terminalreporter.write_sep("-", "axe-core sweep (moderate and minor do not fail)")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture
def company() -> Company:
    return cast.make_company()


@pytest.fixture
def partner(company) -> User:
    """An outside professional from `company`: a partner account with its reviewer row (as
    services.partners.invite_partner makes them)."""
    return cast.make_partner(company)
