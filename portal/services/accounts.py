"""Accounts: student registration (sign-up, later import), staff accounts and role changes."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db import transaction

from portal.exceptions import AccountError
from portal.models import Department, Role, StudentProfile, User

from .audit import record_audit


@transaction.atomic
def register_student(
    *,
    user: User,
    enrollment_number: str,
    department: Department | None,
    programme: str = "",
    year: int = 1,
) -> StudentProfile:
    """Make `user` a student with a profile (balance 0). Called by sign-up after allauth has
    saved the user. Raises AccountError("enrollment_taken") when the number is in use."""
    number = enrollment_number.strip().upper()
    if StudentProfile.objects.filter(enrollment_number=number).exists():
        raise AccountError(
            "enrollment_taken",
            "This enrollment number is already registered.",
            field="enrollment_number",
        )
    user.role = Role.STUDENT
    user.save(update_fields=["role"])
    return StudentProfile.objects.create(
        user=user, enrollment_number=number, department=department, programme=programme, year=year
    )


def _require_admin(actor: User) -> None:
    if actor.role != Role.ADMIN or not actor.is_active:
        raise AccountError("forbidden", "Only admins can manage accounts.")


@transaction.atomic
def create_staff_user(*, actor: User, email: str, name: str, role: str) -> User:
    """Create a faculty member or admin with no usable password; they set one through the
    password-reset email the caller sends. The address counts as verified: an admin vouched
    for it. Audited. Raises AccountError: forbidden, bad_role, email_taken."""
    _require_admin(actor)
    if role not in (Role.FACULTY, Role.ADMIN):
        raise AccountError("bad_role", "Staff accounts are faculty or admin.", field="role")
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise AccountError(
            "email_taken", "An account with this email already exists.", field="email"
        )
    user = User.objects.create_user(email=email, name=name.strip(), role=role)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    record_audit(
        actor=actor, action="user.create", target=user, after={"role": role, "email": email}
    )
    return user


@transaction.atomic
def change_role(*, actor: User, user_id: int, role: str) -> User:
    """Change someone's role. Audited.

    Admins cannot change their own role (so the last admin cannot lock everyone out), and only
    people with a student profile (an enrollment number) can be made students.
    Raises AccountError: forbidden, bad_role, own_role, no_profile, not_found."""
    _require_admin(actor)
    if role not in Role.values:
        raise AccountError("bad_role", "Choose a role.", field="role")
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise AccountError("not_found", "No such user.")
    if user.pk == actor.pk:
        raise AccountError(
            "own_role", "You cannot change your own role; ask another admin.", field="role"
        )
    if role == Role.STUDENT and not StudentProfile.objects.filter(user=user).exists():
        raise AccountError(
            "no_profile",
            "Only people with an enrollment number can be students; "
            "import them as students instead.",
            field="role",
        )
    before = user.role
    if before == role:
        return user
    user.role = role
    user.save(update_fields=["role"])
    record_audit(
        actor=actor, action="user.role", target=user, before={"role": before}, after={"role": role}
    )
    return user


def set_leaderboard_visibility(*, profile: StudentProfile, visible: bool) -> StudentProfile:
    """A student's privacy choice: when hidden, others see "Anonymous student"."""
    profile.show_on_leaderboard = visible
    profile.save(update_fields=["show_on_leaderboard"])
    return profile
