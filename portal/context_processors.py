from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The role, for the navigation: which links to show. Data is guarded in views, not here."""
    user = getattr(request, "user", None)
    role = user.role if user is not None and user.is_authenticated else None
    return {"nav_role": role}
