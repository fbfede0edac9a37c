"""The JSON API: who manages tokens, what a token reaches. A token acts as its owner, so every
other rule is the owner's, asked through the same functions the pages ask."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from portal.models import ApiScope, ApiToken, Redemption, StudentProfile, User

from .accounts import administers_everyone, reach_of
from .ledger import reads_own_history, sees_everyones_history
from .partners import is_partner
from .rewards import can_manage_catalogue


def can_manage_api_tokens(user: User | None) -> bool:
    """Create and revoke integration tokens for anyone: admins without a department limit."""
    return administers_everyone(user)


def can_have_personal_token(user: User | None) -> bool:
    """A personal read-only token in the settings: anyone signed in with an active account,
    except partners (the API reads points and students, none of which is theirs to read)."""
    return user is not None and user.is_authenticated and user.is_active and not is_partner(user)


def can_own_api_token(user: User | None) -> bool:
    """An account a token may act as: active and not a partner (the API reads points and
    students; partners are fenced out of those pages, and a token must not open them)."""
    return user is not None and user.is_active and not is_partner(user)


def has_scope(token: ApiToken, scope: ApiScope | str) -> bool:
    """Whether the token was given `scope` (on top of what its owner may do)."""
    return str(scope) in token.scopes


def api_students(viewer: User, token: ApiToken) -> QuerySet[StudentProfile]:
    """The student profiles the token sees: every one (in a department admin's department) for
    staff, which is whose history the pages show them; a student's or alumnus's own; and only
    the token's department when it has a limit."""
    profiles = StudentProfile.objects.all()
    if sees_everyones_history(viewer):
        profiles = profiles.filter(reach_of(viewer, "user__"))
    elif reads_own_history(viewer):
        profiles = profiles.filter(user=viewer)
    else:
        return StudentProfile.objects.none()
    if token.department_id is not None:
        profiles = profiles.filter(department_id=token.department_id)
    return profiles


def access_student_for_api(viewer: User, token: ApiToken, pk: int) -> StudentProfile:
    """A student the token may read and write (404 for any other, so nobody learns who exists
    outside the token's reach)."""
    return get_object_or_404(
        api_students(viewer, token).select_related("user", "department"), pk=pk
    )


def access_student_for_checkin(token: ApiToken, pk: int) -> StudentProfile:
    """A student to check in to an event the viewer manages (the caller has checked that):
    any student inside the token's department limit, as the organiser's own check-in screen
    admits anyone (a club officer reads only their own history, yet checks others in). The
    check-in service applies the event's rules (registration, window, capacity)."""
    profiles = StudentProfile.objects.select_related("user", "department")
    if token.department_id is not None:
        profiles = profiles.filter(department_id=token.department_id)
    return get_object_or_404(profiles, pk=pk)


def token_reaches(token: ApiToken, profile: StudentProfile) -> bool:
    """Whether a student is inside the token's department limit (always, without one)."""
    return token.department_id is None or profile.department_id == token.department_id


def api_redemptions(viewer: User, token: ApiToken) -> QuerySet[Redemption]:
    """Redemptions the token sees: every one for admins (the queue they decide), a student's
    own, nothing for anyone else; within the token's department limit."""
    if can_manage_catalogue(viewer):
        redemptions = Redemption.objects.all()
    elif reads_own_history(viewer):
        redemptions = Redemption.objects.filter(student__user=viewer)
    else:
        return Redemption.objects.none()
    if token.department_id is not None:
        redemptions = redemptions.filter(student__department_id=token.department_id)
    return redemptions


def access_redemption_for_api(viewer: User, token: ApiToken, pk: int) -> Redemption:
    """A redemption the token sees (`api_redemptions`); 404 for any other."""
    return get_object_or_404(api_redemptions(viewer, token), pk=pk)
