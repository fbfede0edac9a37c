"""Account administration (issue 22): suspend and reactivate, a suspension that lapses, warnings,
unlocking a locked-out account, a password reset link and audited corrections. Every refusal
asserts its code and that nothing was written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from portal.exceptions import AccountError
from portal.models import (
    AccountWarning,
    AuditLog,
    Notification,
    StudentProfile,
    Suspension,
    User,
)
from portal.selectors.accounts import is_locked_out, search_students
from portal.selectors.ledger import get_leaderboard
from portal.services import account_admin
from tests.conftest import key, ledger_total
from tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory's
HOSTS = {"testserver"}


def sign_in(client: Client, email: str, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def refused(code: str, call, *args, **kwargs) -> None:
    """The service refuses with `code` and writes nothing: no suspension, warning or audit row,
    no change to the ledger."""
    before = (
        Suspension.objects.count(),
        AccountWarning.objects.count(),
        AuditLog.objects.count(),
        ledger_total(),
    )
    with pytest.raises(AccountError) as excinfo:
        call(*args, **kwargs)
    assert excinfo.value.code == code
    after = (
        Suspension.objects.count(),
        AccountWarning.objects.count(),
        AuditLog.objects.count(),
        ledger_total(),
    )
    assert after == before


def suspend(admin: User, who: StudentProfile | User, **kwargs) -> Suspension:
    user = getattr(who, "user", who)
    kwargs.setdefault("reason", "Shared check-in codes in a group chat")
    return account_admin.suspend_account(actor=admin, user_id=user.pk, **kwargs)


# --- suspend and reactivate --------------------------------------------------------------------


def test_suspending_deactivates_the_account_and_keeps_the_ledger(
    admin, faculty, student, category, give
):
    give(student, 30, actor=faculty, category=category)
    entries = ledger_total()
    suspension = suspend(admin, student, ends_at=timezone.now() + timedelta(days=7))
    student.user.refresh_from_db()
    student.refresh_from_db()
    assert not student.user.is_active
    assert suspension.is_open and suspension.created_by == admin
    assert student.balance == 30 and ledger_total() == entries
    audit = AuditLog.objects.get(action="user.suspend")
    assert audit.actor == admin and audit.target_id == str(student.user.pk)
    assert audit.after["reason"] == "Shared check-in codes in a group chat"


def test_a_suspended_student_leaves_searches_and_the_leaderboard(
    admin, faculty, student, other_student, category, give
):
    give(student, 30, actor=faculty, category=category)
    give(other_student, 10, actor=faculty, category=category)
    suspend(admin, student)
    assert search_students("Alice") == []
    names = [row.name for row in get_leaderboard(viewer=None, top=10).rows]
    assert names == ["Bob Student"]


def test_a_suspended_student_cannot_sign_in_and_their_session_ends(admin, student):
    session = Client()
    session.force_login(student.user)
    assert session.get("/").status_code == 200
    suspend(admin, student)
    # The open session is no longer signed in (the backend refuses inactive users)...
    response = session.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    # ...and the right password does not sign in again.
    client = Client()
    sign_in(client, student.user.email)
    assert "_auth_user_id" not in client.session


def test_suspend_refusals_write_nothing(admin, faculty, student):
    refused("forbidden", suspend, faculty, student)
    refused("forbidden", suspend, admin, admin)
    refused("reason_required", suspend, admin, student, reason="   ")
    refused("reason_too_long", suspend, admin, student, reason="x" * 501)
    refused("ends_in_past", suspend, admin, student, ends_at=timezone.now() - timedelta(hours=1))
    refused("not_found", account_admin.suspend_account, actor=admin, user_id=999_999, reason="x")
    suspend(admin, student)
    refused("already_suspended", suspend, admin, student)


def test_reactivating_lets_them_sign_in_again(admin, student):
    suspend(admin, student)
    account_admin.reactivate_account(actor=admin, user_id=student.user.pk)
    student.user.refresh_from_db()
    assert student.user.is_active
    suspension = Suspension.objects.get()
    assert suspension.lifted_by == admin and suspension.lifted_at is not None
    assert AuditLog.objects.filter(action="user.reactivate").count() == 1
    client = Client()
    sign_in(client, student.user.email)
    assert client.session["_auth_user_id"] == str(student.user.pk)


def test_reactivating_an_account_not_suspended_is_refused(admin, faculty, student):
    refused("not_suspended", account_admin.reactivate_account, actor=admin, user_id=student.user.pk)
    suspend(admin, student)
    refused("forbidden", account_admin.reactivate_account, actor=faculty, user_id=student.user.pk)


def test_a_suspension_with_an_end_date_lapses_in_the_periodic_job(admin, student, other_student):
    suspend(admin, student, ends_at=timezone.now() + timedelta(days=1))
    suspend(admin, other_student)  # no end date: stays
    assert account_admin.lift_lapsed_suspensions() == 0
    assert account_admin.lift_lapsed_suspensions(now=timezone.now() + timedelta(days=2)) == 1
    student.user.refresh_from_db()
    other_student.user.refresh_from_db()
    assert student.user.is_active and not other_student.user.is_active
    audit = AuditLog.objects.get(action="user.suspension_lapsed")
    assert audit.actor is None


def test_a_lapsed_suspension_does_not_refuse_a_sign_in_before_the_job_ran(admin, student):
    suspend(admin, student, ends_at=timezone.now() + timedelta(days=1))
    Suspension.objects.update(ends_at=timezone.now() - timedelta(minutes=1))  # time passed
    client = Client()
    sign_in(client, student.user.email)
    assert client.session["_auth_user_id"] == str(student.user.pk)
    assert Suspension.objects.get().lifted_at is not None


def test_the_lapse_job_is_scheduled():
    from portal.services.schedule import jobs

    assert "lift-suspensions" in {job.name for job in jobs()}


# --- warnings ----------------------------------------------------------------------------------


def test_a_warning_is_recorded_notified_and_audited(admin, student):
    warning = account_admin.issue_warning(
        actor=admin, user_id=student.user.pk, reason="Late to every lab", idempotency_key=key()
    )
    assert warning.issued_by == admin
    notification = Notification.objects.get(user=student.user)
    assert notification.kind == Notification.Kind.ACCOUNT
    assert "Late to every lab" in notification.message
    assert AuditLog.objects.get(action="user.warn").after["count"] == 1


def test_the_same_warning_form_twice_warns_once(admin, student):
    form_key = key()
    for _ in range(2):
        account_admin.issue_warning(
            actor=admin, user_id=student.user.pk, reason="Late", idempotency_key=form_key
        )
    assert AccountWarning.objects.count() == 1
    assert Notification.objects.count() == 1


def test_warning_refusals_write_nothing(admin, faculty, student, other_student):
    form_key = key()
    account_admin.issue_warning(
        actor=admin, user_id=student.user.pk, reason="Late", idempotency_key=form_key
    )
    warn = account_admin.issue_warning
    refused(
        "forbidden", warn, actor=faculty, user_id=student.user.pk, reason="x", idempotency_key=key()
    )
    refused("forbidden", warn, actor=admin, user_id=admin.pk, reason="x", idempotency_key=key())
    refused(
        "reason_required",
        warn,
        actor=admin,
        user_id=student.user.pk,
        reason="",
        idempotency_key=key(),
    )
    refused(
        "key_conflict",
        warn,
        actor=admin,
        user_id=other_student.user.pk,
        reason="x",
        idempotency_key=form_key,
    )


def test_the_student_sees_their_warnings_in_settings(client_as, admin, student, other_student):
    account_admin.issue_warning(
        actor=admin, user_id=student.user.pk, reason="Late to every lab", idempotency_key=key()
    )
    page = client_as(student).get(reverse("portal:settings")).content.decode()
    assert 'id="warnings"' in page and "Late to every lab" in page
    other = client_as(other_student).get(reverse("portal:settings")).content.decode()
    assert "Late to every lab" not in other and 'id="warnings"' not in other


def test_three_warnings_suggest_a_suspension_to_admins(client_as, admin, student):
    url = reverse("portal:person-detail", kwargs={"pk": student.user.pk})
    for n in range(3):
        assert "consider suspending" not in client_as(admin).get(url).content.decode()
        account_admin.issue_warning(
            actor=admin, user_id=student.user.pk, reason=f"Warning {n}", idempotency_key=key()
        )
    assert "3 warnings so far: consider suspending" in client_as(admin).get(url).content.decode()


# --- unlock ------------------------------------------------------------------------------------


@override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "100/m/ip,3/5m/key"})
def test_unlocking_lets_a_locked_out_student_sign_in_at_once(client_as, admin, student):
    cache.clear()
    client = Client()
    for _ in range(3):
        sign_in(client, student.user.email, "wrong")
    sign_in(client, student.user.email)
    assert "_auth_user_id" not in client.session  # locked out, right password or not
    assert is_locked_out(student.user, HOSTS)
    assert (
        "Locked out"
        in client_as(admin)
        .get(reverse("portal:person-detail", kwargs={"pk": student.user.pk}))
        .content.decode()
    )

    response = client_as(admin).post(
        reverse("portal:person-unlock", kwargs={"pk": student.user.pk})
    )
    assert response.status_code == 302
    assert not is_locked_out(student.user, HOSTS)
    assert AuditLog.objects.get(action="user.unlock").after["cleared"] == 1
    sign_in(client, student.user.email)
    assert client.session["_auth_user_id"] == str(student.user.pk)
    cache.clear()


@override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "3/5m/key"})
def test_unlocking_leaves_other_accounts_locked(admin, student, other_student):
    cache.clear()
    client = Client()
    for who in (student, other_student):
        for _ in range(3):
            sign_in(client, who.user.email, "wrong")
    account_admin.unlock_account(actor=admin, user_id=student.user.pk, hosts=HOSTS)
    assert not is_locked_out(student.user, HOSTS)
    assert is_locked_out(other_student.user, HOSTS)
    cache.clear()


def test_only_admins_unlock(faculty, student):
    refused(
        "forbidden",
        account_admin.unlock_account,
        actor=faculty,
        user_id=student.user.pk,
        hosts=HOSTS,
    )


def test_portal_hosts_include_the_request_and_the_site(settings):
    settings.ALLOWED_HOSTS = ["upas.example.edu", ".example.edu", "*"]
    settings.SITE_URL = "https://points.example.edu/"
    assert account_admin.portal_hosts("upas.example.edu:8443") == {
        "upas.example.edu",
        "upas.example.edu:8443",
        "points.example.edu",
    }


# --- password reset ----------------------------------------------------------------------------


def test_a_password_reset_link_is_emailed_after_the_commit(
    admin, student, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        account_admin.send_password_reset(actor=admin, user_id=student.user.pk)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [student.user.email]
    assert "/accounts/password/reset/key/" in message.body
    assert AuditLog.objects.filter(action="user.password_reset").count() == 1


def test_the_reset_link_sets_a_new_password(admin, student, django_capture_on_commit_callbacks):
    import re

    with django_capture_on_commit_callbacks(execute=True):
        account_admin.send_password_reset(actor=admin, user_id=student.user.pk)
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    client = Client()
    form_page = client.get("/" + path, follow=True)
    assert form_page.status_code == 200
    new_password = "a-brand-new-password-22"
    client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else "/" + path,
        {"password1": new_password, "password2": new_password},
    )
    student.user.refresh_from_db()
    assert student.user.check_password(new_password)


def test_no_reset_link_for_a_suspended_account(admin, student):
    suspend(admin, student)
    refused("suspended", account_admin.send_password_reset, actor=admin, user_id=student.user.pk)
    assert mail.outbox == []


# --- corrections -------------------------------------------------------------------------------


def test_correcting_a_students_details_is_audited_with_before_and_after(admin, student):
    physics = DepartmentFactory(name="Physics", code="PH")
    computing = student.department_id
    account_admin.correct_details(
        actor=admin,
        user_id=student.user.pk,
        name="Alice Studentova",
        enrollment_number="cs009",
        department=physics,
        year=3,
    )
    student.refresh_from_db()
    student.user.refresh_from_db()
    assert student.user.name == "Alice Studentova"
    assert (student.enrollment_number, student.department, student.year) == ("CS009", physics, 3)
    audit = AuditLog.objects.get(action="user.correct")
    assert audit.before == {
        "name": "Alice Student",
        "enrollment_number": "CS001",
        "department": computing,
        "year": 2,
    }
    assert audit.after == {
        "name": "Alice Studentova",
        "enrollment_number": "CS009",
        "department": physics.pk,
        "year": 3,
    }


def test_a_correction_that_changes_nothing_writes_nothing(admin, student):
    account_admin.correct_details(
        actor=admin,
        user_id=student.user.pk,
        name="Alice Student",
        enrollment_number="CS001",
        department=student.department,
        year=2,
    )
    assert not AuditLog.objects.exists()


def test_a_taken_enrollment_number_is_refused(admin, student, other_student):
    refused(
        "enrollment_taken",
        account_admin.correct_details,
        actor=admin,
        user_id=student.user.pk,
        name="Someone Else",
        enrollment_number=other_student.enrollment_number,
        department=None,
        year=2,
    )
    student.user.refresh_from_db()
    assert student.user.name == "Alice Student"


def test_staff_have_only_a_name_to_correct(admin, faculty):
    account_admin.correct_details(actor=admin, user_id=faculty.pk, name="Dr Faculty Jones")
    faculty.refresh_from_db()
    assert faculty.name == "Dr Faculty Jones"
    refused("forbidden", account_admin.correct_details, actor=faculty, user_id=admin.pk, name="X")


def test_a_suspended_student_is_told_why_they_cannot_sign_in(admin, student):
    suspend(admin, student)
    response = Client().post(
        reverse("account_login"), {"login": student.user.email, "password": PASSWORD}, follow=True
    )
    page = response.content.decode()
    assert "This account is inactive." in page
    assert "If an administrator suspended your account" in page
