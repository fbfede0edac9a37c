"""The sign-in and identity holes of issue 15, each tested where it happens (HTTP through the
test client, PostgreSQL where a real connection matters): one sign-in door with a second factor
checked per session, no account takeover through sign-up or the import, throttles that hold
behind a proxy without locking out a campus, no memory bombs, no account enumeration, and a
friendly page for a dropped database connection. Check-in links: events/test_checkin_security."""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, close_old_connections, connection
from django.test import Client, override_settings
from django.urls import reverse

from config.settings import base as base_settings
from portal.checks import shared_cache
from portal.images import MAX_PIXELS, normalise_image
from portal.models import PendingSignup, Role, SignIn, StudentProfile, User
from portal.selectors.accounts import search_students
from portal.services.imports import import_students
from portal.uploads import check_evidence
from portal.views.errors import server_error
from tests.accounts.test_security import current_code
from tests.factories import StudentFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory's
ROOT = Path(__file__).resolve().parents[2]
# The limits production runs with (the test settings switch allauth's off).
LIMITS = base_settings.ACCOUNT_RATE_LIMITS
SIGNUP = {
    "name": "Real Student",
    "email": "real@upas.test",
    "enrollment_number": "CS7777",
    "year": "1",
    "password1": "a-long-Unusual-pass-42",
    "password2": "a-long-Unusual-pass-42",
}
HEADER = "email,name,enrollment_number,department,programme,year\n"


def sign_in(client: Client, email: str, password: str = PASSWORD, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def signed_in_as(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def confirm_link(message) -> str:
    return re.search(r"https?://testserver(/accounts/confirm-email/\S+/)", message.body).group(1)


# --- 1. one sign-in door ------------------------------------------------------------------------


@pytest.fixture
def superuser() -> User:
    return UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)


def test_the_admin_login_page_sends_everyone_to_the_portal_sign_in():
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('account_login')}?next=")


def test_a_password_posted_to_the_admin_login_signs_nobody_in(superuser):
    client = Client()
    response = client.post(
        "/admin/login/", {"username": superuser.email, "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert signed_in_as(client) is None


def test_a_superuser_with_an_app_reaches_the_admin_only_after_the_code(superuser):
    secret = generate_totp_secret()
    TOTP.activate(superuser, secret)
    client = Client()
    response = sign_in(client, superuser.email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get("/admin/").status_code == 302  # not signed in on the password alone
    client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert client.get("/admin/").status_code == 200


@override_settings(ACCOUNT_RATE_LIMITS=LIMITS)
def test_guessing_at_the_admin_door_meets_the_portal_lockout(superuser):
    """25 wrong passwords: the admin door takes none; the portal's locks the account after 5."""
    client = Client()
    for _ in range(25):
        client.post("/admin/login/", {"username": superuser.email, "password": "wrong"})
    for _ in range(5):
        sign_in(client, superuser.email, "wrong")
    locked = sign_in(client, superuser.email)  # the right password, too late
    assert signed_in_as(client) is None
    assert "Too many failed sign-in attempts" in locked.content.decode()
    outcomes = list(SignIn.objects.filter(user=superuser).values_list("outcome", flat=True))
    assert sorted(outcomes) == ["failed"] * 5 + ["locked"]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.FACULTY, Role.STUDENT])
def test_a_session_that_skipped_the_second_factor_is_signed_out(role):
    """A door that skipped the code (force_login stands for any such door) gets nowhere, for
    every role with an app, whatever REQUIRE_MFA_FOR says."""
    user = StudentFactory().user if role == Role.STUDENT else UserFactory(role=role)
    TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    assert signed_in_as(client) is None


@override_settings(UPAS_REQUIRE_MFA_FOR=["admin"])
def test_a_required_role_whose_session_skipped_the_code_is_signed_out_not_sent_to_set_up(
    superuser,
):
    TOTP.activate(superuser, generate_totp_secret())
    client = Client()
    client.force_login(superuser)
    response = client.get("/staff/people/")
    assert response["Location"] == reverse("account_login")


def test_a_session_that_passed_the_code_needs_no_query_to_prove_it(
    student, django_assert_num_queries
):
    secret = generate_totp_secret()
    TOTP.activate(student.user, secret)
    client = Client()
    sign_in(client, student.user.email)
    client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    client.get(reverse("portal:notification-bell"), HTTP_HX_REQUEST="true")
    # session, user, unread count: the 2FA check reads the session only
    with django_assert_num_queries(3):
        client.get(reverse("portal:notification-bell"), HTTP_HX_REQUEST="true")


def test_every_sign_in_is_in_the_audit_trail_with_its_address(student):
    client = Client()
    sign_in(client, student.user.email, "wrong", REMOTE_ADDR="198.51.100.7")
    sign_in(client, "nobody@upas.test", "wrong", REMOTE_ADDR="198.51.100.7")
    sign_in(client, student.user.email, REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="Phone 1")
    rows = list(SignIn.objects.order_by("id").values_list("outcome", "login", "user_id", "ip"))
    assert rows == [
        ("failed", student.user.email, student.user.pk, "198.51.100.7"),
        ("failed", "nobody@upas.test", None, "198.51.100.7"),
        ("success", student.user.email, student.user.pk, "198.51.100.7"),
    ]
    last = SignIn.objects.latest("id")
    assert (last.method, last.user_agent) == ("password", "Phone 1")


# --- 2. no account takeover through sign-up or the import --------------------------------------


def test_an_unverified_sign_up_reserves_nothing(client, department, faculty):
    client.post(reverse("account_signup"), SIGNUP)
    user = User.objects.get(email="real@upas.test")
    assert not StudentProfile.objects.filter(user=user).exists()
    assert search_students("Real Student") == []
    assert search_students("CS7777") == []
    # The registry's import then creates the real student with that number, untouched.
    import_students(
        actor=UserFactory(role=Role.ADMIN),
        data=(
            HEADER + f"student7777@upas.test,Rightful Owner,CS7777,{department.code},BSc,1\n"
        ).encode(),
    )
    owner = StudentProfile.objects.get(enrollment_number="CS7777")
    assert owner.user.email == "student7777@upas.test" and owner.user != user


def test_verifying_after_the_import_took_the_number_gives_no_profile(client, department, admin):
    client.post(reverse("account_signup"), SIGNUP)
    import_students(
        actor=admin,
        data=(HEADER + f"owner@upas.test,Rightful Owner,CS7777,{department.code},BSc,1\n").encode(),
    )
    client.post(confirm_link(mail.outbox[0]))
    squatter = User.objects.get(email="real@upas.test")
    assert not StudentProfile.objects.filter(user=squatter).exists()
    assert "already registered" in PendingSignup.objects.get(user=squatter).refused_reason
    page = client.get("/")
    assert page.status_code == 200
    assert "already registered to another account" in page.content.decode()


def test_the_import_never_moves_an_account_that_has_signed_in(client, department, admin):
    """The attack: sign up with a real student's number first, verify, wait for the import."""
    client.post(reverse("account_signup"), {**SIGNUP, "email": "attacker@upas.test"})
    client.post(confirm_link(mail.outbox[0]))  # verified: signed in, profile with CS7777
    attacker = User.objects.get(email="attacker@upas.test")
    assert attacker.last_login is not None
    data = (HEADER + f"victim@upas.test,Victim Student,CS7777,{department.code},BSc,1\n").encode()
    with pytest.raises(Exception) as refused:
        import_students(actor=admin, data=data)
    [row] = refused.value.rows
    assert row.line == 2 and "has signed in" in row.reason
    attacker.refresh_from_db()
    assert (attacker.email, attacker.name) == ("attacker@upas.test", "Real Student")
    assert not EmailAddress.objects.filter(email="victim@upas.test").exists()


def test_the_import_still_corrects_the_address_of_an_account_never_used(department, admin):
    data = HEADER + f"old@upas.test,Asha Rao,CS100,{department.code},BSc,1\n"
    import_students(actor=admin, data=data.encode())
    import_students(actor=admin, data=data.replace("old@", "new@").encode())
    assert StudentProfile.objects.get(enrollment_number="CS100").user.email == "new@upas.test"


def test_an_unverified_sign_up_holding_a_students_address_gives_way_to_the_import(
    client, department, admin
):
    client.post(reverse("account_signup"), {**SIGNUP, "enrollment_number": "XX1"})
    report = import_students(
        actor=admin,
        data=(HEADER + f"real@upas.test,Real Student,CS7777,{department.code},BSc,1\n").encode(),
    )
    assert (report.created, report.released) == (1, 1)
    assert not PendingSignup.objects.exists()
    assert StudentProfile.objects.get(enrollment_number="CS7777").user.email == "real@upas.test"


@pytest.mark.parametrize("address", ["real+1@upas.test", "real+anything@upas.test"])
def test_plus_addressing_cannot_open_more_accounts(client, address):
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": address})
    assert response.status_code == 200
    assert "without a “+” tag" in response.content.decode()
    assert not User.objects.filter(email=address).exists()


# --- 3. throttles that hold behind a proxy without locking out a campus -------------------------


@override_settings(ACCOUNT_RATE_LIMITS=LIMITS, ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_behind_the_proxy_each_client_address_counts_on_its_own(student, other_student):
    """Through one proxy (one REMOTE_ADDR), wrong passwords from one client do not lock out
    another: the address that counts is the one the proxy saw."""
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for i in range(100):
        sign_in(
            Client(), f"guess{i}@upas.test", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy
        )
    blocked = Client()
    sign_in(blocked, student.user.email, HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy)
    assert signed_in_as(blocked) is None
    elsewhere = Client()
    sign_in(elsewhere, other_student.user.email, HTTP_X_FORWARDED_FOR="203.0.113.10", **proxy)
    assert signed_in_as(elsewhere) == other_student.user.pk


@override_settings(ACCOUNT_RATE_LIMITS=LIMITS)
def test_a_lecture_hall_of_300_signs_in_through_one_address_and_some_mistype(department):
    students = StudentFactory.create_batch(300, department=department)
    for profile in students[:40]:  # typos first, from the same NAT address
        sign_in(Client(), profile.user.email, "wrong-first-time")
    signed = 0
    for profile in students:
        client = Client()
        sign_in(client, profile.user.email)
        signed += signed_in_as(client) == profile.user.pk
    assert signed == 300


@override_settings(ACCOUNT_RATE_LIMITS=LIMITS)
def test_an_account_is_locked_after_five_wrong_passwords_and_only_that_one(student, other_student):
    client = Client()
    for _ in range(5):
        sign_in(client, student.user.email, "wrong")
    sign_in(client, student.user.email)
    assert signed_in_as(client) is None
    sign_in(client, other_student.user.email)
    assert signed_in_as(client) == other_student.user.pk


def test_production_refuses_to_start_without_redis():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "points.example.edu",
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "REDIS_URL is required in production" in result.stderr


def test_check_deploy_reports_a_per_process_cache():
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    ):
        assert [e.id for e in shared_cache(None)] == ["upas.E001"]
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}}
    ):
        assert shared_cache(None) == []


def test_production_trusts_one_proxy_by_default():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "points.example.edu",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    env.pop("TRUSTED_PROXY_COUNT", None)
    code = "import django; django.setup(); from django.conf import settings; "
    code += "print(settings.ALLAUTH_TRUSTED_PROXY_COUNT)"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "1"


# --- 5. no memory bombs ---------------------------------------------------------------------------


def png_header(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG whose header declares `width` x `height` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 16)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize("side", [7_000, 50_000])  # 49 and 2,500 megapixels
def test_an_image_declaring_too_many_pixels_is_refused_before_decoding(side):
    bomb = SimpleUploadedFile("bomb.png", png_header(side, side), content_type="image/png")
    assert bomb.size < 200
    with pytest.raises(ValidationError) as caught:
        normalise_image(bomb)
    assert "pixels" in caught.value.messages[0]
    with pytest.raises(ValidationError) as caught:
        check_evidence(SimpleUploadedFile("bomb.png", png_header(side, side)))
    assert "pixels" in caught.value.messages[0]
    assert MAX_PIXELS == 40_000_000


def test_a_claim_with_a_bomb_says_so_next_to_the_file_and_saves_nothing(
    client_as, student, category
):
    from portal.models import ActivityClaim

    bomb = SimpleUploadedFile("bomb.png", png_header(9_000, 9_000), content_type="image/png")
    response = client_as(student).post(
        reverse("portal:claim-create"),
        {
            "category": category.pk,
            "points": category.default_points,
            "description": "Volunteered",
            "activity_date": "2026-01-05",
            "evidence": bomb,
            "idempotency_key": "k-bomb",
        },
    )
    assert response.status_code == 200
    assert "(81 megapixels); the limit is 40 megapixels" in response.content.decode()
    assert not ActivityClaim.objects.exists()


@override_settings(UPAS_MAX_REQUEST_BYTES=10_000)
def test_a_request_body_over_the_cap_is_refused_before_it_is_read(client_as, student, category):
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"x" * 20_000 + b"%%EOF")
    response = client_as(student).post(reverse("portal:claim-create"), {"evidence": big})
    assert response.status_code == 413
    assert "at most 9.8\xa0KB" in response.content.decode()
    assert "Nothing was saved" in response.content.decode()


def test_a_chunked_body_is_refused(client_as, student):
    response = client_as(student).generic(
        "POST", reverse("portal:claim-create"), b"x", HTTP_TRANSFER_ENCODING="chunked"
    )
    assert response.status_code == 411


def test_django_caps_form_bodies_too(settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 2_621_440
    assert settings.UPAS_MAX_REQUEST_BYTES == 6 * 1024 * 1024


# --- 6. no account enumeration --------------------------------------------------------------------


@pytest.mark.parametrize(
    "known",
    ["faculty@gmail.com", "someone@upas.test"],
)
def test_password_reset_answers_alike_for_known_and_unknown_addresses(known):
    UserFactory(email=known, role=Role.FACULTY)
    unknown = known.replace("@", "-not-here@")
    answers = []
    for email in (known, unknown):
        mail.outbox.clear()
        response = Client().post(reverse("account_reset_password"), {"email": email})
        answers.append((response.status_code, response.get("Location"), len(mail.outbox)))
    assert answers[0] == answers[1] == (302, reverse("account_reset_password_done"), 1)


def test_sign_up_answers_alike_for_a_taken_address(student):
    answers = []
    for email in (student.user.email, "brand-new@upas.test"):
        mail.outbox.clear()
        response = Client().post(
            reverse("account_signup"),
            {**SIGNUP, "email": email, "enrollment_number": f"N{len(answers)}"},
        )
        answers.append((response.status_code, response.get("Location"), len(mail.outbox)))
    assert answers[0] == answers[1]
    assert User.objects.filter(email=student.user.email).count() == 1


def test_sign_up_at_another_domain_answers_alike_whether_or_not_the_address_exists():
    UserFactory(email="dean@gmail.com", role=Role.ADMIN)
    pages = [
        Client().post(reverse("account_signup"), {**SIGNUP, "email": email}).content.decode()
        for email in ("dean@gmail.com", "nobody@gmail.com")
    ]
    assert all("university email address" in page for page in pages)


def test_a_taken_address_costs_a_password_hash_like_a_new_one(student):
    from unittest import mock

    from portal.forms import signup

    with mock.patch.object(signup, "make_password", wraps=signup.make_password) as hashed:
        Client().post(reverse("account_signup"), {**SIGNUP, "email": student.user.email})
    assert hashed.call_count == 1


# --- 7. a dropped database connection is not a raw 500 --------------------------------------------


def test_the_error_page_for_a_lost_connection_says_try_again(rf):
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(rf.get("/"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "try again" in response.content.decode()


def test_other_errors_keep_the_plain_500(rf):
    try:
        raise ValueError("bug")
    except ValueError:
        response = server_error(rf.get("/"))
    assert response.status_code == 500


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_killed_connection_gets_the_try_again_page_and_the_next_request_reconnects(student):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: a backend another connection can terminate")
    import psycopg

    client = Client(raise_request_exception=False)
    client.force_login(student.user)
    with override_settings(DEBUG=False):
        assert client.get("/").status_code == 200
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        with psycopg.connect(**params, autocommit=True) as killer:
            killer.execute("SELECT pg_terminate_backend(%s)", [pid])
        dropped = client.get("/")
        assert dropped.status_code == 503
        assert "lost its connection" in dropped.content.decode()
        # Between requests the WSGI handler runs close_old_connections (request_started and
        # request_finished); Django's test client unhooks it, so the test runs it in its place.
        close_old_connections()
        assert client.get("/").status_code == 200


# --- 8. headers ---------------------------------------------------------------------------------


def test_every_response_says_which_browser_features_it_may_use(client_as, student):
    for response in (Client().get(reverse("account_login")), client_as(student).get("/")):
        assert "camera=(self)" in response["Permissions-Policy"]
        assert "geolocation=()" in response["Permissions-Policy"]
        assert response["Cross-Origin-Resource-Policy"] == "same-origin"
