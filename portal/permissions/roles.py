"""Who someone is: the role at the door of a view, and the role questions every other rule is
built from. One function per question; views, services and templates all ask these."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from portal.exceptions import PortalError
from portal.models import Role, User

# Faculty and admins: they award points, organise events, post tasks and review.
STAFF = (Role.FACULTY, Role.ADMIN)


def role_required(
    *roles: Role,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Anonymous users go to the login page; signed-in users of another role get 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def is_student(user: User | None) -> bool:
    """An active student (the only people who earn, spend, check in and enter draws)."""
    return user is not None and user.is_authenticated and user.is_active and user.is_student


def is_alumnus(user: User | None) -> bool:
    """A graduate (an active account whose role a year-end close turned to alumnus): reads
    their own history, takes part in nothing."""
    return user is not None and user.is_authenticated and user.is_active and user.is_alumnus


def refuse_alumni(user: User | None, error: type[PortalError]) -> None:
    """The services' clear answer to a graduate trying to earn, spend or take part (checked
    before the generic "only students" refusal, which would puzzle them)."""
    if is_alumnus(user):
        raise error(
            "alumnus",
            _(
                "You have graduated: alumni keep their history but can no longer earn, "
                "spend or take part."
            ),
        )


def is_staff(user: User | None) -> bool:
    """Active faculty or admin."""
    return user is not None and user.is_authenticated and user.is_active and user.is_staff_member


def is_admin(user: User | None) -> bool:
    """An active admin."""
    return user is not None and user.is_authenticated and user.is_active and user.is_portal_admin


def require(allowed: bool, error: type[PortalError], message: str) -> None:
    """The services' last line: raise `error("forbidden", message)` unless `allowed`, so that a
    command, an import or a test calling the service directly meets the same rule as a view."""
    if not allowed:
        raise error("forbidden", message)
