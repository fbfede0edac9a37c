"""Certificates and transcripts in the services: issued once by what earned them, signed so the
published keys verify them, revoked by an admin or by what undoes them, in bulk by the
worker; transcripts frozen at issue. Every refusal asserts its code and that nothing changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from portal import signing_keys
from portal.domain import signing
from portal.models import (
    AuditLog,
    Certificate,
    CertificateBatch,
    ClubMembership,
    Notification,
    Transaction,
    Transcript,
    TranscriptHiddenItem,
)
from portal.services import attendance, certificates, events, ledger
from portal.services.certificates import CertificateError
from portal.services.claims import decide_claim
from portal.services.tasks import decide_task
from tests.claims.helpers import hand_in, make_claim
from tests.conftest import key
from tests.factories import EventFactory, StudentFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(faculty, category):
    return EventFactory(
        organiser=faculty, category=category, attendance_points=15, offers_certificate=True
    )


def verified(record) -> dict:
    return signing.verify(record.signed, signing_keys.published_keys())


def check_in(faculty, event, student):
    return events.check_in(actor=faculty, event_id=event.pk, student_id=student.pk)


# --- automatic issue ----------------------------------------------------------------------------


def test_checking_in_to_an_event_that_offers_one_issues_a_signed_certificate(
    faculty, student, event
):
    checkin = check_in(faculty, event, student)
    certificate = Certificate.objects.get()
    assert certificate.checkin == checkin and certificate.holder == student
    assert certificate.source == Certificate.Source.EVENT
    document = verified(certificate)
    assert document["holder"] == {"name": "Alice Student"}
    assert document["title"] == f"Attended: {event.title}"
    assert document["points"] == 15 and document["code"] == certificate.code
    assert document["verify_url"].endswith(f"/verify/{certificate.code}/")
    assert len(certificate.code) >= 22  # at least 128 bits of token_urlsafe
    assert Notification.objects.filter(user=student.user, kind="certificate").exists()


def test_an_event_without_certificates_issues_none(faculty, student, category):
    plain = EventFactory(organiser=faculty, category=category)
    check_in(faculty, plain, student)
    assert not Certificate.objects.exists()


def test_codes_differ_and_are_long(faculty, student, other_student, event):
    check_in(faculty, event, student)
    check_in(faculty, event, other_student)
    codes = set(Certificate.objects.values_list("code", flat=True))
    assert len(codes) == 2


def test_approving_a_claim_in_a_certificate_category_issues_one(faculty, student, category):
    category.issues_certificate = True
    category.save()
    claim = make_claim(student, category, 20, description="Led the\nbeach clean-up")
    decide_claim(actor=faculty, claim_id=claim.pk, decision="approve")
    certificate = Certificate.objects.get()
    assert certificate.claim == claim and certificate.source == "claim"
    assert verified(certificate)["title"] == f"{category.name}: Led the beach clean-up"


def test_rejecting_a_claim_issues_nothing(faculty, student, category):
    category.issues_certificate = True
    category.save()
    claim = make_claim(student, category, 20)
    decide_claim(actor=faculty, claim_id=claim.pk, decision="reject", comment="No proof")
    assert not Certificate.objects.exists()


def test_a_claim_in_another_category_issues_nothing(faculty, student, category):
    claim = make_claim(student, category, 20)
    decide_claim(actor=faculty, claim_id=claim.pk, decision="approve")
    assert not Certificate.objects.exists()


def test_approving_a_task_in_a_certificate_category_issues_one(faculty, student, category):
    category.issues_certificate = True
    category.save()
    task = TaskFactory(created_by=faculty, category=category, title="Map the library")
    assignment = hand_in(student, task)
    decide_task(actor=faculty, assignment_id=assignment.pk, decision="approve")
    certificate = Certificate.objects.get()
    assert certificate.assignment == assignment
    assert verified(certificate)["title"] == "Task completed: Map the library"


# --- tampering ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("holder", {"name": "Mallory"}), ("title", "Attended: Nobel lecture"), ("points", 999)],
)
def test_changing_any_field_breaks_the_signature(faculty, student, event, field, value):
    check_in(faculty, event, student)
    signed = Certificate.objects.get().signed
    signed["document"][field] = value
    with pytest.raises(signing.SignatureError):
        signing.verify(signed, signing_keys.published_keys())


def test_certificates_signed_before_a_rotation_still_verify(faculty, student, other_student, event):
    check_in(faculty, event, student)
    signing_keys.rotate()
    check_in(faculty, event, other_student)
    old, new = Certificate.objects.order_by("pk")
    assert old.signed["signature"]["kid"] != new.signed["signature"]["kid"]
    assert verified(old) and verified(new)


# --- revocation ---------------------------------------------------------------------------------


def test_annulling_the_check_in_revokes_its_certificate(faculty, student, event):
    checkin = check_in(faculty, event, student)
    attendance.annul_checkin(actor=faculty, checkin_id=checkin.pk, reason="Left after 5 minutes")
    certificate = Certificate.objects.get()
    assert certificate.is_revoked
    assert "Left after 5 minutes" in certificate.revoked_reason
    assert verified(certificate)  # the signed content never changes


def test_reversing_an_approved_claim_revokes_its_certificate(admin, faculty, student, category):
    category.issues_certificate = True
    category.save()
    claim = make_claim(student, category, 20)
    decide_claim(actor=faculty, claim_id=claim.pk, decision="approve")
    entry = Transaction.objects.get(claim=claim)
    ledger.reverse_transaction(
        actor=admin, transaction_id=entry.pk, reason="Evidence was forged", idempotency_key=key()
    )
    certificate = Certificate.objects.get()
    assert certificate.is_revoked and "Evidence was forged" in certificate.revoked_reason


def test_an_admin_revokes_with_a_reason_audited_and_the_student_told(
    admin, faculty, student, event
):
    check_in(faculty, event, student)
    certificate = Certificate.objects.get()
    certificates.revoke(actor=admin, certificate_id=certificate.pk, reason="Issued in error")
    certificate.refresh_from_db()
    assert certificate.is_revoked and certificate.revoked_by == admin
    assert AuditLog.objects.filter(action="certificate.revoke").exists()
    told = Notification.objects.filter(user=student.user, kind="certificate")
    assert told.filter(message__contains="Issued in error").exists()


@pytest.mark.parametrize(
    ("who", "reason", "code"),
    [
        ("faculty", "Wrong", "forbidden"),
        ("student", "Wrong", "forbidden"),
        ("admin", "   ", "required"),
        ("admin", "x" * 301, "too_long"),
    ],
)
def test_revocation_refusals_change_nothing(request, faculty, student, event, who, reason, code):
    check_in(faculty, event, student)
    certificate = Certificate.objects.get()
    actor = request.getfixturevalue(who)
    with pytest.raises(CertificateError) as exc:
        certificates.revoke(
            actor=getattr(actor, "user", actor), certificate_id=certificate.pk, reason=reason
        )
    assert exc.value.code == code
    certificate.refresh_from_db()
    assert not certificate.is_revoked


def test_revoking_twice_is_refused(admin, faculty, student, event):
    check_in(faculty, event, student)
    certificate = Certificate.objects.get()
    certificates.revoke(actor=admin, certificate_id=certificate.pk, reason="Error")
    with pytest.raises(CertificateError) as exc:
        certificates.revoke(actor=admin, certificate_id=certificate.pk, reason="Again")
    assert exc.value.code == "already_revoked"


# --- an admin's certificate ---------------------------------------------------------------------


def issue(admin, student, **overrides):
    fields = {
        "actor": admin,
        "enrollment_number": student.enrollment_number,
        "title": "Student ambassador",
        "activity_date": timezone.localdate(),
        "description": "Open day",
        "idempotency_key": "k" * 32,
        **overrides,
    }
    return certificates.issue_by_admin(**fields)


def test_an_admin_issues_a_certificate_and_a_replayed_form_issues_it_once(admin, student):
    first = issue(admin, student)
    again = issue(admin, student)
    assert first.pk == again.pk and Certificate.objects.count() == 1
    assert verified(first)["description"] == "Open day"
    assert verified(first)["issued_by"] == admin.name


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"enrollment_number": "NOPE"}, "unknown_student", "enrollment_number"),
        ({"title": ""}, "required", "title"),
        ({"title": "x" * 201}, "too_long", "title"),
        ({"description": "x" * 1001}, "too_long", "description"),
        (
            {"activity_date": timezone.localdate() + timedelta(days=2)},
            "future_date",
            "activity_date",
        ),
        ({"idempotency_key": ""}, "bad_key", None),
    ],
)
def test_bad_input_for_an_admins_certificate_is_refused(admin, student, overrides, code, field):
    with pytest.raises(CertificateError) as exc:
        issue(admin, student, **overrides)
    assert (exc.value.code, exc.value.field) == (code, field)
    assert not Certificate.objects.exists()


def test_faculty_cannot_issue_by_hand(faculty, student):
    with pytest.raises(CertificateError) as exc:
        issue(faculty, student)
    assert exc.value.code == "forbidden"


def test_a_key_used_for_another_student_is_refused(admin, student, other_student):
    issue(admin, student)
    with pytest.raises(CertificateError) as exc:
        issue(admin, other_student)
    assert exc.value.code == "key_conflict"
    assert Certificate.objects.count() == 1


# --- bulk ---------------------------------------------------------------------------------------


def test_a_batch_issues_for_everyone_checked_in_without_one(admin, faculty, category, student):
    plain = EventFactory(organiser=faculty, category=category)
    students = [student, *(StudentFactory() for _ in range(4))]
    checkins = [check_in(faculty, plain, s) for s in students]
    attendance.annul_checkin(actor=faculty, checkin_id=checkins[1].pk, reason="Left early")
    batch = certificates.start_batch(actor=admin, event_id=plain.pk)
    assert batch.total == 4
    issued = certificates.run_batch(batch.pk)
    batch.refresh_from_db()
    assert issued == 4 and (batch.status, batch.done) == ("finished", 4)
    assert set(Certificate.objects.values_list("checkin_id", flat=True)) == {
        c.pk for i, c in enumerate(checkins) if i != 1
    }
    assert certificates.run_batch(certificates.start_batch(actor=admin, event_id=plain.pk).pk) == 0


def test_a_batch_while_another_runs_returns_the_running_one(admin, faculty, event, student):
    check_in(faculty, event, student)
    first = certificates.start_batch(actor=admin, event_id=event.pk)
    assert certificates.start_batch(actor=admin, event_id=event.pk) == first


def test_only_admins_start_batches(faculty, event):
    with pytest.raises(CertificateError) as exc:
        certificates.start_batch(actor=faculty, event_id=event.pk)
    assert exc.value.code == "forbidden"
    assert not CertificateBatch.objects.exists()


# --- transcripts --------------------------------------------------------------------------------


def test_a_transcript_signs_the_record_and_leaves_hidden_items_out(
    faculty, student, event, category, club
):
    checkin = check_in(faculty, event, student)
    claim = make_claim(student, category, 20, description="Tutored first years")
    decide_claim(actor=faculty, claim_id=claim.pk, decision="approve")
    membership = ClubMembership.objects.create(club=club, user=student.user)
    certificates.set_hidden(actor=student.user, kind="claim", item_id=claim.pk, hidden=True)
    transcript = certificates.issue_transcript(actor=student.user)
    document = verified(transcript)
    year = document["years"][0]
    assert [e["title"] for e in year["events"]] == [event.title]
    assert year["activities"] == []  # the hidden claim
    assert document["clubs"][0]["name"] == club.name
    assert document["total_points"] == 35
    # Later changes never alter what was signed.
    certificates.set_hidden(actor=student.user, kind="checkin", item_id=checkin.pk, hidden=True)
    membership.delete()
    transcript.refresh_from_db()
    assert verified(transcript)["years"][0]["events"][0]["title"] == event.title


def test_showing_an_item_again_puts_it_back(faculty, student, event):
    checkin = check_in(faculty, event, student)
    certificates.set_hidden(actor=student.user, kind="checkin", item_id=checkin.pk, hidden=True)
    certificates.set_hidden(actor=student.user, kind="checkin", item_id=checkin.pk, hidden=True)
    assert TranscriptHiddenItem.objects.count() == 1
    certificates.set_hidden(actor=student.user, kind="checkin", item_id=checkin.pk, hidden=False)
    assert not TranscriptHiddenItem.objects.exists()


@pytest.mark.parametrize(("kind", "code"), [("checkin", "not_found"), ("ledger", "bad_kind")])
def test_hiding_someone_elses_item_or_an_unknown_kind_is_refused(
    faculty, student, other_student, event, kind, code
):
    theirs = check_in(faculty, event, other_student)
    with pytest.raises(CertificateError) as exc:
        certificates.set_hidden(actor=student.user, kind=kind, item_id=theirs.pk, hidden=True)
    assert exc.value.code == code
    assert not TranscriptHiddenItem.objects.exists()


def test_only_students_have_transcripts(faculty):
    with pytest.raises(CertificateError) as exc:
        certificates.issue_transcript(actor=faculty)
    assert exc.value.code == "forbidden"
    assert not Transcript.objects.exists()


def test_forgetting_a_student_deletes_their_signed_documents(faculty, student, event):
    check_in(faculty, event, student)
    certificates.issue_transcript(actor=student.user)
    assert certificates.forget_all_of(student) >= 2
    assert not Certificate.objects.exists() and not Transcript.objects.exists()
