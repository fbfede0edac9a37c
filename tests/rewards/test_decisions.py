"""portal.services.rewards: an admin approves, rejects (with a note; refund and stock back) and
marks fulfilled, one at a time or in bulk. A redemption decided twice changes once."""

from __future__ import annotations

import pytest

from portal.models import AuditLog, Redemption, Role, Transaction
from portal.services.rewards import (
    RewardError,
    cancel_redemption,
    decide_many,
    decide_redemption,
)
from tests.factories import UserFactory
from tests.helpers import award, balance, redeem
from tests.rewards.conftest import written

pytestmark = pytest.mark.django_db

Status = Redemption.Status


@pytest.fixture
def pending(student, reward) -> Redemption:
    """Alice's pending redemption of the hoodie: 70 points and 4 in stock left."""
    return redeem(student, reward)


def decide(actor, redemption: Redemption, decision: str, note: str = "") -> Redemption:
    return decide_redemption(actor=actor, redemption_id=redemption.pk, decision=decision, note=note)


def status_of(redemption: Redemption) -> str:
    redemption.refresh_from_db()
    return redemption.status


# --- one at a time ------------------------------------------------------------------------------


def test_approve_moves_a_pending_redemption_to_approved_and_records_who(admin, pending):
    decide(admin, pending, "approve")
    pending.refresh_from_db()
    assert pending.status == Status.APPROVED
    assert pending.decided_by == admin and pending.decided_at is not None


def test_approve_keeps_the_points_spent_and_the_stock_taken(admin, student, reward, pending):
    before = written(reward)
    decide(admin, pending, "approve")
    assert written(reward) == before
    assert balance(student) == 70


def test_fulfil_moves_an_approved_redemption_to_fulfilled_and_records_who(admin, pending):
    decide(admin, pending, "approve")
    decide(admin, pending, "fulfil")
    pending.refresh_from_db()
    assert pending.status == Status.FULFILLED
    assert pending.fulfilled_by == admin and pending.fulfilled_at is not None


def test_fulfil_refuses_a_redemption_not_yet_approved(admin, reward, pending):
    before = written(reward)
    with pytest.raises(RewardError) as exc:
        decide(admin, pending, "fulfil")
    assert exc.value.code == "already_decided"
    assert written(reward) == before
    assert status_of(pending) == Status.PENDING


def test_reject_refunds_the_points_and_restores_the_stock(admin, student, reward, pending):
    decide(admin, pending, "reject", "Discontinued")
    pending.refresh_from_db()
    assert pending.status == Status.REJECTED and pending.admin_note == "Discontinued"
    assert pending.decided_by == admin
    assert balance(student) == 100
    assert written(reward)[2] == 5
    refund = Transaction.objects.get(redemption=pending, kind=Transaction.Kind.REFUND)
    assert (refund.amount, refund.actor) == (30, admin)


def test_reject_of_an_approved_redemption_also_refunds(admin, student, reward, pending):
    decide(admin, pending, "approve")
    decide(admin, pending, "reject", "Out of sizes")
    assert status_of(pending) == Status.REJECTED
    assert balance(student) == 100
    assert written(reward)[2] == 5


@pytest.mark.parametrize("note", ["", "   "])
def test_reject_requires_a_note_and_changes_nothing(admin, reward, pending, note):
    before = written(reward)
    with pytest.raises(RewardError) as exc:
        decide(admin, pending, "reject", note)
    assert exc.value.code == "note_required"
    assert written(reward) == before
    assert status_of(pending) == Status.PENDING


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(["approve"], "approve", id="approve twice"),
        pytest.param(["reject"], "reject", id="reject twice"),
        pytest.param(["reject"], "approve", id="approve after a reject"),
        pytest.param(["approve", "fulfil"], "fulfil", id="fulfil twice"),
        pytest.param(["approve", "fulfil"], "reject", id="reject after handing over"),
    ],
)
def test_a_decision_on_a_redemption_in_the_wrong_state_changes_nothing(
    admin, reward, pending, first, second
):
    for decision in first:
        decide(admin, pending, decision, "Sorry")
    state = status_of(pending)
    before = written(reward)
    audits = AuditLog.objects.count()
    with pytest.raises(RewardError) as exc:
        decide(admin, pending, second, "Sorry")
    assert exc.value.code == "already_decided"
    assert status_of(pending) == state
    assert written(reward) == before
    assert AuditLog.objects.count() == audits


def test_two_admins_rejecting_the_same_redemption_refund_once(admin, student, pending):
    second_admin = UserFactory(name="Sam Admin", role=Role.ADMIN)
    decide(admin, pending, "reject", "Discontinued")
    with pytest.raises(RewardError):
        decide(second_admin, pending, "reject", "Also discontinued")
    assert Transaction.objects.filter(kind=Transaction.Kind.REFUND).count() == 1
    assert balance(student) == 100
    pending.refresh_from_db()
    assert (pending.decided_by, pending.admin_note) == (admin, "Discontinued")


def test_a_student_cannot_cancel_after_a_reject_and_is_refunded_once(admin, student, pending):
    decide(admin, pending, "reject", "Discontinued")
    with pytest.raises(RewardError) as exc:
        cancel_redemption(actor=student.user, redemption_id=pending.pk)
    assert exc.value.code == "already_decided"
    assert Transaction.objects.filter(kind=Transaction.Kind.REFUND).count() == 1
    assert balance(student) == 100


def test_rejecting_a_cancelled_redemption_changes_nothing(admin, student, reward, pending):
    cancel_redemption(actor=student.user, redemption_id=pending.pk)
    before = written(reward)
    with pytest.raises(RewardError) as exc:
        decide(admin, pending, "reject", "Too late")
    assert exc.value.code == "already_decided"
    assert written(reward) == before
    assert status_of(pending) == Status.CANCELLED


def test_decide_is_forbidden_to_faculty(faculty, reward, pending):
    before = written(reward)
    with pytest.raises(RewardError) as exc:
        decide(faculty, pending, "approve")
    assert exc.value.code == "forbidden"
    assert written(reward) == before
    assert status_of(pending) == Status.PENDING


def test_decide_refuses_an_unknown_decision(admin, pending):
    with pytest.raises(RewardError) as exc:
        decide(admin, pending, "delete")
    assert exc.value.code == "bad_decision"
    assert status_of(pending) == Status.PENDING


def test_decide_on_an_unknown_redemption_is_not_found(admin):
    with pytest.raises(RewardError) as exc:
        decide_redemption(actor=admin, redemption_id=999_999, decision="approve")
    assert exc.value.code == "not_found"


# --- audit --------------------------------------------------------------------------------------


def test_each_decision_is_audited_with_who_and_the_status_change(admin, pending):
    decide(admin, pending, "approve")
    decide(admin, pending, "fulfil")
    rows = AuditLog.objects.filter(target_id=str(pending.pk)).order_by("id")
    assert [(r.action, r.actor, r.before, r.after["status"]) for r in rows] == [
        ("redemption.approve", admin, {"status": "pending"}, "approved"),
        ("redemption.fulfil", admin, {"status": "approved"}, "fulfilled"),
    ]


def test_a_reject_is_audited_with_its_note(admin, pending):
    decide(admin, pending, "reject", "Discontinued")
    row = AuditLog.objects.get(action="redemption.reject")
    assert row.after == {"status": "rejected", "note": "Discontinued"}
    assert row.target_type == "portal.Redemption"


# --- in bulk ------------------------------------------------------------------------------------


@pytest.fixture
def three(student, other_student, admin, funds, reward) -> list[Redemption]:
    """Three pending redemptions of the hoodie: two by Alice, one by Bob."""
    award(admin, other_student, funds, 100)
    return [redeem(student, reward), redeem(student, reward), redeem(other_student, reward)]


def test_decide_many_approves_every_selected_redemption(admin, three):
    outcome = decide_many(actor=admin, redemption_ids=[r.pk for r in three], decision="approve")
    assert sorted(r.pk for r in outcome.done) == sorted(r.pk for r in three)
    assert outcome.skipped == []
    assert {status_of(r) for r in three} == {Status.APPROVED}


def test_decide_many_skips_one_already_decided_and_reports_it(admin, three):
    decide(admin, three[1], "reject", "Duplicate")
    outcome = decide_many(actor=admin, redemption_ids=[r.pk for r in three], decision="approve")
    assert [r.pk for r in outcome.done] == [three[0].pk, three[2].pk]
    assert [pk for pk, _reason in outcome.skipped] == [three[1].pk]
    assert "already rejected" in outcome.skipped[0][1]
    assert status_of(three[1]) == Status.REJECTED


def test_decide_many_rejects_with_one_refund_each(admin, student, other_student, three):
    decide_many(actor=admin, redemption_ids=[r.pk for r in three], decision="reject", note="Closed")
    assert Transaction.objects.filter(kind=Transaction.Kind.REFUND).count() == 3
    assert (balance(student), balance(other_student)) == (100, 100)


def test_decide_many_counts_a_repeated_id_once(admin, three):
    outcome = decide_many(
        actor=admin, redemption_ids=[three[0].pk, three[0].pk], decision="approve"
    )
    assert len(outcome.done) == 1 and outcome.skipped == []


def test_decide_many_reports_an_unknown_id_as_skipped(admin, three):
    outcome = decide_many(actor=admin, redemption_ids=[three[0].pk, 999_999], decision="approve")
    assert [pk for pk, _reason in outcome.skipped] == [999_999]
    assert status_of(three[0]) == Status.APPROVED


def test_decide_many_refuses_a_reject_without_a_note_for_all(admin, reward, three):
    before = written(reward)
    with pytest.raises(RewardError) as exc:
        decide_many(actor=admin, redemption_ids=[r.pk for r in three], decision="reject")
    assert exc.value.code == "note_required"
    assert written(reward) == before
    assert {status_of(r) for r in three} == {Status.PENDING}


def test_decide_many_is_forbidden_to_faculty(faculty, three):
    with pytest.raises(RewardError) as exc:
        decide_many(actor=faculty, redemption_ids=[r.pk for r in three], decision="approve")
    assert exc.value.code == "forbidden"
    assert {status_of(r) for r in three} == {Status.PENDING}
