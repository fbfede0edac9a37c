"""API writes racing each other, through the real HTTP stack (test clients in threads, each
with its own database connection): the same guarantees as the forms' concurrency tests."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from portal.models import AuditLog, CheckIn, Redemption, Reward, Transaction
from portal.services.api_tokens import create_api_token
from tests.api.conftest import ALL_SCOPES, Api
from tests.conftest import postgres_only
from tests.factories import CategoryFactory, EventFactory, StudentFactory
from tests.helpers import assert_ledger_consistent, award

from .threads import run_at_once

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres, postgres_only]


def at_once(calls: list[Callable[[], Any]]) -> Counter[int]:
    """Send every request at the same moment; count the status codes."""
    return run_at_once(calls, outcome=lambda response: response.status_code)


def secret_for(user) -> str:
    return create_api_token(actor=None, name="Race", owner=user, scopes=ALL_SCOPES)[1]


def test_concurrent_awards_with_one_key_make_one_entry(faculty):
    category = CategoryFactory(min_points=1, max_points=100)
    student = StudentFactory()
    secret = secret_for(faculty)
    body = {"student_id": student.pk, "category_id": category.pk, "amount": 10, "reason": "Race"}
    clients = [Api(secret) for _ in range(8)]
    statuses = at_once([lambda c=c: c.post(reverse("api:award"), body, key="one") for c in clients])
    assert statuses == Counter({201: 8})
    assert Transaction.objects.filter(student=student).count() == 1
    assert AuditLog.objects.filter(action="api.award").count() == 1
    student.refresh_from_db()
    assert student.balance == 10
    assert_ledger_consistent()


def test_concurrent_awards_with_one_key_and_different_bodies_make_one_entry(faculty):
    category = CategoryFactory(min_points=1, max_points=100)
    student = StudentFactory()
    secret = secret_for(faculty)
    calls = [
        lambda amount=amount: Api(secret).post(
            reverse("api:award"),
            {"student_id": student.pk, "category_id": category.pk, "amount": amount, "reason": "R"},
            key="one",
        )
        for amount in range(1, 9)
    ]
    statuses = at_once(calls)
    assert statuses == Counter({201: 1, 409: 7})
    assert Transaction.objects.filter(student=student).count() == 1


def test_concurrent_redeems_of_the_last_unit_one_wins(admin):
    category = CategoryFactory(min_points=1, max_points=1000)
    reward = Reward.objects.create(name="Last ticket", cost=50, stock=1)
    students = [StudentFactory() for _ in range(8)]
    for s in students:
        award(admin, s, category, 100, reason="Seed")
    secrets = [secret_for(s.user) for s in students]
    url = reverse("api:redeem", args=[reward.pk])
    statuses = at_once([lambda s=s: Api(s).post(url, key=uuid.uuid4().hex) for s in secrets])
    assert statuses == Counter({201: 1, 409: 7})
    reward.refresh_from_db()
    assert reward.stock == 0
    assert Redemption.objects.count() == 1
    assert_ledger_consistent()


def test_concurrent_check_ins_of_one_student_credit_once(faculty):
    event = EventFactory(organiser=faculty)
    student = StudentFactory()
    secret = secret_for(faculty)
    url = reverse("api:check-in", args=[event.pk])
    statuses = at_once(
        [lambda: Api(secret).post(url, {"student_id": student.pk}, key=uuid.uuid4().hex)] * 8
    )
    assert statuses == Counter({201: 1, 409: 7})
    assert CheckIn.objects.filter(student=student).count() == 1
    student.refresh_from_db()
    assert student.balance == event.attendance_points
    assert_ledger_consistent()


def test_concurrent_decisions_with_one_key_decide_once(admin):
    category = CategoryFactory(min_points=1, max_points=1000)
    student = StudentFactory()
    award(admin, student, category, 100, reason="Seed")
    reward = Reward.objects.create(name="Mug", cost=30)
    redemption = Api(secret_for(student.user)).post(reverse("api:redeem", args=[reward.pk])).json()
    secret = secret_for(admin)
    url = reverse("api:decide", args=[redemption["id"]])
    body = {"decision": "reject", "note": "Sold out"}
    statuses = at_once([lambda: Api(secret).post(url, body, key="decide-once")] * 6)
    assert statuses == Counter({200: 6})
    assert AuditLog.objects.filter(action="redemption.reject").count() == 1
    student.refresh_from_db()
    assert student.balance == 100
    assert_ledger_consistent()


def test_concurrent_cancels_of_one_redemption_refund_once(admin):
    """Eight cancels of one pending redemption, each with its own key: one refund, the rest
    find it already cancelled (409), and the stock comes back once."""
    category = CategoryFactory(min_points=1, max_points=1000)
    reward = Reward.objects.create(name="Mug", cost=30, stock=5)
    student = StudentFactory()
    award(admin, student, category, 100, reason="Seed")
    secret = secret_for(student.user)
    redeemed = Api(secret).post(reverse("api:redeem", args=[reward.pk]))
    url = reverse("api:redemption-cancel", args=[redeemed.json()["id"]])
    statuses = at_once([lambda: Api(secret).post(url, key=uuid.uuid4().hex) for _ in range(8)])
    assert statuses == Counter({200: 1, 409: 7})
    student.refresh_from_db()
    reward.refresh_from_db()
    assert (student.balance, reward.stock) == (100, 5)
    assert AuditLog.objects.filter(action="api.cancel_redemption").count() == 1
    assert_ledger_consistent()
