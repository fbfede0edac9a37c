"""Each event a student is told about creates exactly one notification of its kind, for that
student only: points staff moved (award, bulk award, deduction, reversal) and redemption
decisions. Draws and claims have their own tests in their domains."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from portal.models import Notification
from portal.services import ledger
from portal.services.rewards import decide_redemption
from tests.conftest import key
from tests.factories import RewardFactory
from tests.helpers import award, award_data, redeem

pytestmark = pytest.mark.django_db

POINTS = Notification.Kind.POINTS
REDEMPTION = Notification.Kind.REDEMPTION


def of_kind(user, kind):
    return list(Notification.objects.filter(user=user, kind=kind))


def test_an_award_tells_only_its_student_once(student, other_student, faculty, category):
    award(faculty, student, category, 20, reason="Won the hackathon")
    [n] = of_kind(student.user, POINTS)
    assert n.message == f"You received 20 points for {category.name}: Won the hackathon"
    assert n.link == reverse("portal:history")
    assert of_kind(other_student.user, POINTS) == []
    assert of_kind(faculty, POINTS) == []


def test_a_replayed_award_form_tells_nobody_again(client_as, student, faculty, category):
    data = award_data(student, category)
    client = client_as(faculty)
    client.post(reverse("portal:award-create"), data)
    client.post(reverse("portal:award-create"), data)
    assert len(of_kind(student.user, POINTS)) == 1


def test_a_refused_award_tells_nobody(student, faculty, category):
    with pytest.raises(ledger.LedgerError):
        award(faculty, student, category, category.max_points + 1)
    assert Notification.objects.filter(user=student.user).count() == 0


def test_bulk_award_tells_each_student_once(student, other_student, faculty, category):
    lines, errors = ledger.parse_bulk_lines(
        f"{student.enrollment_number}\n{other_student.enrollment_number}, 30"
    )
    ledger.bulk_award(
        actor=faculty,
        category_id=category.pk,
        amount=15,
        reason="Open day helpers",
        lines=lines,
        parse_errors=errors,
        idempotency_key=key(),
    )
    assert [n.message for n in of_kind(student.user, POINTS)] == [
        f"You received 15 points for {category.name}: Open day helpers"
    ]
    assert [n.message for n in of_kind(other_student.user, POINTS)] == [
        f"You received 30 points for {category.name}: Open day helpers"
    ]


def test_deduction_and_reversal_are_told(student, faculty, admin, category):
    entry = award(faculty, student, category, 40)
    award(faculty, student, category, 10)
    ledger.deduct_points(
        actor=admin, student_id=student.pk, amount=1, reason="Late return", idempotency_key=key()
    )
    ledger.reverse_transaction(
        actor=faculty, transaction_id=entry.pk, reason="Wrong student", idempotency_key=key()
    )
    messages = [n.message for n in of_kind(student.user, POINTS)]
    assert messages == [
        "An earlier entry was reversed and 40 points taken back: Wrong student",
        "1 point was deducted: Late return",
        f"You received 10 points for {category.name}: Great work",
        f"You received 40 points for {category.name}: Great work",
    ]


def test_points_emails_honour_the_preference(
    student, faculty, category, django_capture_on_commit_callbacks
):
    student.user.email_opt_outs = [POINTS]
    student.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        award(faculty, student, category, 20)
    assert not [m for m in mail.outbox if m.subject.startswith("[UPAS] You received")]
    assert len(of_kind(student.user, POINTS)) == 1  # still in the app


@pytest.mark.parametrize(
    ("decisions", "expected"),
    [
        (["approve"], ["Your redemption of Hoodie was approved."]),
        (
            ["approve", "fulfil"],
            [
                "Your redemption of Hoodie was fulfilled. Enjoy!",
                "Your redemption of Hoodie was approved.",
            ],
        ),
        (
            ["reject"],
            ["Your redemption of Hoodie was rejected and 50 points were refunded: Out of stock"],
        ),
    ],
)
def test_each_redemption_decision_is_told_once(
    student, other_student, faculty, admin, category, decisions, expected
):
    award(faculty, student, category, 50)
    reward = RewardFactory(name="Hoodie", cost=50)
    redemption = redeem(student, reward)
    for decision in decisions:
        decide_redemption(
            actor=admin, redemption_id=redemption.pk, decision=decision, note="Out of stock"
        )
    told = of_kind(student.user, REDEMPTION)
    assert [n.message for n in told] == expected
    assert {n.link for n in told} == {reverse("portal:my-redemptions")}
    assert of_kind(other_student.user, REDEMPTION) == []


def test_a_decision_that_does_not_apply_tells_nobody(student, faculty, admin, category):
    award(faculty, student, category, 50)
    redemption = redeem(student, RewardFactory(cost=50))
    decide_redemption(actor=admin, redemption_id=redemption.pk, decision="approve")
    with pytest.raises(Exception, match="already"):
        decide_redemption(actor=admin, redemption_id=redemption.pk, decision="approve")
    assert len(of_kind(student.user, REDEMPTION)) == 1
