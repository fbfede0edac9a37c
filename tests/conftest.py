"""The cast every test can use: a student, another student, a faculty member, an admin, and a
partner (an outside reviewer from a company)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import translation

from portal.models import (
    Category,
    Club,
    ClubMembership,
    Company,
    Reviewer,
    Role,
    StudentProfile,
    Transaction,
    User,
)
from portal.services import ledger, webhooks

from .factories import CategoryFactory, DepartmentFactory, StudentFactory, UserFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and spent scan tokens live in the cache: each test starts empty
    (ids are reused between tests, so a count could otherwise carry over). So does each
    process's copy of the webhook routes."""
    cache.clear()
    webhooks.forget_local_routes()
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language. A request by a user who chose Arabic
    activates it for the thread (as Django's LocaleMiddleware does for any request), and
    without this a later test in the same worker reads Arabic where it expects English."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def department():
    return DepartmentFactory(name="Computer Science", code="CS")


@pytest.fixture
def student(department) -> StudentProfile:
    return StudentFactory(
        user__name="Alice Student",
        user__email="alice@upas.test",
        enrollment_number="CS001",
        department=department,
    )


@pytest.fixture
def other_student(department) -> StudentProfile:
    return StudentFactory(
        user__name="Bob Student",
        user__email="bob@upas.test",
        enrollment_number="CS002",
        department=department,
    )


@pytest.fixture
def faculty() -> User:
    return UserFactory(name="Dr Faculty", email="faculty@upas.test", role=Role.FACULTY)


@pytest.fixture
def other_faculty() -> User:
    return UserFactory(name="Dr Other", email="other.faculty@upas.test", role=Role.FACULTY)


@pytest.fixture
def admin() -> User:
    return UserFactory(name="Ada Admin", email="admin@upas.test", role=Role.ADMIN)


@pytest.fixture
def department_admin() -> User:
    """An admin limited to another department than `student`'s (Computer Science)."""
    return UserFactory(
        name="Dana Dept",
        email="dana@upas.test",
        role=Role.ADMIN,
        admin_department=DepartmentFactory(name="History", code="HI"),
    )


@pytest.fixture
def category() -> Category:
    return CategoryFactory(name="Academic merit", default_points=20, min_points=5, max_points=50)


@pytest.fixture
def club() -> Club:
    return Club.objects.create(name="Robotics", slug="robotics", description="We build robots.")


@pytest.fixture
def officer(department, club) -> StudentProfile:
    """A student who is an officer of `club` (appointed as an admin would)."""
    profile = StudentFactory(
        user__name="Olga Officer",
        user__email="olga@upas.test",
        enrollment_number="CS900",
        department=department,
    )
    ClubMembership.objects.create(
        club=club, user=profile.user, position=ClubMembership.Position.OFFICER
    )
    return profile


@pytest.fixture
def client_as() -> Callable[[User | StudentProfile | None], Client]:
    """A test client signed in as the given user (or a student profile's user); None: anonymous."""

    def make(who: User | StudentProfile | None) -> Client:
        client = Client()
        if who is not None:
            client.force_login(who.user if isinstance(who, StudentProfile) else who)
        return client

    return make


def key() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def give() -> Callable[..., Transaction]:
    """Award points through the real service (balances only ever move that way)."""

    def award(
        profile: StudentProfile, amount: int, *, actor: User, category: Category
    ) -> Transaction:
        return ledger.award_points(
            actor=actor,
            student_id=profile.pk,
            category_id=category.pk,
            amount=amount,
            reason="Test award",
            idempotency_key=key(),
        )

    return award


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
    return Company.objects.create(name="Northwind Analytics", website="https://northwind.test")


@pytest.fixture
def partner(company) -> User:
    """An outside professional from `company`: a partner account with its reviewer row (as
    services.partners.invite_partner makes them)."""
    user = UserFactory(name="Pat Partner", email="pat@northwind.test", role=Role.PARTNER)
    Reviewer.objects.create(
        user=user, kind=Reviewer.Kind.PROFESSIONAL, company=company, headline="Data lead"
    )
    return user
