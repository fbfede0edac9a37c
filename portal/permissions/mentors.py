"""Mentors and club advisers: who assigns them (admins), who may be one (active faculty), and
who sees a mentor's page (faculty). Being a mentor is a column on the student's profile and
being an adviser a club membership row, so neither is a role on the account."""

from __future__ import annotations

from portal.models import Role, User

from .accounts import administers_everyone


def can_assign_mentors(user: User | None) -> bool:
    """Assign, change or clear a student's mentor, one at a time or by file: admins without a
    department limit (mentors are assigned across departments)."""
    return administers_everyone(user)


def can_mentor(user: User | None) -> bool:
    """May be a student's mentor or a club's faculty adviser: active (not suspended) faculty."""
    return user is not None and user.is_active and user.role == Role.FACULTY


def can_see_mentees(user: User | None) -> bool:
    """The "My mentees" page: active faculty (with no mentees it says so)."""
    return user is not None and user.is_authenticated and can_mentor(user)
