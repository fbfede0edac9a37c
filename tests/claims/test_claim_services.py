"""Activity claims through the services: bounds and yearly caps on submission, withdrawal, and
decisions that credit exactly one linked ledger entry, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from portal.exceptions import PortalError
from portal.models import ActivityClaim, AuditLog, Category, Notification, Transaction
from portal.services.claims import decide_claim, submit_claim, withdraw_claim
from tests.claims.helpers import evidence, make_claim, stored_files
from tests.conftest import key, ledger_total
from tests.factories import CategoryFactory
from tests.helpers import award, balance

pytestmark = pytest.mark.django_db

Status = ActivityClaim.Status


def written() -> tuple:
    """Everything a claim can write: ledger, claims, stored files, notifications."""
    return (
        ledger_total(),
        ActivityClaim.objects.count(),
        len(stored_files()),
        Notification.objects.count(),
    )


def submit(profile, category, points, **overrides):
    data = {
        "actor": profile.user,
        "category_id": category.pk,
        "points": points,
        "description": "Volunteered at the open day",
        "activity_date": timezone.localdate(),
        "evidence": evidence(),
        "idempotency_key": key(),
        **overrides,
    }
    return submit_claim(**data)


# --- submitting -------------------------------------------------------------------------------


def test_a_claim_waits_for_review_with_its_evidence_stored(student, capped):
    before = len(stored_files())
    claim = make_claim(student, capped, 20, kind="pdf")
    assert claim.status == Status.PENDING
    assert claim.evidence_type == "pdf"
    assert claim.evidence.name.startswith("evidence/claims/")
    assert len(stored_files()) == before + 1
    assert balance(student) == 0  # nothing is credited before a review


@pytest.mark.parametrize("points", [0, 4, 51, 100_000])
def test_points_outside_the_category_bounds_are_refused(student, capped, points):
    before = written()
    with pytest.raises(PortalError) as exc:
        submit(student, capped, points)
    assert exc.value.code == "out_of_bounds"
    assert exc.value.field == "points"
    assert written() == before


def test_an_inactive_category_is_refused(student):
    retired = CategoryFactory(is_active=False)
    before = written()
    with pytest.raises(PortalError) as exc:
        submit(student, retired, 10)
    assert exc.value.code == "inactive_category"
    assert written() == before


def test_an_unknown_category_is_refused(student, capped):
    before = written()
    with pytest.raises(PortalError) as exc:
        submit_claim(
            actor=student.user,
            category_id=999_999,
            points=10,
            description="x",
            activity_date=timezone.localdate(),
            evidence=evidence(),
            idempotency_key=key(),
        )
    assert exc.value.code == "unknown_category"
    assert written() == before


@pytest.mark.parametrize("days", [-1, 366])
def test_an_activity_in_the_future_or_over_a_year_ago_is_refused(student, capped, days):
    before = written()
    with pytest.raises(PortalError) as exc:
        submit(student, capped, 10, activity_date=timezone.localdate() - timedelta(days=days))
    assert exc.value.code == "bad_date"
    assert written() == before


def test_a_claim_needs_a_description(student, capped):
    with pytest.raises(PortalError) as exc:
        submit(student, capped, 10, description="   ")
    assert exc.value.code == "description_required"


def test_staff_cannot_claim_points(faculty, capped):
    with pytest.raises(PortalError) as exc:
        submit_claim(
            actor=faculty,
            category_id=capped.pk,
            points=10,
            description="x",
            activity_date=timezone.localdate(),
            evidence=evidence(),
            idempotency_key=key(),
        )
    assert exc.value.code == "forbidden"


def test_the_yearly_cap_counts_credited_points_and_claims_waiting(student, capped, faculty):
    award(faculty, student, capped, 40)  # 60 of the 100-point cap left
    make_claim(student, capped, 30)  # 30 left to claim
    before = written()
    with pytest.raises(PortalError) as exc:
        submit(student, capped, 31)
    assert exc.value.code == "cap_reached"
    assert "at most 30 more points" in exc.value.message
    assert written() == before
    assert make_claim(student, capped, 30).status == Status.PENDING


def test_a_withdrawn_or_rejected_claim_frees_its_share_of_the_cap(student, capped, faculty):
    first = make_claim(student, capped, 50)
    second = make_claim(student, capped, 50)
    withdraw_claim(actor=student.user, claim_id=first.pk)
    decide_claim(actor=faculty, claim_id=second.pk, decision="reject", comment="Blurry")
    assert make_claim(student, capped, 50).status == Status.PENDING
    assert make_claim(student, capped, 50).status == Status.PENDING


def test_last_years_points_do_not_count_against_this_years_cap(student, capped, faculty):
    last_year = timezone.now().replace(month=1, day=1) - timedelta(days=2)
    award(faculty, student, capped, 50, at=last_year)
    award(faculty, student, capped, 50, at=last_year)
    assert make_claim(student, capped, 50).status == Status.PENDING


def test_the_same_form_sent_twice_makes_one_claim_and_stores_one_file(student, capped):
    k = key()
    first = make_claim(student, capped, 10, idempotency_key=k)
    before = written()
    again = make_claim(student, capped, 10, idempotency_key=k)
    assert again.pk == first.pk
    assert written() == before


@pytest.mark.parametrize("change", ["points", "student"])
def test_a_replayed_key_with_other_content_is_refused(student, other_student, capped, change):
    k = key()
    make_claim(student, capped, 10, idempotency_key=k)
    before = written()
    with pytest.raises(PortalError) as exc:
        if change == "points":
            make_claim(student, capped, 11, idempotency_key=k)
        else:
            make_claim(other_student, capped, 10, idempotency_key=k)
    assert exc.value.code == "key_conflict"
    assert written() == before


# --- withdrawing --------------------------------------------------------------------------------


def test_a_student_withdraws_their_pending_claim(student, capped):
    claim = make_claim(student, capped, 10)
    withdraw_claim(actor=student.user, claim_id=claim.pk)
    claim.refresh_from_db()
    assert claim.status == Status.WITHDRAWN


def test_nobody_withdraws_someone_elses_claim(student, other_student, capped):
    claim = make_claim(student, capped, 10)
    with pytest.raises(PortalError) as exc:
        withdraw_claim(actor=other_student.user, claim_id=claim.pk)
    assert exc.value.code == "not_found"
    claim.refresh_from_db()
    assert claim.status == Status.PENDING


def test_a_decided_claim_cannot_be_withdrawn(student, capped, faculty):
    claim = make_claim(student, capped, 10)
    decide_claim(actor=faculty, claim_id=claim.pk, decision="approve")
    with pytest.raises(PortalError) as exc:
        withdraw_claim(actor=student.user, claim_id=claim.pk)
    assert exc.value.code == "already_decided"
    assert balance(student) == 10


# --- deciding -----------------------------------------------------------------------------------


def test_approving_credits_one_entry_linked_to_the_claim(student, capped, faculty):
    claim = make_claim(student, capped, 25)
    decide_claim(actor=faculty, claim_id=claim.pk, decision="approve")
    claim.refresh_from_db()
    entry = Transaction.objects.get(claim=claim)
    assert (entry.kind, entry.amount, entry.category, entry.actor) == ("claim", 25, capped, faculty)
    assert entry.idempotency_key == f"claim:{claim.pk}"
    assert entry.counts_for_lifetime
    assert (claim.status, claim.decided_by, claim.decided_at is not None) == (
        Status.APPROVED,
        faculty,
        True,
    )
    student.refresh_from_db()
    assert (student.balance, student.lifetime_points) == (25, 25)
    assert AuditLog.objects.filter(action="claim.approve", target_id=str(claim.pk)).count() == 1


def test_the_student_is_told_of_an_approval_in_the_portal_and_by_email(
    student, capped, faculty, django_capture_on_commit_callbacks
):
    claim = make_claim(student, capped, 25)
    with django_capture_on_commit_callbacks(execute=True):
        decide_claim(actor=faculty, claim_id=claim.pk, decision="approve")
    note = Notification.objects.get(user=student.user, kind=Notification.Kind.CLAIM)
    assert "+25 points" in note.message
    assert note.link == "/claims/"
    told = [m for m in mail.outbox if not m.subject.startswith("[UPAS] New badge")]
    assert [m.to for m in told] == [[student.user.email]]


def test_rejecting_needs_a_comment_and_changes_nothing_without_one(student, capped, faculty):
    claim = make_claim(student, capped, 25)
    before = written()
    with pytest.raises(PortalError) as exc:
        decide_claim(actor=faculty, claim_id=claim.pk, decision="reject", comment="  ")
    assert exc.value.code == "comment_required"
    assert written() == before
    claim.refresh_from_db()
    assert claim.status == Status.PENDING


def test_rejecting_records_the_comment_and_credits_nothing(student, capped, admin):
    claim = make_claim(student, capped, 25)
    decide_claim(actor=admin, claim_id=claim.pk, decision="reject", comment="No name on it")
    claim.refresh_from_db()
    assert (claim.status, claim.review_comment, claim.decided_by) == (
        Status.REJECTED,
        "No name on it",
        admin,
    )
    assert not Transaction.objects.filter(claim=claim).exists()
    assert "No name on it" in Notification.objects.get(user=student.user).message


@pytest.mark.parametrize("second", ["approve", "reject"])
def test_a_decision_made_twice_changes_the_claim_once(
    student, capped, faculty, other_faculty, second
):
    claim = make_claim(student, capped, 25)
    decide_claim(actor=faculty, claim_id=claim.pk, decision="approve")
    before = written()
    with pytest.raises(PortalError) as exc:
        decide_claim(actor=other_faculty, claim_id=claim.pk, decision=second, comment="Again")
    assert exc.value.code == "already_decided"
    assert "Dr Faculty" in exc.value.message
    assert written() == before
    claim.refresh_from_db()
    assert (claim.status, claim.decided_by) == (Status.APPROVED, faculty)


def test_a_withdrawn_claim_cannot_be_approved(student, capped, faculty):
    claim = make_claim(student, capped, 25)
    withdraw_claim(actor=student.user, claim_id=claim.pk)
    with pytest.raises(PortalError) as exc:
        decide_claim(actor=faculty, claim_id=claim.pk, decision="approve")
    assert exc.value.code == "already_decided"
    assert balance(student) == 0


def test_approval_is_refused_when_the_cap_was_reached_meanwhile(student, capped, faculty):
    claim = make_claim(student, capped, 50)
    award(faculty, student, capped, 50)
    award(faculty, student, capped, 10)  # 60 credited: only 40 left, the claim asks 50
    before = written()
    with pytest.raises(PortalError) as exc:
        decide_claim(actor=faculty, claim_id=claim.pk, decision="approve")
    assert exc.value.code == "cap_reached"
    assert "can get 40 more points" in exc.value.message
    assert written() == before
    claim.refresh_from_db()
    assert claim.status == Status.PENDING
    # The reviewer can still reject it with a comment.
    decide_claim(actor=faculty, claim_id=claim.pk, decision="reject", comment="Over the cap")


def test_approval_applies_the_category_bounds_as_they_are_now(student, capped, faculty):
    claim = make_claim(student, capped, 40)
    Category.objects.filter(pk=capped.pk).update(max_points=30)  # the category was tightened
    before = written()
    with pytest.raises(PortalError) as exc:
        decide_claim(actor=faculty, claim_id=claim.pk, decision="approve")
    assert exc.value.code == "out_of_bounds"
    assert "between 5 and 30 points" in exc.value.message
    assert written() == before


def test_approval_is_refused_for_a_category_no_longer_in_use(student, capped, faculty):
    claim = make_claim(student, capped, 20)
    Category.objects.filter(pk=capped.pk).update(is_active=False)
    before = written()
    with pytest.raises(PortalError) as exc:
        decide_claim(actor=faculty, claim_id=claim.pk, decision="approve")
    assert exc.value.code == "inactive_category"
    assert written() == before
    claim.refresh_from_db()
    assert claim.status == Status.PENDING


def test_students_cannot_decide_claims(student, other_student, capped):
    claim = make_claim(student, capped, 25)
    for actor in (student.user, other_student.user):
        with pytest.raises(PortalError) as exc:
            decide_claim(actor=actor, claim_id=claim.pk, decision="approve")
        assert exc.value.code == "forbidden"
    assert balance(student) == 0


def test_an_unknown_decision_is_refused(student, capped, faculty):
    claim = make_claim(student, capped, 25)
    with pytest.raises(PortalError) as exc:
        decide_claim(actor=faculty, claim_id=claim.pk, decision="fulfil")
    assert exc.value.code == "bad_decision"


def test_deciding_an_unknown_claim_is_not_found(faculty):
    with pytest.raises(PortalError) as exc:
        decide_claim(actor=faculty, claim_id=999_999, decision="approve")
    assert exc.value.code == "not_found"


def test_claims_nobody_reviewed_in_time_are_declined_with_a_comment(student, capped):
    from datetime import timedelta

    from portal.services.claims import decline_stale_claims

    old, recent = make_claim(student, capped, 20), make_claim(student, capped, 10)
    ActivityClaim.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    before = ledger_total()
    assert decline_stale_claims(older_than=timedelta(days=30)) == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.status, recent.status) == (Status.REJECTED, Status.PENDING)
    assert "within 30 days" in old.review_comment and old.decided_by is None
    assert ledger_total() == before
    assert AuditLog.objects.get(action="claim.reject").actor is None
    assert Notification.objects.filter(user=student.user, message__contains="not approved").exists()
