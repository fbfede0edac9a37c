from __future__ import annotations

from django.db.models import Q, QuerySet

from portal.models import Role, StudentProfile, User


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
    profile = StudentProfile.objects.select_related("department").filter(user=user).first()
    if profile is not None:
        cache.set_cached_value(user, profile)
    return profile


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
