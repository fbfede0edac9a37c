from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from portal.permissions.partners import is_partner, partner_may_open


def hx_redirect(target: str) -> HttpResponse:
    """Tell htmx to load `target` as a whole page (no content to swap)."""
    return HttpResponse(status=204, headers={"HX-Redirect": target})


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


# Session keys: whether the account had a second factor when this session signed in (set by
# `portal.receivers` at every sign-in, whatever the door), and whether this session proved it.
HAS_MFA = "upas_has_mfa"
PASSED_MFA = "upas_passed_mfa"


def session_passed_mfa(request: HttpRequest) -> bool:
    """Whether this session's sign-in passed the second factor: allauth records an "mfa" step
    when a code was checked (sign-in or re-authentication); setting up an authenticator app
    (which checks a code too) sets PASSED_MFA."""
    if request.session.get(PASSED_MFA):
        return True
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def user_has_mfa(user: object) -> bool:
    return Authenticator.objects.filter(
        user=user, type__in=(Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
    ).exists()


class RequireTwoFactorMiddleware:
    """Two-factor sign-in is a property of the session, not only of the account.

    - An account with an authenticator app whose session did not pass the second factor (it
      came through a door that skipped it) is signed out and sent to sign in again.
    - Where the setting requires it (admins in production), a user of that role without an
      authenticator app is sent to set one up before any other page works; the account pages
      (sign out, 2FA set-up itself) and /healthz stay reachable meanwhile.

    The common case costs no query: a session that passed the second factor, or whose account
    had none at sign-in and whose role needs none, is let through on its session keys."""

    SETUP_EXEMPT_PREFIXES = ("/accounts/", "/healthz", "/static/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or session_passed_mfa(request):
            return self.get_response(request)
        required = mfa_required_for(user)
        has_mfa = request.session.get(HAS_MFA)
        if has_mfa is None or (required and not has_mfa):
            # Sessions from before this check, and required roles until they set one up.
            has_mfa = user_has_mfa(user)
            request.session[HAS_MFA] = has_mfa
        if has_mfa:
            logout(request)
            messages.warning(
                request, _("Sign in again with your password and your authenticator app.")
            )
            return self._send(request, reverse("account_login"))
        if required and not request.path.startswith(self.SETUP_EXEMPT_PREFIXES):
            messages.warning(
                request,
                _("Your role requires two-factor sign-in: set up an authenticator app first."),
            )
            return self._send(request, reverse("mfa_activate_totp"))
        return self.get_response(request)

    @staticmethod
    def _send(request: HttpRequest, target: str) -> HttpResponse:
        if getattr(request, "htmx", False):
            return hx_redirect(target)
        return redirect(target)


class RequestSizeLimitMiddleware:
    """Refuse a request body over UPAS_MAX_REQUEST_BYTES before anything reads it (Django would
    otherwise stream it to a temporary file first), with a page that says what the limit is.
    A body without a declared length (chunked) cannot be judged before reading: refused too;
    browsers always declare it for forms."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.UPAS_MAX_REQUEST_BYTES
        declared = request.META.get("CONTENT_LENGTH") or "0"
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        try:
            size = int(declared)
        except ValueError:
            size = limit + 1
        if chunked or size > limit:
            return render(
                request,
                "413.html",
                {"limit_bytes": limit},
                status=411 if chunked and size <= limit else 413,
            )
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Headers Django does not set itself: Permissions-Policy (which browser features pages may
    use) and Cross-Origin-Resource-Policy (no other site may load our responses)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.UPAS_PERMISSIONS_POLICY)
        response.headers.setdefault(
            "Cross-Origin-Resource-Policy", settings.UPAS_CROSS_ORIGIN_RESOURCE_POLICY
        )
        return response


class UserLanguageMiddleware:
    """A signed-in user's chosen language wins over the cookie and `Accept-Language` (which
    `LocaleMiddleware` read before); an empty choice keeps what the browser asked for."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None else ""
        if language and language != request.LANGUAGE_CODE:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


class HtmxSignInRedirectMiddleware:
    """An htmx request whose session ended is sent to sign in by the whole page (`HX-Redirect`),
    coming back to the page the user was on, instead of the XHR following the redirect: that
    rendered the sign-in page in the background, and its CSRF cookie, arriving after the page's
    own, made the next sign-in fail ("CSRF token incorrect") when two polls raced."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 302 or not getattr(request, "htmx", False):
            return response
        login = resolve_url(settings.LOGIN_URL)
        if urlsplit(response["Location"]).path != login:
            return response
        here = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = here.path + (f"?{here.query}" if here.query else "") if here.path else "/"
        target = f"{login}?{urlencode({REDIRECT_FIELD_NAME: back})}"
        return hx_redirect(target)


class PartnerFenceMiddleware:
    """Partners (outside professionals) open only the pages `partner_may_open` lists: their
    dashboard, their account, the reviewer pages and the public pages. Every other portal page
    answers 403 before its view runs, so no member page (points, leaderboards, students) has
    to remember to refuse them, and a page added later is closed to partners by default. The
    role is on the user row already loaded: no query."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> None:
        if not is_partner(getattr(request, "user", None)):
            return None
        match = request.resolver_match
        if match is None or partner_may_open(match.url_name, match.namespace):
            return None
        raise PermissionDenied
