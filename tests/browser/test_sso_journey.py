"""Campus single sign-on end to end: the portal (allauth's OpenID Connect client) against a real
OpenID Connect provider (django-oauth-toolkit, tests/sso/idp) running as its own server, through
chromium. Redirect, the provider's sign-in and consent, the callback with a signed ID token,
the account made or linked, and the refusals: a tampered state, a tampered ID token, an
unverified email, an email and an enrollment number belonging to two accounts."""

from __future__ import annotations

import re

import pytest
from allauth.socialaccount.models import SocialAccount
from playwright.sync_api import Page, expect

from portal.models import AuditLog, PendingSignup, Role, StudentProfile, User
from tests.browser.axe import Report
from tests.browser.steps import DESKTOP, PHONE
from tests.factories import DepartmentFactory, StudentFactory, UserFactory
from tests.sso.provider import point_portal_at, running_identity_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE = [
    {
        "username": "amira",
        "password": "campus-pw-1",
        "name": "Amira Haddad",
        "email": "amira.haddad@upas.test",
        "enrollment_number": "CS2026042",
        "department": "CS",
        "groups": ["students"],
    },
    {
        "username": "mlopez",
        "password": "campus-pw-2",
        "name": "Maria Lopez",
        "email": "maria.lopez@upas.test",
        "groups": ["faculty-staff"],
    },
    {
        "username": "omar",
        "password": "campus-pw-3",
        "name": "Omar Farouk",
        "email": "omar.farouk@upas.test",
        "enrollment_number": "CS2024009",
    },
    {
        "username": "mixed",
        "password": "campus-pw-4",
        "name": "Mixed Records",
        "email": "first.person@upas.test",
        "enrollment_number": "CS2024010",
    },
    {
        "username": "unconfirmed",
        "password": "campus-pw-5",
        "name": "Not Confirmed",
        "email": "unconfirmed@upas.test",
        "email_verified": False,
        "enrollment_number": "CS2024011",
    },
    {
        "username": "signedup",
        "password": "campus-pw-6",
        "name": "Real Owner",
        "email": "real.owner@upas.test",
        "enrollment_number": "CS2024012",
    },
]
CALLBACK = "/accounts/oidc/campus/login/callback/"


@pytest.fixture(scope="module")
def idp(live_server, tmp_path_factory):
    with running_identity_provider(
        redirect_uri=live_server.url + CALLBACK,
        people=PEOPLE,
        workdir=tmp_path_factory.mktemp("idp"),
    ) as provider:
        yield provider


@pytest.fixture
def campus(settings, idp):
    point_portal_at(settings, idp)
    DepartmentFactory(code="CS", name="Computer Science")
    return idp


def start_campus_sign_in(page: Page, base: str, username: str) -> None:
    """From the portal's sign-in page to the provider's consent, as a person would."""
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_role("button", name="Sign in with Campus sign-in").click()
    page.get_by_label("Campus username").fill(username)
    page.get_by_label("Campus password").fill(
        next(p["password"] for p in PEOPLE if p["username"] == username)
    )
    page.get_by_role("button", name="Sign in to campus").click()
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()


def campus_sign_in(page: Page, base: str, username: str) -> None:
    start_campus_sign_in(page, base, username)
    page.get_by_role("button", name="Authorize").click()


def test_a_student_signs_in_with_the_campus_account_and_comes_back_to_the_same_one(
    page: Page, live_server, campus, shots
):
    base = live_server.url
    report = Report()
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/accounts/login/")
    expect(page.get_by_role("button", name="Sign in with Campus sign-in")).to_be_visible()
    page.screenshot(path=shots / "sso-sign-in-phone.png", full_page=True, caret="initial")
    report.check(page, "/accounts/login/ with campus sign-in @375")
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=shots / "sso-sign-in-desktop.png", full_page=True, caret="initial")
    report.check(page, "/accounts/login/ with campus sign-in @1280")
    assert report.by_impact("critical", "serious") == [], report.text("critical", "serious")

    campus_sign_in(page, base, "amira")
    page.wait_for_url(f"{base}/")
    expect(page.get_by_text("Amira Haddad").first).to_be_visible()
    user = User.objects.get(email="amira.haddad@upas.test")
    assert user.role == Role.STUDENT
    assert not user.has_usable_password()
    profile = StudentProfile.objects.get(user=user)
    assert (profile.enrollment_number, profile.department.code) == ("CS2026042", "CS")
    assert SocialAccount.objects.filter(user=user, provider="campus").count() == 1
    assert AuditLog.objects.filter(action="user.sso_created", target_id=str(user.pk)).exists()

    # The second sign-in reuses the account: no second user, no second link.
    campus_sign_in(page, base, "amira")
    page.wait_for_url(f"{base}/")
    assert User.objects.filter(email__iexact="amira.haddad@upas.test").count() == 1
    assert SocialAccount.objects.filter(provider="campus").count() == 1


def test_the_group_claim_gives_faculty_their_role(page: Page, live_server, campus):
    campus_sign_in(page, live_server.url, "mlopez")
    page.wait_for_url(f"{live_server.url}/")
    user = User.objects.get(email="maria.lopez@upas.test")
    assert user.role == Role.FACULTY
    assert not StudentProfile.objects.filter(user=user).exists()


def test_an_imported_student_is_linked_by_the_enrollment_number(page: Page, live_server, campus):
    imported = StudentFactory(enrollment_number="CS2024009", user__email="omar@upas.test")
    campus_sign_in(page, live_server.url, "omar")
    page.wait_for_url(f"{live_server.url}/")
    assert SocialAccount.objects.get(provider="campus").user_id == imported.user_id
    assert User.objects.count() == 1


def test_an_email_and_an_enrollment_number_of_two_accounts_are_refused(
    page: Page, live_server, campus, shots
):
    UserFactory(email="first.person@upas.test", role=Role.FACULTY)
    StudentFactory(enrollment_number="CS2024010")
    campus_sign_in(page, live_server.url, "mixed")
    expect(page.get_by_role("heading", name="Campus sign-in refused")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("two different portal accounts")
    page.screenshot(path=shots / "sso-refused-desktop.png", full_page=True, caret="initial")
    report = Report()
    report.check(page, "campus sign-in refused @1280")
    page.set_viewport_size(PHONE)
    report.check(page, "campus sign-in refused @375")
    page.screenshot(path=shots / "sso-refused-phone.png", full_page=True, caret="initial")
    assert report.by_impact("critical", "serious") == [], report.text("critical", "serious")
    assert not SocialAccount.objects.exists()
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))  # nobody is signed in


def test_an_email_the_provider_did_not_verify_is_refused(page: Page, live_server, campus):
    campus_sign_in(page, live_server.url, "unconfirmed")
    expect(page.get_by_role("alert")).to_contain_text("did not confirm an email address")
    assert not User.objects.filter(email="unconfirmed@upas.test").exists()


def test_an_unverified_sign_up_of_the_address_loses_its_password_and_number(
    page: Page, live_server, campus
):
    # Someone signed up with the real owner's address and a number of their choosing, and
    # never verified it.
    squatter = UserFactory(email="real.owner@upas.test", role=Role.STUDENT)
    PendingSignup.objects.create(user=squatter, enrollment_number="CS9999999")
    campus_sign_in(page, live_server.url, "signedup")
    page.wait_for_url(f"{live_server.url}/")
    squatter.refresh_from_db()
    assert not squatter.has_usable_password()
    assert not PendingSignup.objects.filter(user=squatter).exists()
    assert squatter.student_profile.enrollment_number == "CS2024012"


def test_a_tampered_state_is_refused(page: Page, live_server, campus):
    def forge_state(route):
        # The provider's answer to "Authorize" redirects back to the portal: change the state
        # in that redirect, as a forged link would.
        answer = route.fetch(max_redirects=0)
        location = re.sub(r"state=[^&]+", "state=forged", answer.headers["location"])
        route.fulfill(status=302, headers={"location": location})

    start_campus_sign_in(page, live_server.url, "amira")
    page.route(re.compile(r"/o/authorize/"), forge_state)
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_role("heading", name="Campus sign-in did not complete")).to_be_visible()
    assert "state=forged" in page.url
    assert not User.objects.filter(email="amira.haddad@upas.test").exists()


def test_an_id_token_altered_on_the_way_is_refused(page: Page, live_server, campus, shots):
    campus.tamper_marker.touch()
    try:
        campus_sign_in(page, live_server.url, "amira")
        expect(page.get_by_role("heading", name="Campus sign-in did not complete")).to_be_visible()
        page.screenshot(path=shots / "sso-tampered-desktop.png", full_page=True, caret="initial")
        report = Report()
        report.check(page, "campus sign-in failed @1280")
        assert report.by_impact("critical", "serious") == [], report.text("critical", "serious")
    finally:
        campus.tamper_marker.unlink()
    assert not User.objects.filter(
        email__in=["someone.else@upas.test", "amira.haddad@upas.test"]
    ).exists()
