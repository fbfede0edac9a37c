"""The cast every test can use: a student, another student, a faculty member, an admin."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client

from portal.models import Category, Role, StudentProfile, Transaction, User
from portal.services import ledger

from .factories import CategoryFactory, DepartmentFactory, StudentFactory, UserFactory


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
def category() -> Category:
    return CategoryFactory(name="Academic merit", default_points=20, min_points=5, max_points=50)


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
