"""Signed-in sessions for the benchmark's users, in whatever session engine the settings name
(database, cache or cached_db), as the portal's sign-in leaves them: the auth keys, and the
2FA middleware's keys (portal/middleware.py), so that middleware answers from the session as
it does for a real user after sign-in.

Admins (and anyone with an authenticator app) are signed in as if they passed the second
factor (HAS_MFA and PASSED_MFA set), so
production's REQUIRE_MFA_FOR stays on and pages are measured as an admin who signed in with
an authenticator app sees them, not with the check switched off."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import import_module

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

from portal.middleware import HAS_MFA, PASSED_MFA
from portal.models import Role, User


def _store_class() -> type:
    return import_module(settings.SESSION_ENGINE).SessionStore


def sign_in(users: Iterable[User]) -> dict[int, str]:
    """A new session per user; returns session keys by user id (the session cookie's value)."""
    users = list(users)
    with_app = set(
        Authenticator.objects.filter(
            user__in=users, type__in=(Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
        ).values_list("user_id", flat=True)
    )
    store_class = _store_class()
    keys = {}
    for user in users:
        store = store_class()
        store[SESSION_KEY] = user._meta.pk.value_to_string(user)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        # An account with an app signs in with it; an admin must have one in production.
        second_factor = user.role == Role.ADMIN or user.pk in with_app
        store[HAS_MFA] = second_factor
        if second_factor:
            store[PASSED_MFA] = True
        store.create()
        keys[user.pk] = store.session_key
    return keys


def sign_out(keys: Iterable[str]) -> None:
    store_class = _store_class()
    for key in keys:
        store_class(session_key=key).delete()
