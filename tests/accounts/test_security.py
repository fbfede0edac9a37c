"""Two-factor authentication (allauth MFA) and its enforcement for admins, the login lockout
message and its expiry, and the security headers on pages and htmx partials."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from tests.html import HX

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory's


def current_code(secret: str) -> str:
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


def sign_in(client: Client, email: str) -> object:
    return client.post(reverse("account_login"), {"login": email, "password": PASSWORD})


def signed_in(who) -> Client:
    """A client signed in with the password, which it has just confirmed again: allauth asks
    for that before 2FA can be switched on or off."""
    user = getattr(who, "user", who)
    cache.clear()
    client = Client()
    sign_in(client, user.email)
    assert client.session["_auth_user_id"] == str(user.pk)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    return client


def with_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


# --- the two-factor flow -------------------------------------------------------------------------


def test_a_user_turns_on_an_authenticator_app(student):
    client = signed_in(student)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=student.user, type="totp").exists()
    # allauth makes recovery codes at the same time.
    assert Authenticator.objects.filter(user=student.user, type="recovery_codes").exists()


def test_a_wrong_code_does_not_turn_it_on(student):
    client = signed_in(student)
    client.get(reverse("mfa_activate_totp"))
    response = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert response.status_code == 200
    assert "Incorrect code" in response.content.decode()
    assert not Authenticator.objects.filter(user=student.user).exists()


def test_signing_in_with_2fa_asks_for_the_code(student):
    cache.clear()
    secret = with_totp(student.user)
    client = Client()
    response = sign_in(client, student.user.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # not signed in on the password alone
    client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert client.session["_auth_user_id"] == str(student.user.pk)


def test_a_recovery_code_works_once(student):
    cache.clear()
    with_totp(student.user)
    code = RecoveryCodes.activate(student.user).get_unused_codes()[0]
    first = Client()
    sign_in(first, student.user.email)
    first.post(reverse("mfa_authenticate"), {"code": code})
    assert first.session["_auth_user_id"] == str(student.user.pk)
    second = Client()
    sign_in(second, student.user.email)
    response = second.post(reverse("mfa_authenticate"), {"code": code})
    assert "_auth_user_id" not in second.session
    assert "Incorrect code" in response.content.decode()


# --- enforcement -------------------------------------------------------------------------------


@override_settings(UPAS_REQUIRE_MFA_FOR=["admin"])
def test_an_admin_without_2fa_is_sent_to_set_it_up(admin):
    client = signed_in(admin)
    for path in ("/", "/staff/people/", "/draws/new/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == reverse("mfa_activate_totp")
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    assert client.get("/healthz").status_code == 200


@override_settings(UPAS_REQUIRE_MFA_FOR=["admin"])
def test_an_htmx_request_of_an_admin_without_2fa_is_redirected_by_htmx(client_as, admin):
    response = client_as(admin).get(reverse("portal:notification-bell"), **HX)
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("mfa_activate_totp")


@override_settings(UPAS_REQUIRE_MFA_FOR=["admin"])
def test_an_admin_with_2fa_works_and_others_are_not_asked(client_as, admin, faculty, student):
    secret = with_totp(admin)
    client = Client()
    sign_in(client, admin.email)
    client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert client.get("/").status_code == 200
    assert client_as(faculty).get("/").status_code == 200
    assert client_as(student).get("/").status_code == 200


@override_settings(UPAS_REQUIRE_MFA_FOR=["admin"])
def test_an_admin_cannot_switch_2fa_off_while_it_is_required(admin):
    client = signed_in(admin)
    with_totp(admin)
    client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=admin, type="totp").exists()


def test_without_the_requirement_2fa_can_be_switched_off(student):
    client = signed_in(student)
    with_totp(student.user)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=student.user, type="totp").exists()


@pytest.mark.django_db(transaction=True)  # allauth announces the new app after the commit
def test_setting_up_the_app_counts_as_passing_the_second_factor(admin):
    """The admin sent to set up an app proves it with a code: the session then works."""
    with override_settings(UPAS_REQUIRE_MFA_FOR=["admin"]):
        client = signed_in(admin)
        client.get(reverse("mfa_activate_totp"))
        secret = client.session["mfa.totp.secret"]
        client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
        assert client.get("/").status_code == 200


# --- lockout -------------------------------------------------------------------------------------


@override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "3/5m/key"})
def test_a_locked_out_login_says_how_long_to_wait_and_unlocks_after(student, monkeypatch):
    import allauth.core.internal.ratelimit as ratelimit

    cache.clear()
    client = Client()
    for _ in range(3):
        sign_in_wrong = client.post(
            reverse("account_login"), {"login": student.user.email, "password": "wrong"}
        )
        assert sign_in_wrong.status_code == 200
    locked = sign_in(client, student.user.email)
    assert "_auth_user_id" not in client.session
    assert "Try again in 5 minutes" in locked.content.decode()
    # Six minutes later the window has passed and the right password works again.
    now = ratelimit.time.time()
    monkeypatch.setattr(ratelimit.time, "time", lambda: now + 6 * 60)
    sign_in(client, student.user.email)
    assert client.session["_auth_user_id"] == str(student.user.pk)
    cache.clear()


# --- headers -------------------------------------------------------------------------------------


def assert_security_headers(response) -> None:
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_a_page_and_an_htmx_partial_carry_the_security_headers(client_as, student):
    client = client_as(student)
    page = client.get("/")
    partial = client.get(reverse("portal:notification-bell"), **HX)
    for response in (page, partial):
        assert_security_headers(response)
        assert "no-store" in response["Cache-Control"]  # signed-in pages are never cached


def test_the_session_cookie_is_httponly_and_samesite(student):
    cache.clear()
    response = sign_in(Client(), student.user.email)
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_the_login_page_carries_the_security_headers():
    assert_security_headers(Client().get(reverse("account_login")))
