"""Who may do what. Role checks at the door (`role_required`) and object access in `access_*`
helpers, which return the object or raise Http404 so nobody learns what exists."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from .models import Role, StudentProfile, Transaction, User

__all__ = ["Role", "access_transaction_for_reversal", "role_required"]


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


def student_profile_of(user: User) -> StudentProfile:
    """The signed-in student's own profile (404 for anyone without one)."""
    try:
        return user.student_profile
    except StudentProfile.DoesNotExist as exc:
        raise Http404 from exc


def access_transaction_for_reversal(actor: User, transaction_id: int) -> Transaction:
    """A ledger entry the actor may reverse: admins any, faculty only their own.

    The time window and the "not yet reversed" rule are the service's to enforce, so that a
    refusal there gets a message rather than a 404."""
    entry = get_object_or_404(
        Transaction.objects.select_related("student__user", "category"), pk=transaction_id
    )
    if actor.role == Role.ADMIN:
        return entry
    if actor.role == Role.FACULTY and entry.actor_id == actor.pk:
        return entry
    raise Http404
