"""Sign-up, verification, login protection and staff accounts (allauth + our adapter/services)."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from portal.exceptions import AccountError
from portal.models import AuditLog, PendingSignup, Role, StudentProfile, User
from portal.services import accounts

pytestmark = pytest.mark.django_db

SIGNUP = {
    "name": "Nia Student",
    "email": "nia@upas.test",
    "enrollment_number": "cs2026999",
    "year": "1",
    "password1": "a-long-Unusual-pass-42",
    "password2": "a-long-Unusual-pass-42",
}


def test_signup_keeps_the_details_until_the_address_is_verified(client, department):
    response = client.post(reverse("account_signup"), {**SIGNUP, "department": department.pk})
    assert response.status_code == 302
    user = User.objects.get(email="nia@upas.test")
    assert user.role == Role.STUDENT and user.name == "Nia Student"
    # Nothing is reserved yet: no profile, so no enrollment number held (issue 15).
    assert not StudentProfile.objects.filter(user=user).exists()
    assert PendingSignup.objects.get(user=user).enrollment_number == "CS2026999"
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1 and "nia@upas.test" in mail.outbox[0].to


def test_verifying_the_address_makes_the_student(client, department):
    client.post(reverse("account_signup"), {**SIGNUP, "department": department.pk})
    link = re.search(r"https?://testserver(/accounts/confirm-email/\S+/)", mail.outbox[0].body)
    client.post(link.group(1))
    profile = StudentProfile.objects.get(user__email="nia@upas.test")
    assert (profile.enrollment_number, profile.department, profile.balance) == (
        "CS2026999",
        department,
        0,
    )
    assert not PendingSignup.objects.exists()


def test_signup_refuses_other_email_domains(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": "nia@gmail.com"})
    assert response.status_code == 200
    assert "university email address" in response.content.decode()
    assert not User.objects.filter(email="nia@gmail.com").exists()


def test_signup_refuses_a_taken_enrollment_number(client, student):
    response = client.post(
        reverse("account_signup"), {**SIGNUP, "enrollment_number": student.enrollment_number}
    )
    assert "already registered" in response.content.decode()
    assert not User.objects.filter(email="nia@upas.test").exists()


def test_unverified_student_cannot_sign_in_until_the_link_is_followed(client):
    client.post(reverse("account_signup"), SIGNUP)
    client.logout()
    mail.outbox.clear()
    response = client.post(
        reverse("account_login"), {"login": SIGNUP["email"], "password": SIGNUP["password1"]}
    )
    assert response.status_code == 302 and "confirm-email" in response["Location"]
    assert "_auth_user_id" not in client.session
    link = re.search(
        r"https?://testserver(/accounts/confirm-email/\S+/)", mail.outbox[0].body
    ).group(1)
    client.post(link)
    assert EmailAddress.objects.get(email=SIGNUP["email"]).verified
    response = client.post(
        reverse("account_login"), {"login": SIGNUP["email"], "password": SIGNUP["password1"]}
    )
    assert response.status_code == 302 and client.session["_auth_user_id"]


def test_verified_user_signs_in_and_lands_on_their_dashboard(student):
    client = Client()
    response = client.post(
        reverse("account_login"),
        {"login": student.user.email, "password": "pw-for-tests-1"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Lifetime points" in response.content.decode()


@override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "3/5m/key"})
def test_repeated_failed_logins_are_rate_limited(student):
    cache.clear()
    client = Client()
    for _ in range(3):
        client.post(reverse("account_login"), {"login": student.user.email, "password": "wrong"})
    response = client.post(
        reverse("account_login"), {"login": student.user.email, "password": "pw-for-tests-1"}
    )
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session
    assert "too many" in response.content.decode().lower()
    cache.clear()


def test_password_reset_sends_a_link(client, student):
    client.post(reverse("account_reset_password"), {"email": student.user.email})
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


# --- staff accounts and roles (services) ----------------------------------------------------------


def test_admin_creates_faculty_with_verified_email_and_audit(admin):
    user = accounts.create_staff_user(
        actor=admin, email="New.Prof@UPAS.test", name="New Prof", role=Role.FACULTY
    )
    assert (user.email, user.role, user.has_usable_password()) == (
        "new.prof@upas.test",
        Role.FACULTY,
        False,
    )
    assert EmailAddress.objects.get(user=user).verified
    assert AuditLog.objects.get(action="user.create").actor == admin


@pytest.mark.parametrize("role", [Role.STUDENT, "superuser", ""])
def test_staff_accounts_are_faculty_or_admin_only(admin, role):
    with pytest.raises(AccountError) as exc:
        accounts.create_staff_user(actor=admin, email="x@upas.test", name="X", role=role)
    assert exc.value.code == "bad_role"


def test_faculty_cannot_create_accounts_or_change_roles(faculty, student):
    with pytest.raises(AccountError) as exc:
        accounts.create_staff_user(actor=faculty, email="x@upas.test", name="X", role=Role.ADMIN)
    assert exc.value.code == "forbidden"
    with pytest.raises(AccountError):
        accounts.change_role(actor=faculty, user_id=faculty.pk, role=Role.ADMIN)
    faculty.refresh_from_db()
    assert faculty.role == Role.FACULTY


def test_admin_promotes_a_student_and_the_change_is_audited(admin, student):
    accounts.change_role(actor=admin, user_id=student.user.pk, role=Role.FACULTY)
    student.user.refresh_from_db()
    assert student.user.role == Role.FACULTY
    entry = AuditLog.objects.get(action="user.role")
    assert (entry.before, entry.after) == ({"role": "student"}, {"role": "faculty"})


def test_admin_cannot_change_their_own_role(admin):
    with pytest.raises(AccountError) as exc:
        accounts.change_role(actor=admin, user_id=admin.pk, role=Role.STUDENT)
    assert exc.value.code == "own_role"


def test_only_people_with_an_enrollment_number_can_become_students(admin, faculty):
    with pytest.raises(AccountError) as exc:
        accounts.change_role(actor=admin, user_id=faculty.pk, role=Role.STUDENT)
    assert exc.value.code == "no_profile"


def test_staff_with_an_outside_address_can_still_reset_their_password(client, admin):
    accounts.create_staff_user(
        actor=admin, email="visiting.prof@gmail.com", name="Visiting Prof", role=Role.FACULTY
    )
    client.post(reverse("account_reset_password"), {"email": "visiting.prof@gmail.com"})
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["visiting.prof@gmail.com"]


def test_signed_in_pages_are_not_stored_by_browsers(client_as, student):
    response = client_as(student).get(reverse("portal:dashboard"))
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_back_button_history_restore_gets_the_whole_page(client_as, student):
    response = client_as(student).get(
        reverse("portal:leaderboard"),
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert b"<html" in response.content
