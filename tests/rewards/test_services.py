"""portal.services.rewards: redeeming, cancelling and the catalogue. Every refusal asserts its
code and that nothing was written: ledger, stock and redemptions unchanged. Decisions are in
test_decisions.py; the shared setup (Alice with 100 points, a 30-point hoodie) in conftest.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.models import AuditLog, Redemption, Reward, Transaction
from portal.services.rewards import (
    RewardError,
    cancel_redemption,
    decide_redemption,
    redeem_reward,
    save_reward,
    set_reward_active,
)
from tests.conftest import key
from tests.helpers import award, balance, redeem
from tests.rewards.conftest import written

pytestmark = pytest.mark.django_db

Status = Redemption.Status


# --- redeeming: refusals ------------------------------------------------------------------------

NOW = timezone.now()

REFUSALS = [
    pytest.param({"is_active": False}, "inactive", id="a withdrawn reward"),
    pytest.param(
        {"available_from": NOW + timedelta(days=1)}, "not_yet_available", id="before its window"
    ),
    pytest.param(
        {"available_until": NOW - timedelta(minutes=1)},
        "no_longer_available",
        id="after its window",
    ),
    pytest.param({"stock": 0}, "out_of_stock", id="no stock left"),
    pytest.param({"cost": 101}, "insufficient_balance", id="a balance one point short"),
]


@pytest.mark.parametrize(("change", "code"), REFUSALS)
def test_redeem_refuses_and_writes_nothing(student, reward, change, code):
    Reward.objects.filter(pk=reward.pk).update(**change)
    before = written(reward)
    with pytest.raises(RewardError) as exc:
        redeem(student, reward)
    assert exc.value.code == code
    assert written(reward) == before
    assert balance(student) == 100


def test_redeem_succeeds_with_exactly_enough_points(student, reward):
    Reward.objects.filter(pk=reward.pk).update(cost=100)
    redeem(student, reward)
    assert balance(student) == 0


def test_redeem_refuses_once_the_per_student_limit_is_reached(student, reward):
    Reward.objects.filter(pk=reward.pk).update(limit_per_student=2)
    redeem(student, reward)
    redeem(student, reward)
    before = written(reward)
    with pytest.raises(RewardError) as exc:
        redeem(student, reward)
    assert exc.value.code == "limit_reached"
    assert written(reward) == before


def test_the_limit_is_per_student(student, other_student, admin, funds, reward):
    Reward.objects.filter(pk=reward.pk).update(limit_per_student=1)
    award(admin, other_student, funds, 100)
    redeem(student, reward)
    redeem(other_student, reward)
    assert Redemption.objects.filter(reward=reward).count() == 2


def test_a_cancelled_redemption_does_not_count_towards_the_limit(student, reward):
    Reward.objects.filter(pk=reward.pk).update(limit_per_student=1)
    first = redeem(student, reward)
    cancel_redemption(actor=student.user, redemption_id=first.pk)
    assert redeem(student, reward).status == Status.PENDING


@pytest.mark.parametrize("role", ["faculty", "admin"])
def test_redeem_is_forbidden_to_staff(request, reward, role):
    actor = request.getfixturevalue(role)
    before = written(reward)
    with pytest.raises(RewardError) as exc:
        redeem_reward(actor=actor, reward_id=reward.pk, idempotency_key=key())
    assert exc.value.code == "forbidden"
    assert written(reward) == before


def test_redeem_is_forbidden_to_a_deactivated_student(student, reward):
    student.user.is_active = False
    student.user.save()
    before = written(reward)
    with pytest.raises(RewardError) as exc:
        redeem(student, reward)
    assert exc.value.code == "forbidden"
    assert written(reward) == before


def test_redeem_refuses_a_key_another_student_already_used(
    student, other_student, admin, funds, reward
):
    award(admin, other_student, funds, 100)
    k = key()
    redeem(student, reward, idempotency_key=k)
    before = written(reward)
    with pytest.raises(RewardError) as exc:
        redeem(other_student, reward, idempotency_key=k)
    assert exc.value.code == "key_conflict"
    assert written(reward) == before
    assert balance(other_student) == 100


def test_redeem_refuses_an_unknown_reward(student, reward):
    before = written(reward)
    with pytest.raises(RewardError) as exc:
        redeem_reward(actor=student.user, reward_id=999_999, idempotency_key=key())
    assert exc.value.code == "not_found"
    assert written(reward) == before


# --- redeeming: what it writes ------------------------------------------------------------------


def test_redeem_debits_the_balance_but_not_lifetime_points(student, reward):
    redeem(student, reward)
    student.refresh_from_db()
    assert (student.balance, student.lifetime_points) == (70, 100)


def test_redeem_creates_a_pending_redemption_at_the_reward_cost(student, reward):
    redemption = redeem(student, reward)
    assert (redemption.student, redemption.reward) == (student, reward)
    assert (redemption.status, redemption.cost) == (Status.PENDING, 30)


def test_redeem_posts_one_redemption_entry_linked_to_the_redemption(student, reward):
    redemption = redeem(student, reward)
    entry = Transaction.objects.get(redemption=redemption)
    assert (entry.kind, entry.amount, entry.actor) == (
        Transaction.Kind.REDEMPTION,
        -30,
        student.user,
    )
    assert not entry.counts_for_lifetime


def test_redeem_takes_one_unit_of_stock(student, reward):
    redeem(student, reward)
    reward.refresh_from_db()
    assert reward.stock == 4


def test_redeeming_the_last_unit_leaves_the_stock_at_zero(student, reward):
    Reward.objects.filter(pk=reward.pk).update(stock=1)
    redeem(student, reward)
    reward.refresh_from_db()
    assert reward.stock == 0 and not reward.in_stock


def test_redeem_leaves_unlimited_stock_unlimited(student, reward):
    Reward.objects.filter(pk=reward.pk).update(stock=None)
    redeem(student, reward)
    redeem(student, reward)
    reward.refresh_from_db()
    assert reward.stock is None


def test_a_redemption_keeps_its_cost_when_the_reward_cost_changes(student, admin, reward):
    redemption = redeem(student, reward)
    reward.cost = 80
    save_reward(actor=admin, reward=reward)
    redemption.refresh_from_db()
    assert redemption.cost == 30
    cancel_redemption(actor=student.user, redemption_id=redemption.pk)
    assert balance(student) == 100  # the refund is what was paid, not the new cost


def test_redeem_with_the_same_key_twice_makes_one_redemption_and_one_debit(student, reward):
    k = key()
    first = redeem(student, reward, idempotency_key=k)
    second = redeem(student, reward, idempotency_key=k)
    assert first.pk == second.pk
    assert Redemption.objects.count() == 1
    assert Transaction.objects.filter(kind=Transaction.Kind.REDEMPTION).count() == 1
    assert balance(student) == 70
    assert written(reward)[2] == 4


# --- cancelling ---------------------------------------------------------------------------------


def test_cancel_refunds_the_points_and_restores_the_stock(student, reward):
    redemption = redeem(student, reward)
    cancel_redemption(actor=student.user, redemption_id=redemption.pk)
    redemption.refresh_from_db()
    assert redemption.status == Status.CANCELLED and redemption.cancelled_at is not None
    assert balance(student) == 100
    assert written(reward)[2] == 5


def test_cancel_posts_a_refund_that_does_not_count_for_lifetime(student, reward):
    redemption = redeem(student, reward)
    cancel_redemption(actor=student.user, redemption_id=redemption.pk)
    refund = Transaction.objects.get(redemption=redemption, kind=Transaction.Kind.REFUND)
    assert refund.amount == 30 and not refund.counts_for_lifetime
    student.refresh_from_db()
    assert student.lifetime_points == 100


def test_cancel_refuses_a_redemption_that_is_no_longer_pending(student, admin, reward):
    redemption = redeem(student, reward)
    decide_redemption(actor=admin, redemption_id=redemption.pk, decision="approve")
    before = written(reward)
    with pytest.raises(RewardError) as exc:
        cancel_redemption(actor=student.user, redemption_id=redemption.pk)
    assert exc.value.code == "already_decided"
    assert written(reward) == before
    redemption.refresh_from_db()
    assert redemption.status == Status.APPROVED


def test_cancelling_twice_refunds_once(student, reward):
    redemption = redeem(student, reward)
    cancel_redemption(actor=student.user, redemption_id=redemption.pk)
    before = written(reward)
    with pytest.raises(RewardError) as exc:
        cancel_redemption(actor=student.user, redemption_id=redemption.pk)
    assert exc.value.code == "already_decided"
    assert written(reward) == before
    assert balance(student) == 100


def test_cancel_of_another_students_redemption_is_not_found(student, other_student, reward):
    redemption = redeem(student, reward)
    before = written(reward)
    with pytest.raises(RewardError) as exc:
        cancel_redemption(actor=other_student.user, redemption_id=redemption.pk)
    assert exc.value.code == "not_found"
    assert written(reward) == before
    redemption.refresh_from_db()
    assert redemption.status == Status.PENDING


def test_an_admin_cannot_cancel_for_the_student(student, admin, reward):
    redemption = redeem(student, reward)
    with pytest.raises(RewardError) as exc:
        cancel_redemption(actor=admin, redemption_id=redemption.pk)
    assert exc.value.code == "not_found"


def test_cancel_of_an_unknown_redemption_is_not_found(student):
    with pytest.raises(RewardError) as exc:
        cancel_redemption(actor=student.user, redemption_id=999_999)
    assert exc.value.code == "not_found"


# --- the catalogue ------------------------------------------------------------------------------


def test_save_reward_creates_a_reward_and_audits_it(admin):
    reward = save_reward(actor=admin, reward=Reward(name="Mug", cost=15, stock=3))
    row = AuditLog.objects.get(action="reward.create")
    assert (row.actor, row.target_id) == (admin, str(reward.pk))
    assert row.before == {} and row.after["cost"] == 15


def test_save_reward_audits_an_edit_with_before_and_after(admin, reward):
    reward.cost = 45
    save_reward(actor=admin, reward=reward)
    row = AuditLog.objects.get(action="reward.update")
    assert (row.before["cost"], row.after["cost"]) == (30, 45)


def test_save_reward_is_forbidden_to_faculty(faculty):
    with pytest.raises(RewardError) as exc:
        save_reward(actor=faculty, reward=Reward(name="Mug", cost=15))
    assert exc.value.code == "forbidden"
    assert not Reward.objects.exists() and not AuditLog.objects.exists()


def test_withdrawing_a_reward_audits_it_once(admin, reward):
    set_reward_active(actor=admin, reward_id=reward.pk, active=False)
    set_reward_active(actor=admin, reward_id=reward.pk, active=False)
    reward.refresh_from_db()
    assert not reward.is_active
    row = AuditLog.objects.get(action="reward.deactivate")
    assert (row.before, row.after) == ({"is_active": True}, {"is_active": False})


def test_withdrawing_a_reward_keeps_its_pending_redemptions(student, admin, reward):
    redemption = redeem(student, reward)
    set_reward_active(actor=admin, reward_id=reward.pk, active=False)
    redemption.refresh_from_db()
    assert redemption.status == Status.PENDING


def test_restoring_a_reward_is_audited(admin, reward):
    Reward.objects.filter(pk=reward.pk).update(is_active=False)
    set_reward_active(actor=admin, reward_id=reward.pk, active=True)
    assert AuditLog.objects.filter(action="reward.activate").count() == 1


def test_set_reward_active_is_forbidden_to_faculty(faculty, reward):
    with pytest.raises(RewardError) as exc:
        set_reward_active(actor=faculty, reward_id=reward.pk, active=False)
    assert exc.value.code == "forbidden"
    reward.refresh_from_db()
    assert reward.is_active
