"""The cast every test can use, as plain functions: the fixtures in tests/conftest.py call them
one by one, and tests/test_permissions.py makes the whole cast once per module."""

from __future__ import annotations

import uuid
from typing import Any

from portal.models import (
    Category,
    Club,
    ClubMembership,
    Company,
    Department,
    Reviewer,
    Role,
    StudentProfile,
    Transaction,
    User,
)
from portal.services import ledger

from .factories import CategoryFactory, DepartmentFactory, StudentFactory, UserFactory


def key() -> str:
    return uuid.uuid4().hex


def make_department() -> Department:
    return DepartmentFactory(name="Computer Science", code="CS")


def _student(name: str, email: str, number: str, department: Department) -> StudentProfile:
    return StudentFactory(
        user__name=name, user__email=email, enrollment_number=number, department=department
    )


def make_student(department: Department) -> StudentProfile:
    return _student("Alice Student", "alice@upas.test", "CS001", department)


def make_other_student(department: Department) -> StudentProfile:
    return _student("Bob Student", "bob@upas.test", "CS002", department)


def make_faculty() -> User:
    return UserFactory(name="Dr Faculty", email="faculty@upas.test", role=Role.FACULTY)


def make_other_faculty() -> User:
    return UserFactory(name="Dr Other", email="other.faculty@upas.test", role=Role.FACULTY)


def make_admin() -> User:
    return UserFactory(name="Ada Admin", email="admin@upas.test", role=Role.ADMIN)


def make_department_admin() -> User:
    """An admin limited to another department than the student's (Computer Science)."""
    return UserFactory(
        name="Dana Dept",
        email="dana@upas.test",
        role=Role.ADMIN,
        admin_department=DepartmentFactory(name="History", code="HI"),
    )


def make_category() -> Category:
    return CategoryFactory(name="Academic merit", default_points=20, min_points=5, max_points=50)


def make_club() -> Club:
    return Club.objects.create(name="Robotics", slug="robotics", description="We build robots.")


def make_officer(department: Department, club: Club) -> StudentProfile:
    """A student who is an officer of `club` (appointed as an admin would)."""
    profile = _student("Olga Officer", "olga@upas.test", "CS900", department)
    ClubMembership.objects.create(
        club=club, user=profile.user, position=ClubMembership.Position.OFFICER
    )
    return profile


def make_company() -> Company:
    return Company.objects.create(name="Northwind Analytics", website="https://northwind.test")


def make_partner(company: Company) -> User:
    """An outside professional from `company`: a partner account with its reviewer row (as
    services.partners.invite_partner makes them)."""
    user = UserFactory(name="Pat Partner", email="pat@northwind.test", role=Role.PARTNER)
    Reviewer.objects.create(
        user=user, kind=Reviewer.Kind.PROFESSIONAL, company=company, headline="Data lead"
    )
    return user


def award(
    actor: User,
    profile: StudentProfile,
    category: Category,
    amount: int = 20,
    *,
    reason: str = "Great work",
    **kwargs: Any,
) -> Transaction:
    """Award points through the real service (balances only ever move that way)."""
    return ledger.award_points(
        actor=actor,
        student_id=profile.pk,
        category_id=category.pk,
        amount=amount,
        reason=reason,
        idempotency_key=kwargs.pop("idempotency_key", key()),
        **kwargs,
    )


def give(profile: StudentProfile, amount: int, *, actor: User, category: Category) -> Transaction:
    """The `give` fixture's award: the profile first, as most tests read it."""
    return award(actor, profile, category, amount, reason="Test award")
