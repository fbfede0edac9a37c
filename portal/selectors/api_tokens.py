"""Reads for the token pages."""

from __future__ import annotations

from django.db.models import QuerySet

from portal.models import ApiToken, User


def list_api_tokens() -> QuerySet[ApiToken]:
    """Every integration token, live first then newest, with owner and department (one
    query). Personal tokens are their owners' business and stay off this list."""
    return (
        ApiToken.objects.filter(personal=False)
        .select_related("owner", "department", "created_by")
        .order_by("revoked_at", "-created_at", "-id")
    )


def personal_token_of(user: User) -> ApiToken | None:
    """The user's live personal read token, if they made one."""
    return ApiToken.objects.filter(owner=user, personal=True, revoked_at__isnull=True).first()
