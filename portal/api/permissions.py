"""Scopes at the door of each API view; the owner's own rules come after, from the services
and `portal.permissions`, exactly as on the pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission

from portal.models import ApiToken
from portal.permissions import has_scope

if TYPE_CHECKING:  # rest_framework.views reads this module's class at import
    from rest_framework.request import Request
    from rest_framework.views import APIView


class TokenScope(BasePermission):
    """A working token (else 401) holding `scope` (else 403); `scoped(scope)` in the views
    makes one subclass per scope. Without a scope (the default class) nothing passes."""

    scope: str | None = None

    def has_permission(self, request: Request, view: APIView) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        scope = self.scope
        if scope is None or not has_scope(token, scope):
            self.message = _("This token lacks the “%(scope)s” scope.") % {"scope": scope}
            self.code = "missing_scope"
            return False
        return True
