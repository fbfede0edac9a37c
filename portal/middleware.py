from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _


class PrivatePagesNoStoreMiddleware:
    """Pages for a signed-in user show their balance and carry one-time form keys: no browser
    or proxy may keep a copy, so Back fetches a fresh page (with a fresh key) instead of
    restoring an old form."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response


def mfa_required_for(user: object) -> bool:
    """Whether `user`'s role must use two-factor authentication (UPAS_REQUIRE_MFA_FOR)."""
    return getattr(user, "role", None) in settings.UPAS_REQUIRE_MFA_FOR


class RequireTwoFactorMiddleware:
    """Where the setting requires it (admins in production), a signed-in user of that role
    without an authenticator app is sent to set one up before any other page works. The
    account pages (sign out, 2FA set-up itself) and /healthz stay reachable."""

    EXEMPT_PREFIXES = ("/accounts/", "/healthz", "/static/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and mfa_required_for(user)
            and not request.path.startswith(self.EXEMPT_PREFIXES)
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            messages.warning(
                request,
                _("Your role requires two-factor sign-in: set up an authenticator app first."),
            )
            target = reverse("mfa_activate_totp")
            if getattr(request, "htmx", False):
                return HttpResponse(status=204, headers={"HX-Redirect": target})
            return redirect(target)
        return self.get_response(request)
