"""Data rights: erasure on request (admin-approved, audited, the ledger exact afterwards),
retention of old records, department admins and profile self-service."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.db import close_old_connections, connection
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from portal.exceptions import AccountError
from portal.models import (
    AuditLog,
    DrawEntry,
    ErasureRequest,
    Notification,
    Role,
    SignIn,
    User,
)
from portal.permissions import access_person, can_administer
from portal.services import account_admin, data_rights, draws
from portal.services import accounts as account_services
from portal.services.claims import decide_claim
from tests.claims.helpers import make_claim, png_bytes, upload
from tests.factories import (
    DepartmentFactory,
    DrawFactory,
    RewardFactory,
    StudentFactory,
    UserFactory,
)
from tests.helpers import assert_ledger_consistent, let_entries_close, redeem

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(student, faculty, admin, category, give):
    """A student with points, a fulfilled redemption, a decided claim with its evidence file,
    a won draw, notifications, an address and sign-ins."""
    give(student, 40, actor=faculty, category=category)
    claim = make_claim(student, category, 15)
    decide_claim(actor=faculty, claim_id=claim.pk, decision="approve")
    draw = DrawFactory(created_by=admin, alternates_count=0)
    draws.enter_draw(actor=student.user, draw_id=draw.pk)
    let_entries_close(draw)
    draws.perform_draw(actor=admin, draw_id=draw.pk)
    EmailAddress.objects.get_or_create(user=student.user, email=student.user.email)
    SignIn.objects.create(user=student.user, login=student.user.email, outcome="success")
    claim.refresh_from_db()
    return {"claim": claim, "draw": draw}


def erase(admin, student):
    request = data_rights.request_erasure(user=student.user, note="Leaving the university")
    return data_rights.erase_account(
        actor=admin, request_id=request.pk, confirm=student.user.email.upper()
    )


def test_erasure_removes_the_person_and_keeps_the_ledger_exact(
    student, admin, history, django_capture_on_commit_callbacks
):
    student.refresh_from_db()
    balance, lifetime = student.balance, student.lifetime_points
    evidence = history["claim"].evidence
    assert evidence.storage.exists(evidence.name)
    email = student.user.email

    with django_capture_on_commit_callbacks(execute=True):
        done = erase(admin, student)

    user = User.objects.get(pk=student.user_id)
    student.refresh_from_db()
    assert user.name == f"Erased account {user.pk}" and user.email.endswith("@erased.invalid")
    assert not user.is_active and not user.has_usable_password() and user.erased_at
    assert student.enrollment_number == f"ERASED-{user.pk}" and not student.show_on_leaderboard
    assert (student.balance, student.lifetime_points) == (balance, lifetime)
    assert_ledger_consistent()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not SignIn.objects.filter(user=user).exists()
    assert not Notification.objects.filter(user=user).exists()
    history["claim"].refresh_from_db()
    assert history["claim"].description == "[erased]" and not history["claim"].evidence
    assert not evidence.storage.exists(evidence.name)  # deleted after the commit
    assert done.files_deleted == 1
    # The draw still verifies: it committed to entry ids, never to names.
    history["draw"].refresh_from_db()
    assert draws.verify_draw(history["draw"]).problems == []
    assert DrawEntry.objects.filter(student=student).exists()
    # The audit log keeps what happened, not who it was.
    assert not AuditLog.objects.filter(target_repr=email).exists()
    assert not [e for e in AuditLog.objects.all() if email in str(e.before) + str(e.after)]
    assert AuditLog.objects.filter(action="user.erase", actor=admin).count() == 1
    request = ErasureRequest.objects.get(user=user)
    assert request.status == ErasureRequest.Status.ERASED and request.note == ""


def test_a_wrong_confirmation_changes_nothing(student, admin):
    request = data_rights.request_erasure(user=student.user)
    with pytest.raises(AccountError) as error:
        data_rights.erase_account(actor=admin, request_id=request.pk, confirm="someone@else")
    assert (error.value.code, error.value.field) == ("confirm_mismatch", "confirm")
    student.user.refresh_from_db()
    assert student.user.is_active and student.user.erased_at is None
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.PENDING


def test_held_points_must_be_decided_first(student, admin, faculty, category, give):
    give(student, 50, actor=faculty, category=category)
    redeem(student, RewardFactory(cost=30))
    request = data_rights.request_erasure(user=student.user)
    with pytest.raises(AccountError) as error:
        data_rights.erase_account(actor=admin, request_id=request.pk, confirm=student.user.email)
    assert error.value.code == "pending_redemptions"
    assert User.objects.get(pk=student.user_id).erased_at is None


def test_a_request_is_one_at_a_time_students_only_and_can_be_withdrawn(student, faculty):
    first = data_rights.request_erasure(user=student.user, note="please")
    assert data_rights.request_erasure(user=student.user).pk == first.pk
    with pytest.raises(AccountError):
        data_rights.request_erasure(user=faculty)
    with pytest.raises(AccountError) as error:
        data_rights.request_erasure(user=student.user, note="x" * 501)
    assert error.value.field == "note"
    data_rights.withdraw_erasure(user=student.user)
    first.refresh_from_db()
    assert first.status == ErasureRequest.Status.WITHDRAWN
    with pytest.raises(AccountError):
        data_rights.withdraw_erasure(user=student.user)


def test_a_refusal_needs_a_reason_and_tells_the_student(student, admin):
    request = data_rights.request_erasure(user=student.user)
    with pytest.raises(AccountError) as error:
        data_rights.refuse_erasure(actor=admin, request_id=request.pk, answer="  ")
    assert error.value.field == "answer"
    data_rights.refuse_erasure(actor=admin, request_id=request.pk, answer="Open misconduct case")
    assert Notification.objects.filter(user=student.user, message__contains="misconduct").exists()
    with pytest.raises(AccountError) as error:
        data_rights.erase_account(actor=admin, request_id=request.pk, confirm=student.user.email)
    assert error.value.code == "decided"


def test_a_department_admin_decides_only_their_students(student, department_admin):
    request = data_rights.request_erasure(user=student.user)
    with pytest.raises(AccountError) as error:
        data_rights.erase_account(
            actor=department_admin, request_id=request.pk, confirm=student.user.email
        )
    assert error.value.code == "forbidden"
    history_student = StudentFactory(department=department_admin.admin_department)
    own = data_rights.request_erasure(user=history_student.user)
    data_rights.refuse_erasure(actor=department_admin, request_id=own.pk, answer="Not yet")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_two_admins_erasing_at_once_erase_once(student, admin, faculty, category, give):
    give(student, 30, actor=faculty, category=category)
    other_admin = UserFactory(role=Role.ADMIN)
    request = data_rights.request_erasure(user=student.user)
    email = student.user.email
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def run(actor):
        close_old_connections()
        barrier.wait()
        try:
            data_rights.erase_account(actor=actor, request_id=request.pk, confirm=email)
            outcomes.append("erased")
        except AccountError as exc:
            outcomes.append(exc.code)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run, args=(a,)) for a in (admin, other_admin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["decided", "erased"]
    assert AuditLog.objects.filter(action="user.erase").count() == 1
    assert_ledger_consistent()


# --- retention ---------------------------------------------------------------------------------


def test_retention_deletes_old_sign_ins_and_old_evidence_only(student, faculty, category, settings):
    settings.UPAS_RETAIN_SIGN_INS_DAYS = 365
    settings.UPAS_RETAIN_EVIDENCE_DAYS = 730
    now = timezone.now()
    old = SignIn.objects.create(login="a@upas.test", outcome="failed")
    SignIn.objects.filter(pk=old.pk).update(at=now - timedelta(days=400))
    recent = SignIn.objects.create(login="a@upas.test", outcome="failed")
    old_claim = make_claim(student, category, 10)
    decide_claim(actor=faculty, claim_id=old_claim.pk, decision="approve")
    type(old_claim).objects.filter(pk=old_claim.pk).update(decided_at=now - timedelta(days=800))
    new_claim = make_claim(student, category, 10)
    decide_claim(actor=faculty, claim_id=new_claim.pk, decision="approve")
    pending = make_claim(student, category, 10)

    counted = data_rights.apply_retention(now=now, dry_run=True)
    assert (counted.sign_ins, counted.claim_files) == (1, 1)
    assert SignIn.objects.filter(pk=old.pk).exists()

    data_rights.apply_retention(now=now)
    assert list(SignIn.objects.values_list("pk", flat=True)) == [recent.pk]
    for claim, kept in ((old_claim, False), (new_claim, True), (pending, True)):
        claim.refresh_from_db()
        assert bool(claim.evidence) is kept
        assert claim.status  # the claim itself stays


def test_zero_keeps_everything(settings):
    settings.UPAS_RETAIN_SIGN_INS_DAYS = 0
    settings.UPAS_RETAIN_EVIDENCE_DAYS = 0
    old = SignIn.objects.create(login="a@upas.test", outcome="failed")
    SignIn.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=4000))
    assert data_rights.apply_retention().sign_ins == 0
    assert SignIn.objects.filter(pk=old.pk).exists()


# --- department admins ---------------------------------------------------------------------------


def test_a_department_admin_reaches_only_their_departments_students(student, department_admin):
    theirs = StudentFactory(department=department_admin.admin_department)
    assert can_administer(department_admin, theirs.user)
    assert not can_administer(department_admin, student.user)
    with pytest.raises(Http404):
        access_person(department_admin, student.user_id)
    assert access_person(department_admin, theirs.user_id) == theirs.user
    with pytest.raises(AccountError):
        account_admin.suspend_account(actor=department_admin, user_id=student.user_id, reason="No")


def test_the_people_list_of_a_department_admin(client, student, department_admin):
    theirs = StudentFactory(department=department_admin.admin_department, user__name="Hana H")
    client.force_login(department_admin)
    page = client.get(reverse("portal:user-list")).content.decode()
    assert "Hana H" in page and student.user.name not in page
    assert reverse("portal:user-create") not in page  # only unlimited admins make staff
    assert theirs


def test_only_unlimited_admins_limit_other_admins(admin, department_admin):
    history = DepartmentFactory(code="HI")
    other = UserFactory(role=Role.ADMIN)
    account_admin.limit_admin(actor=admin, user_id=other.pk, department=history)
    other.refresh_from_db()
    assert other.admin_department == history
    assert AuditLog.objects.filter(action="user.admin_department").count() == 1
    with pytest.raises(AccountError):
        account_admin.limit_admin(actor=department_admin, user_id=admin.pk, department=None)
    with pytest.raises(AccountError) as error:
        account_admin.limit_admin(
            actor=admin, user_id=UserFactory(role=Role.FACULTY).pk, department=history
        )
    assert error.value.code == "not_admin"


# --- profile self-service ----------------------------------------------------------------------


def test_a_photo_is_checked_reencoded_and_replaced(
    client, student, django_capture_on_commit_callbacks
):
    client.force_login(student.user)
    url = reverse("portal:profile-update")
    answer = client.post(url, {"name": "Aisha K", "photo": upload("me.png", png_bytes())})
    assert answer.status_code == 302
    user = User.objects.get(pk=student.user_id)
    first = user.photo.name
    assert user.name == "Aisha K" and first.startswith("people/")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"name": "Aisha K", "photo": upload("me.png", png_bytes((30, 30)))})
    user.refresh_from_db()
    assert user.photo.name != first and not user.photo.storage.exists(first)
    client.post(url, {"name": "Aisha K", "remove_photo": "on"})
    user.refresh_from_db()
    assert not user.photo


def test_a_fake_photo_is_refused_next_to_the_field(client, student):
    client.force_login(student.user)
    answer = client.post(
        reverse("portal:profile-update"),
        {"name": "Aisha K", "photo": upload("me.png", b"%PDF-1.4 not an image")},
    )
    assert answer.status_code == 200
    assert "not a JPEG, PNG or WebP image" in answer.content.decode()
    assert not User.objects.get(pk=student.user_id).photo


def test_the_name_can_be_locked_to_the_registry(student, settings):
    settings.UPAS_PROFILE_EDITABLE = []
    with pytest.raises(AccountError) as error:
        account_services.update_profile(user=student.user, name="Someone Else")
    assert error.value.code == "name_locked"
