from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from portal.models import Role
from portal.selectors.rewards import pending_count


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The role, for the navigation: which links to show. Data is guarded in views, not here."""
    user = getattr(request, "user", None)
    role = user.role if user is not None and user.is_authenticated else None
    context: dict[str, Any] = {"nav_role": role}
    if role == Role.ADMIN:
        # Lazy: evaluated only when the navigation renders (one COUNT on an indexed column).
        context["nav_pending"] = SimpleLazyObject(pending_count)
    return context
