"""Accounts: student registration (sign-up, later import), staff accounts and role changes."""

from __future__ import annotations

import secrets

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portal.exceptions import AccountError
from portal.models import (
    Department,
    PendingSignup,
    Reviewer,
    Role,
    SignIn,
    StudentProfile,
    User,
)
from portal.models.accounts import LEADERBOARD_NAME_MAX
from portal.permissions import can_manage_accounts, require

from .audit import record_audit
from .career import release_proposals


@transaction.atomic
def register_student(
    *,
    user: User,
    enrollment_number: str,
    department: Department | None,
    programme: str = "",
    year: int = 1,
) -> PendingSignup:
    """Record what a new student typed at sign-up; called after allauth saved the user.

    Nothing is reserved yet: the profile (which holds the enrollment number and makes the
    student findable, awardable and importable) is created by `activate_student` once the
    email address is verified, so an unverified sign-up cannot squat a real student's
    number before the registry's import arrives."""
    user.role = Role.STUDENT
    user.save(update_fields=["role"])
    pending, _created = PendingSignup.objects.update_or_create(
        user=user,
        defaults={
            "enrollment_number": enrollment_number.strip().upper(),
            "department": department,
            "programme": programme,
            "year": year,
            "refused_reason": "",
        },
    )
    return pending


@transaction.atomic
def activate_student(*, user: User) -> StudentProfile | None:
    """Turn a verified sign-up into a student profile (balance 0). Called when allauth
    confirms the email address; a second call changes nothing.

    Returns the profile, or None when the user has no pending sign-up or its enrollment number
    was taken meanwhile (an import, or another sign-up verified first): the reason is kept on
    the pending sign-up for the student and an admin to see."""
    pending = PendingSignup.objects.select_for_update().filter(user=user).first()
    if pending is None:
        return StudentProfile.objects.filter(user=user).first()
    if StudentProfile.objects.filter(enrollment_number=pending.enrollment_number).exists():
        pending.refused_reason = _(
            "The enrollment number %(number)s is already registered to another account. "
            "If it is yours, ask the registry office to check it."
        ) % {"number": pending.enrollment_number}
        pending.save(update_fields=["refused_reason"])
        return None
    try:
        with transaction.atomic():
            profile = StudentProfile.objects.create(
                user=user,
                enrollment_number=pending.enrollment_number,
                department=pending.department,
                programme=pending.programme,
                year=pending.year,
            )
    except IntegrityError:  # a concurrent activation or import took the number
        pending.refused_reason = _(
            "The enrollment number %(number)s is already registered to another account."
        ) % {"number": pending.enrollment_number}
        pending.save(update_fields=["refused_reason"])
        return None
    pending.delete()
    return profile


def record_sign_in(
    *,
    outcome: str,
    user: User | None = None,
    login: str = "",
    method: str = "",
    ip: str | None = None,
    user_agent: str = "",
) -> SignIn:
    """One line of the sign-in audit trail (successes, failures and lockouts, every door)."""
    return SignIn.objects.create(
        user=user,
        login=(login or (user.email if user else ""))[:254].lower(),
        outcome=outcome,
        method=method[:32],
        ip=ip,
        user_agent=user_agent[:255],
    )


@transaction.atomic
def create_staff_user(*, actor: User, email: str, name: str, role: str) -> User:
    """Create a faculty member or admin with no usable password; they set one through the
    password-reset email the caller sends. The address counts as verified: an admin vouched
    for it. Audited. Raises AccountError: forbidden, bad_role, email_taken."""
    require(can_manage_accounts(actor), AccountError, _("Only admins can manage accounts."))
    if role not in (Role.FACULTY, Role.ADMIN):
        raise AccountError("bad_role", _("Staff accounts are faculty or admin."), field="role")
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise AccountError(
            "email_taken", _("An account with this email already exists."), field="email"
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
    Raises AccountError: forbidden, bad_role, own_role, partner_role, no_profile, not_found."""
    require(can_manage_accounts(actor), AccountError, _("Only admins can manage accounts."))
    if role not in Role.values:
        raise AccountError("bad_role", _("Choose a role."), field="role")
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise AccountError("not_found", _("No such user."))
    if user.pk == actor.pk:
        raise AccountError(
            "own_role", _("You cannot change your own role; ask another admin."), field="role"
        )
    if Role.PARTNER in (role, user.role):
        # A partner is an outsider tied to a company and a reviewer row: made only by an
        # invitation, ended by suspending the account, never turned into a member (or back).
        raise AccountError(
            "partner_role",
            _("Partner accounts are made by invitation and keep their role; suspend them instead."),
            field="role",
        )
    if role == Role.ALUMNUS and user.role != Role.ALUMNUS:
        raise AccountError(
            "bad_role",
            _("Students become alumni at the year-end close, which records when they graduated."),
            field="role",
        )
    if role == Role.STUDENT and not StudentProfile.objects.filter(user=user).exists():
        raise AccountError(
            "no_profile",
            _(
                "Only people with an enrollment number can be students; "
                "import them as students instead."
            ),
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
    if role not in (Role.FACULTY, Role.ADMIN):
        _stop_reviewing(actor, user)
    return user


def _stop_reviewing(actor: User, user: User) -> None:
    """Someone who is no longer faculty or an admin stops reviewing resumes: their Reviewer
    row is deactivated and their proposals go back to matching (scheduled sessions stay)."""
    reviewer = Reviewer.objects.select_for_update().filter(user=user, is_active=True).first()
    if reviewer is None:
        return
    reviewer.is_active = False
    reviewer.save(update_fields=["is_active"])
    record_audit(
        actor=actor,
        action="career.reviewer_active",
        target=reviewer,
        before={"active": True},
        after={"active": False},
    )
    release_proposals(reviewer)


def set_leaderboard_visibility(
    *, profile: StudentProfile, visible: bool, name: str | None = None
) -> StudentProfile:
    """A student's privacy choice: when hidden, others see "Anonymous student"; and, when
    `name` is given, the name others see on leaderboards ("" for their full name).
    Raises AccountError: leaderboard_name (control characters, or too long)."""
    fields = ["show_on_leaderboard"]
    profile.show_on_leaderboard = visible
    if name is not None:
        name = " ".join(name.split())
        if len(name) > LEADERBOARD_NAME_MAX or any(not c.isprintable() for c in name):
            raise AccountError(
                "leaderboard_name",
                _("Use up to %(n)s letters, digits, spaces or punctuation.")
                % {"n": LEADERBOARD_NAME_MAX},
                field="leaderboard_name",
            )
        profile.leaderboard_name = name
        fields.append("leaderboard_name")
    profile.save(update_fields=fields)
    return profile


def set_language(*, user: User, language: str) -> User:
    """A user's language for pages and emails; "" follows the browser. Unknown codes are refused
    (the view offers only settings.LANGUAGES)."""
    if language and language not in dict(settings.LANGUAGES):
        raise AccountError("language", _("Choose one of the languages offered."), field="language")
    user.language = language
    user.save(update_fields=["language"])
    return user


def reset_calendar_token(*, user: User) -> str:
    """A new secret for the user's calendar subscription address; the old address stops
    working at once. 256 random bits, so the address itself is the credential."""
    user.calendar_token = secrets.token_urlsafe(32)
    user.save(update_fields=["calendar_token"])
    return user.calendar_token


@transaction.atomic
def update_profile(
    *, user: User, name: str | None = None, photo: File | None = None, remove_photo: bool = False
) -> User:
    """A person's own profile: their name (where settings.UPAS_PROFILE_EDITABLE allows it) and
    photo (already checked and re-encoded by portal.images). The old photo file is deleted after
    the commit. Raises AccountError: name_locked, name_required."""
    user = User.objects.select_for_update().get(pk=user.pk)
    fields = []
    if name is not None and name.strip() != user.name:
        if "name" not in settings.UPAS_PROFILE_EDITABLE:
            raise AccountError(
                "name_locked",
                _("Your name comes from the registry; ask them to change it."),
                field="name",
            )
        if not name.strip():
            raise AccountError("name_required", _("Enter your name."), field="name")
        user.name = name.strip()
        fields.append("name")
    old = user.photo.name if user.photo else ""
    if photo is not None:
        user.photo.save(photo.name, photo, save=False)
        fields.append("photo")
    elif remove_photo and old:
        user.photo = ""
        fields.append("photo")
    if fields:
        user.save(update_fields=fields)
    if "photo" in fields and old:
        storage = user.photo.storage
        transaction.on_commit(lambda: storage.delete(old))
    return user
