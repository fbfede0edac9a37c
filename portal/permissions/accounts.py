"""People, categories, the audit log and reports: admins' business."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from portal.domain.sso import must_use_sso
from portal.models import ErasureRequest, Notification, User

from .roles import is_admin, is_student


def can_manage_accounts(user: User | None) -> bool:
    """Create staff, change roles, import students: admins without a department limit."""
    return administers_everyone(user)


def administers_everyone(user: User | None) -> bool:
    """An admin without a department limit."""
    return is_admin(user) and user.admin_department_id is None


def in_admins_reach(actor: User, target: User) -> bool:
    """Whether `target` is someone this admin looks after: everyone, or for a department admin
    only students of their department (reads `target.student_profile`: select it)."""
    if actor.admin_department_id is None:
        return True
    profile = getattr(target, "student_profile", None)
    return profile is not None and profile.department_id == actor.admin_department_id


def accounts_manager_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The door of the account-management pages (new staff, roles, student import): admins
    without a department limit. Anonymous users go to the login page, anyone else gets 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_manage_accounts(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def can_administer(actor: User | None, target: User) -> bool:
    """Suspend, reactivate, warn, unlock, reset, correct or erase `target`: admins (department
    admins: their department's students), never on their own account (an admin who suspended
    themself could not undo it)."""
    return is_admin(actor) and actor.pk != target.pk and in_admins_reach(actor, target)


def can_limit_admins(user: User | None) -> bool:
    """Limit an admin to one department: admins without a limit themselves."""
    return administers_everyone(user)


def access_person(viewer: User, pk: int) -> User:
    """An account with its student profile, department and mentor, for an admin's person
    page: anyone for an admin, their department's students (and themself) for a department
    admin; 404 for everyone else, and for unknown ids."""
    if not is_admin(viewer):
        raise Http404
    person = get_object_or_404(
        User.objects.select_related(
            "student_profile__department", "student_profile__mentor", "admin_department"
        ),
        pk=pk,
    )
    if person.pk != viewer.pk and not in_admins_reach(viewer, person):
        raise Http404
    return person


def reach_of(viewer: User, path: str = "") -> Q:
    """`in_admins_reach` as a filter on users (or on rows whose user is at `path`, such as
    "user__"): everyone for an admin without a limit, their department's students otherwise."""
    if viewer.admin_department_id is None:
        return Q()
    return Q(**{f"{path}student_profile__department_id": viewer.admin_department_id})


def people_in_reach(viewer: User, users: QuerySet[User]) -> QuerySet[User]:
    """The people list as this admin may see it: a department admin sees their department's
    students."""
    return users.filter(reach_of(viewer))


def can_request_erasure(user: User | None) -> bool:
    """Ask for one's data to be erased: students (staff accounts are the university's records
    of who did what; their erasure goes through the data officer)."""
    return is_student(user) and user.erased_at is None


def can_close_academic_year(user: User | None) -> bool:
    """Graduate, promote and expire points at the year-end: admins."""
    return is_admin(user)


def can_manage_categories(user: User | None) -> bool:
    return is_admin(user)


def sees_all_figures(user: User | None) -> bool:
    """University-wide figures and trends (admins); faculty see their own events and awards."""
    return is_admin(user)


def access_own_notification(viewer: User, pk: int) -> Notification:
    """One of the viewer's own notifications (404 for anyone else's)."""
    return get_object_or_404(Notification.objects.all(), pk=pk, user=viewer)


def access_erasure_request(viewer: User, pk: int) -> ErasureRequest:
    """A pending erasure request of someone this admin administers (404 otherwise)."""
    if not is_admin(viewer):
        raise Http404
    erasure = get_object_or_404(
        ErasureRequest.objects.select_related("user__student_profile"),
        pk=pk,
        status=ErasureRequest.Status.PENDING,
    )
    if not can_administer(viewer, erasure.user):
        raise Http404
    return erasure


def sign_in_needs_sso(email: str) -> bool:
    """Whether this address must sign in through the campus provider: its password sign-in
    and sign-up are refused (SSO_REQUIRED_DOMAINS, only while SSO is configured)."""
    return bool(settings.UPAS_SSO_ISSUER) and must_use_sso(
        email, settings.UPAS_SSO_REQUIRED_DOMAINS
    )
