from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.core.internal import ratelimit as allauth_ratelimit
from allauth.core.internal.ratelimit import Rate
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet, Window

from portal.models import (
    AccountWarning,
    ActivityClaim,
    CheckIn,
    ErasureRequest,
    PendingSignup,
    Redemption,
    Role,
    SignIn,
    StudentProfile,
    Suspension,
    Transaction,
    User,
)
from portal.permissions import reach_of
from portal.prepared import Prepared


def active_students() -> QuerySet[StudentProfile]:
    """Students who can earn and appear on leaderboards: role student, account active."""
    return StudentProfile.objects.filter(
        user__role=Role.STUDENT, user__is_active=True
    ).select_related("user")


def own_profile_with_department(user: User) -> StudentProfile | None:
    """The student's own profile with its department, in one query. It is kept on `user`, so
    what reads `user.student_profile` later in the request (the leaderboard's viewer row, the
    balance in the header) reads neither again."""
    cache = User.student_profile.related  # request.user may be a lazy object: not type(user)
    if cache.is_cached(user):
        return cache.get_cached_value(user)
    profile = _profile_with_department.first(user.pk)
    if profile is not None:
        cache.set_cached_value(user, profile)
    return profile


# Composed once per process (portal.prepared): the student dashboard reads it on every visit.
_profile_with_department = Prepared(
    lambda user_id: StudentProfile.objects.select_related("department").filter(user_id=user_id)
)


def pending_signup_of(user: User) -> PendingSignup | None:
    """A signed-up student's details while they wait to become a student (see
    services.accounts.activate_student), with why it was refused if it was."""
    return PendingSignup.objects.select_related("department").filter(user=user).first()


def search_students(query: str, *, limit: int = 8) -> list[StudentProfile]:
    """Active students whose name, email or enrollment number contains `query` (at least two
    characters), best matches first: exact enrollment number, then name."""
    query = query.strip()
    if len(query) < 2:
        return []
    matches = (
        active_students()
        .select_related("department")
        .filter(
            Q(enrollment_number__iexact=query)
            | Q(enrollment_number__istartswith=query)
            | Q(user__name__icontains=query)
            | Q(user__email__istartswith=query)
        )
        .order_by("user__name")[: limit * 3]
    )
    exact = query.upper()
    return sorted(matches, key=lambda p: (p.enrollment_number != exact, p.user.name))[:limit]


def list_users(*, role: str = "", query: str = "") -> QuerySet[User]:
    """Users for the admin's people page, filterable by role and name/email."""
    users = User.objects.select_related("student_profile__department").order_by("name")
    if role:
        users = users.filter(role=role)
    if query:
        users = users.filter(
            Q(name__icontains=query)
            | Q(email__icontains=query)
            | Q(student_profile__enrollment_number__iexact=query)
        )
    return users


# --- account administration -------------------------------------------------------------------


def login_failed_cache_keys(user: User, hosts: Iterable[str]) -> list[tuple[str, Rate]]:
    """The cache keys under which allauth counts `user`'s failed sign-ins, with their rates.

    allauth keys the per-account `login_failed` limit on `"<site domain>:<login>"` (its
    adapter's `_get_login_attempts_cache_key`); without django.contrib.sites the domain is the
    request's host, so every host the portal answers on has its own counter, for each address
    of the account. A wrong second factor counts under `"mfa-auth-user-<pk>"`. The per-address
    limits (`/ip`) are not the account's and are left alone."""
    rates = [
        rate
        for rate in allauth_ratelimit.get_rates(app="allauth.account", action="login_failed")
        if rate.per == "key"
    ]
    emails = {user.email.lower()} | {
        email.lower()
        for email in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    }
    logins = [f"{host}:{email}" for host in sorted(set(hosts)) for email in sorted(emails)]
    logins.append(f"mfa-auth-user-{user.pk}")
    return [
        (
            allauth_ratelimit.get_cache_key(
                None,  # type: ignore[arg-type]  # only "/ip" rates read the request
                app="allauth.account",
                action="login_failed",
                rate=rate,
                key=login,
            ),
            rate,
        )
        for rate in rates
        for login in logins
    ]


def is_locked_out(user: User, hosts: Iterable[str]) -> bool:
    """Whether allauth refuses `user`'s sign-ins now because of too many failures."""
    now = time.time()
    for key, rate in login_failed_cache_keys(user, hosts):
        history = cache.get(key) or []
        if sum(1 for at in history if at > now - rate.duration) >= rate.amount:
            return True
    return False


def open_suspension(user: User) -> Suspension | None:
    """The suspension in force for `user`, if any (at most one: a partial unique constraint)."""
    return Suspension.objects.filter(user=user, lifted_at__isnull=True).first()


def warnings_for(user: User, *, limit: int = 20) -> list[AccountWarning]:
    """The warnings `user` was given, newest first (what they and admins see)."""
    return list(AccountWarning.objects.filter(user=user).select_related("issued_by")[:limit])


# Rows of each kind the person page shows; the student's full history is /history/ and their
# data export.
HISTORY_ROWS = 10


@dataclass(frozen=True)
class PersonHistory:
    entries: list[Transaction]
    redemptions: list[Redemption]
    checkins: list[CheckIn]
    claims: list[ActivityClaim]
    sign_ins: list[SignIn]
    suspensions: list[Suspension]
    warnings: list[AccountWarning]
    warning_count: int


def person_history(user: User) -> PersonHistory:
    """What an admin sees on a person page: the latest points, redemptions, check-ins, claims,
    sign-ins, suspensions and warnings, HISTORY_ROWS of each, one query per kind (so the page
    costs the same for a student with ten entries or ten thousand)."""
    profile = user.student_profile if hasattr(user, "student_profile") else None
    entries: list[Transaction] = []
    redemptions: list[Redemption] = []
    checkins: list[CheckIn] = []
    claims: list[ActivityClaim] = []
    if profile is not None:
        entries = list(
            Transaction.objects.filter(student=profile)
            .select_related("category", "actor")
            .order_by("-created_at", "-id")[:HISTORY_ROWS]
        )
        redemptions = list(
            Redemption.objects.filter(student=profile)
            .select_related("reward")
            .order_by("-created_at", "-id")[:HISTORY_ROWS]
        )
        checkins = list(
            CheckIn.objects.filter(student=profile)
            .select_related("event")
            .order_by("-created_at", "-id")[:HISTORY_ROWS]
        )
        claims = list(
            ActivityClaim.objects.filter(student=profile)
            .select_related("category")
            .order_by("-created_at", "-id")[:HISTORY_ROWS]
        )
    warnings = list(
        AccountWarning.objects.filter(user=user)
        .select_related("issued_by")
        .annotate(total=Window(Count("id")))[:HISTORY_ROWS]
    )
    return PersonHistory(
        entries=entries,
        redemptions=redemptions,
        checkins=checkins,
        claims=claims,
        sign_ins=list(SignIn.objects.filter(user=user).order_by("-at", "-id")[:HISTORY_ROWS]),
        suspensions=list(
            Suspension.objects.filter(user=user).select_related("created_by", "lifted_by")[
                :HISTORY_ROWS
            ]
        ),
        warnings=warnings,
        warning_count=warnings[0].total if warnings else 0,
    )


def calendar_owner(token: str) -> User | None:
    """The active user whose calendar subscription address carries `token` (unique index)."""
    if not token:
        return None
    return User.objects.filter(calendar_token=token, is_active=True).first()


def pending_erasures(viewer: User) -> list[ErasureRequest]:
    """The erasure requests waiting for an admin, oldest first, as far as `viewer` reaches
    (a department admin: their department's students)."""
    requests = ErasureRequest.objects.filter(
        reach_of(viewer, "user__"), status=ErasureRequest.Status.PENDING
    ).select_related("user__student_profile__department")
    return list(requests.order_by("requested_at", "id")[:200])


def latest_erasure_request(user: User) -> ErasureRequest | None:
    return ErasureRequest.objects.filter(user=user).order_by("-requested_at", "-id").first()
