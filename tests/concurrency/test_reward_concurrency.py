"""Redemptions racing each other: stock never oversold, no student overspends or exceeds a
limit, and a redemption is refunded at most once. Real threads and connections; on SQLite the
IMMEDIATE transactions queue, on PostgreSQL the row locks do."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db.models import Sum

from portal.models import Redemption, Reward, Transaction
from portal.services import ledger
from portal.services.rewards import Decision, cancel_redemption, decide_redemption, redeem_reward
from tests.concurrency.threads import run_at_once
from tests.conftest import key
from tests.factories import CategoryFactory, StudentFactory
from tests.helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db(transaction=True)


def funded_students(admin, count: int, points: int) -> list:
    category = CategoryFactory(min_points=1, max_points=1000, default_points=10)
    students = [StudentFactory() for _ in range(count)]
    for s in students:
        ledger.award_points(
            actor=admin,
            student_id=s.pk,
            category_id=category.pk,
            amount=points,
            reason="Seed",
            idempotency_key=key(),
        )
    return students


def test_forty_students_race_for_five_units(admin):
    reward = Reward.objects.create(name="Concert ticket", cost=100, stock=5)
    students = funded_students(admin, 40, 150)

    def redeem(student):
        return lambda: redeem_reward(actor=student.user, reward_id=reward.pk, idempotency_key=key())

    outcomes = run_at_once([redeem(s) for s in students])
    assert outcomes == Counter({"ok": 5, "out_of_stock": 35})
    reward.refresh_from_db()
    assert reward.stock == 0
    assert Redemption.objects.filter(reward=reward).count() == 5
    spent = Transaction.objects.filter(kind="redemption").aggregate(s=Sum("amount"))["s"]
    assert spent == -500
    assert_ledger_consistent()


def test_twenty_students_redeem_one_unlimited_reward_at_once(admin):
    """Unlimited stock: the reward row is not locked, so nobody waits on it; every redemption
    goes through and every balance matches the ledger."""
    reward = Reward.objects.create(name="Library late pass", cost=30)
    students = funded_students(admin, 20, 50)

    def redeem(student):
        return lambda: redeem_reward(actor=student.user, reward_id=reward.pk, idempotency_key=key())

    assert run_at_once([redeem(s) for s in students]) == Counter({"ok": 20})
    assert Redemption.objects.filter(reward=reward).count() == 20
    reward.refresh_from_db()
    assert reward.stock is None
    assert_ledger_consistent()


def test_one_student_with_points_for_two_fires_ten_redeems(admin):
    reward = Reward.objects.create(name="Café voucher", cost=50)
    (student,) = funded_students(admin, 1, 100)

    outcomes = run_at_once(
        [lambda: redeem_reward(actor=student.user, reward_id=reward.pk, idempotency_key=key())] * 10
    )
    assert outcomes == Counter({"ok": 2, "insufficient_balance": 8})
    student.refresh_from_db()
    assert student.balance == 0
    assert_ledger_consistent()


def test_per_student_limit_holds_under_concurrent_redeems(admin):
    reward = Reward.objects.create(name="Hoodie", cost=10, limit_per_student=1)
    (student,) = funded_students(admin, 1, 500)

    outcomes = run_at_once(
        [lambda: redeem_reward(actor=student.user, reward_id=reward.pk, idempotency_key=key())] * 10
    )
    assert outcomes == Counter({"ok": 1, "limit_reached": 9})
    assert Redemption.objects.filter(student=student).count() == 1


def test_the_same_confirm_sent_ten_times_at_once_redeems_once(admin):
    reward = Reward.objects.create(name="Bottle", cost=30, stock=10)
    (student,) = funded_students(admin, 1, 300)
    k = key()

    outcomes = run_at_once(
        [lambda: redeem_reward(actor=student.user, reward_id=reward.pk, idempotency_key=k)] * 10
    )
    assert outcomes == Counter({"ok": 10})
    assert Redemption.objects.count() == 1
    reward.refresh_from_db()
    student.refresh_from_db()
    assert (reward.stock, student.balance) == (9, 270)


def test_admin_rejecting_while_the_student_cancels_refunds_once(admin):
    reward = Reward.objects.create(name="Pass", cost=40, stock=3)
    (student,) = funded_students(admin, 1, 100)
    redemption = redeem_reward(actor=student.user, reward_id=reward.pk, idempotency_key=key())

    outcomes = run_at_once(
        [
            lambda: decide_redemption(
                actor=admin, redemption_id=redemption.pk, decision=Decision.REJECT, note="Sold out"
            ),
            lambda: cancel_redemption(actor=student.user, redemption_id=redemption.pk),
        ]
        * 5
    )
    assert outcomes["ok"] == 1 and outcomes["already_decided"] == 9, outcomes
    assert Transaction.objects.filter(kind="refund").count() == 1
    reward.refresh_from_db()
    student.refresh_from_db()
    assert (reward.stock, student.balance) == (3, 100)
    assert_ledger_consistent()


def test_two_admins_approving_at_once_decide_once(admin):
    reward = Reward.objects.create(name="Pass", cost=40)
    (student,) = funded_students(admin, 1, 100)
    redemption = redeem_reward(actor=student.user, reward_id=reward.pk, idempotency_key=key())

    outcomes = run_at_once(
        [
            lambda: decide_redemption(
                actor=admin, redemption_id=redemption.pk, decision=Decision.APPROVE
            )
        ]
        * 10
    )
    assert outcomes == Counter({"ok": 1, "already_decided": 9})
