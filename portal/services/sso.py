"""Which portal account a campus identity signs in to, and what a first sign-in sets up.

Linking uses only what the identity provider asserts: its verified email and the enrollment
number claim. An existing account is linked when either matches and they do not point at two
different accounts. A sign-up that never verified its address is a claim on nothing: its
password and pending enrollment number are dropped, so whoever created it cannot sign in to
the real person's account later. Roles come from the portal unless a group claim is mapped
(SSO_GROUP_CLAIM and SSO_GROUP_ROLES); a mapped role is applied at every sign-in, audited."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portal.domain.sso import (
    CampusIdentity,
    identity_from_claims,
    role_from_groups,
)
from portal.exceptions import PortalError
from portal.models import Department, PendingSignup, Role, StudentProfile, User

from .audit import record_audit


class SSOError(PortalError):
    pass


def campus_identity(claims: dict) -> CampusIdentity:
    return identity_from_claims(
        claims,
        enrollment_claim=settings.UPAS_SSO_ENROLLMENT_CLAIM,
        department_claim=settings.UPAS_SSO_DEPARTMENT_CLAIM,
        group_claim=settings.UPAS_SSO_GROUP_CLAIM,
    )


def _mapped_role(identity: CampusIdentity) -> str | None:
    if not settings.UPAS_SSO_GROUP_CLAIM:
        return None
    role = role_from_groups(identity.groups, settings.UPAS_SSO_GROUP_ROLES)
    # Campus groups never make a partner: partners are outsiders, invited by an admin.
    return None if role == Role.PARTNER else role


def account_for(identity: CampusIdentity) -> User | None:
    """The existing account this identity signs in to, or None for a new one.

    Raises SSOError: unverified_email, conflict."""
    if not identity.email or not identity.email_verified:
        raise SSOError(
            "unverified_email",
            _(
                "Campus sign-in did not confirm an email address for you. Ask the IT service "
                "desk to check your campus account."
            ),
        )
    by_email = User.objects.filter(email__iexact=identity.email).first()
    if by_email is None:
        # A second address counts only once its owner proved it: an unverified one is a claim
        # anybody could have typed.
        owner = EmailAddress.objects.filter(email__iexact=identity.email, verified=True).first()
        by_email = owner.user if owner is not None else None
    by_number = None
    if identity.enrollment_number:
        profile = (
            StudentProfile.objects.select_related("user")
            .filter(enrollment_number=identity.enrollment_number)
            .first()
        )
        by_number = profile.user if profile is not None else None
    if by_email and by_number and by_email.pk != by_number.pk:
        raise SSOError(
            "conflict",
            _(
                "Your campus email and your enrollment number belong to two different portal "
                "accounts. Ask the registry office to correct them before you sign in."
            ),
        )
    return by_email or by_number


def release_unverified_addresses(*, email: str) -> int:
    """Before a first campus sign-in makes an account for `email`: other accounts' unverified
    second addresses of it are dropped (they never proved them)."""
    deleted, _kinds = EmailAddress.objects.filter(email__iexact=email, verified=False).delete()
    return deleted


@transaction.atomic
def claim_unverified_signup(*, user: User, identity: CampusIdentity) -> None:
    """A sign-up that never verified its address, now proven by the campus provider: drop the
    password and the typed enrollment number, and make the profile from the provider's."""
    pending = PendingSignup.objects.select_for_update().filter(user=user).first()
    if pending is None:
        return
    pending.delete()
    user.set_unusable_password()
    user.save(update_fields=["password"])
    EmailAddress.objects.filter(user=user, email__iexact=identity.email).update(verified=True)
    _give_profile(user, identity)
    record_audit(
        actor=None,
        action="user.sso_claimed_signup",
        target=user,
        before={"pending_enrollment_number": pending.enrollment_number},
        after={"enrollment_number": identity.enrollment_number or None},
    )


def _give_profile(user: User, identity: CampusIdentity) -> StudentProfile | None:
    if user.role != Role.STUDENT or not identity.enrollment_number:
        return None
    department = None
    if identity.department_code:
        department = Department.objects.filter(code__iexact=identity.department_code).first()
    try:
        with transaction.atomic():
            return StudentProfile.objects.create(
                user=user, enrollment_number=identity.enrollment_number, department=department
            )
    except IntegrityError:  # the number was taken meanwhile: the account stays profile-less
        return None


@transaction.atomic
def set_up_new_account(*, user: User, identity: CampusIdentity) -> User:
    """A first campus sign-in made this account: its role from the groups (student
    otherwise), a student profile from the enrollment number claim. Audited."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user.role = _mapped_role(identity) or Role.STUDENT
    if identity.name and not user.name:
        user.name = identity.name
    user.save(update_fields=["role", "name"])
    _give_profile(user, identity)
    record_audit(
        actor=None,
        action="user.sso_created",
        target=user,
        after={"role": user.role, "enrollment_number": identity.enrollment_number or None},
    )
    return user


@transaction.atomic
def apply_group_role(*, user: User, identity: CampusIdentity) -> User:
    """At each sign-in, the role the mapped groups give, when they give one. A student role
    needs a profile (an enrollment number); without one the role stays."""
    role = _mapped_role(identity)
    user = User.objects.select_for_update().get(pk=user.pk)
    if role is None or role == user.role or user.role == Role.PARTNER:
        # A partner account is the admins' (invitation, suspension), not the campus
        # directory's: a group claim does not turn it into a member.
        return user
    if role == Role.STUDENT and not StudentProfile.objects.filter(user=user).exists():
        return user
    if role == Role.STUDENT and user.role == Role.ALUMNUS:
        # The campus directory may list a graduate among the students for a while: only a
        # year-end close decides who graduated, and a group claim does not undo it.
        return user
    before = user.role
    user.role = role
    user.save(update_fields=["role"])
    record_audit(
        actor=None,
        action="user.role",
        target=user,
        before={"role": before},
        after={"role": role, "source": "sso groups"},
    )
    return user
