"""Milestones and levels are recorded once, for their student only, and announced once."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from portal.models import Achievement, Milestone, Notification, Transaction
from portal.services import claims, ledger, milestones
from portal.services.events import check_in
from tests.claims.helpers import make_claim
from tests.conftest import key
from tests.factories import EventFactory, RewardFactory
from tests.helpers import assert_ledger_consistent, award, redeem

pytestmark = pytest.mark.django_db

Kind = Transaction.Kind


def codes(profile) -> list[str]:
    return sorted(Achievement.objects.filter(student=profile).values_list("code", flat=True))


def milestone_messages(profile) -> list[str]:
    return list(
        Notification.objects.filter(user=profile.user, kind=Notification.Kind.MILESTONE)
        .order_by("id")
        .values_list("message", flat=True)
    )


@pytest.fixture(autouse=True)
def _ledger_still_balances():
    yield
    assert_ledger_consistent()


def test_a_first_award_is_a_milestone_once_and_only_for_its_student(
    student, other_student, faculty, wide
):
    award(faculty, student, wide, 20)
    award(faculty, student, wide, 20)

    assert codes(student) == [Milestone.FIRST_AWARD]
    assert milestone_messages(student) == [
        "New badge: First award. You received your first points."
    ]
    assert codes(other_student) == []
    assert milestone_messages(other_student) == []


def test_the_milestone_notification_has_its_kind_and_links_to_the_badges(student, faculty, wide):
    entry = award(faculty, student, wide, 20)

    notification = Notification.objects.get(user=student.user, kind=Notification.Kind.MILESTONE)
    assert notification.link == "/settings/#badges"
    assert not notification.is_read
    achievement = Achievement.objects.get(student=student)
    assert achievement.achieved_at == entry.created_at


def test_reaching_a_level_is_recorded_and_announced(student, faculty, wide):
    award(faculty, student, wide, 60)
    assert codes(student) == [Milestone.FIRST_AWARD]
    award(faculty, student, wide, 60)

    assert codes(student) == ["first_award", "level-bronze"]
    assert milestone_messages(student)[-1] == ("New level: Bronze. You have 120 lifetime points.")


def test_one_award_crossing_two_levels_records_and_announces_both(student, faculty, wide):
    award(faculty, student, wide, 350)

    assert codes(student) == ["first_award", "level-bronze", "level-silver"]
    messages = milestone_messages(student)
    assert "New level: Bronze. You have 350 lifetime points." in messages
    assert "New level: Silver. You have 350 lifetime points." in messages
    assert len(messages) == 3


def test_a_reversal_keeps_the_badge_and_reaching_the_level_again_says_nothing(
    student, faculty, admin, wide
):
    first = award(faculty, student, wide, 120)
    ledger.reverse_transaction(
        actor=faculty, transaction_id=first.pk, reason="Wrong student", idempotency_key=key()
    )
    student.refresh_from_db()
    assert student.lifetime_points == 0
    assert codes(student) == ["first_award", "level-bronze"]
    before = milestone_messages(student)

    award(faculty, student, wide, 150)

    assert codes(student) == ["first_award", "level-bronze"]
    assert milestone_messages(student) == before


def test_a_deduction_below_a_level_takes_no_badge_away(student, faculty, wide):
    award(faculty, student, wide, 110)
    ledger.deduct_points(
        actor=faculty, student_id=student.pk, amount=20, reason="Late", idempotency_key=key()
    )
    assert codes(student) == ["first_award", "level-bronze"]
    ledger.deduct_points(
        actor=faculty, student_id=student.pk, amount=20, reason="Late", idempotency_key=key()
    )
    award(faculty, student, wide, 50)  # back over 100
    assert len(milestone_messages(student)) == 2


def test_reversing_a_deduction_can_reach_a_level(student, faculty, admin, wide):
    award(faculty, student, wide, 100)
    penalty = ledger.deduct_points(
        actor=faculty, student_id=student.pk, amount=50, reason="Late", idempotency_key=key()
    )
    Achievement.objects.filter(code="level-bronze").delete()  # as if reached before the feature
    ledger.reverse_transaction(
        actor=admin, transaction_id=penalty.pk, reason="Excused", idempotency_key=key()
    )
    assert "level-bronze" in codes(student)


def test_event_milestones_at_the_first_fifth_and_tenth_check_in(student, other_student):
    events = EventFactory.create_batch(11)
    reached = []
    for event in events:
        check_in(actor=event.organiser, event_id=event.pk, student_id=student.pk)
        reached.append(codes(student))
    check_in(actor=events[0].organiser, event_id=events[0].pk, student_id=other_student.pk)

    assert reached[0] == ["first_event"]
    assert reached[3] == ["first_event"]
    assert reached[4] == ["events_5", "first_event"]
    assert reached[9] == ["events_10", "events_5", "first_event", "level-bronze"]
    assert reached[10] == reached[9]
    assert [m for m in milestone_messages(student) if "event" in m] == [
        "New badge: First event. You checked in to your first event.",
        "New badge: Five events. You have attended 5 events.",
        "New badge: Ten events. You have attended 10 events.",
    ]
    assert codes(other_student) == ["first_event"]


def test_a_first_redemption_is_a_milestone_once(student, faculty, wide):
    award(faculty, student, wide, 90)
    reward = RewardFactory(cost=20)
    redeem(student, reward)
    redeem(student, reward)

    assert codes(student) == ["first_award", "first_redemption"]
    assert len(milestone_messages(student)) == 2


def test_a_refund_is_not_a_redemption(student, faculty, wide):
    from portal.services import rewards

    award(faculty, student, wide, 90)
    redemption = redeem(student, RewardFactory(cost=20))
    Achievement.objects.filter(code=Milestone.FIRST_REDEMPTION).delete()
    rewards.cancel_redemption(actor=student.user, redemption_id=redemption.pk)
    assert Milestone.FIRST_REDEMPTION not in codes(student)


def test_a_first_approved_claim_is_a_milestone(student, faculty, wide):
    first, second = make_claim(student, wide, 10), make_claim(student, wide, 10)
    assert codes(student) == []  # submitting is not enough
    claims.decide_claim(actor=faculty, claim_id=first.pk, decision="approve")
    claims.decide_claim(actor=faculty, claim_id=second.pk, decision="approve")

    assert codes(student) == ["first_claim"]
    assert milestone_messages(student) == [
        "New badge: First claim approved. Your activity was credited."
    ]


@pytest.mark.parametrize(
    ("kind", "code"), [(Kind.TASK, Milestone.FIRST_TASK), (Kind.PRIZE, Milestone.FIRST_PRIZE)]
)
def test_a_first_task_or_prize_entry_is_a_milestone_once(student, kind, code):
    # The real services (decide_task, claim_prize) post these entries through post_entry.
    for _ in range(2):
        with transaction.atomic():
            profile = ledger.lock_profile(student.pk)
            ledger.post_entry(
                profile,
                amount=10,
                kind=kind,
                actor=None,
                category=None,
                reason="Test",
                idempotency_key=key(),
                counts_for_lifetime=True,
            )
    assert codes(student) == [code]
    assert len(milestone_messages(student)) == 1


def test_a_second_record_of_the_same_milestone_is_refused_quietly(student, faculty, wide):
    entry = award(faculty, student, wide, 20)
    Notification.objects.all().delete()
    with transaction.atomic():
        profile = ledger.lock_profile(student.pk)
        Achievement.objects.filter(code=Milestone.FIRST_AWARD).delete()
        Achievement.objects.create(student=profile, code=Milestone.FIRST_AWARD)
        # As if the existence check had raced: the constraint refuses, nothing is announced
        # and the caller's transaction goes on.
        again = milestones._record(profile, Milestone.FIRST_AWARD, "again", entry.created_at)
        assert again is False
        assert Transaction.objects.filter(student=profile).count() == 1
    assert milestone_messages(student) == []


# --- cost on the award path ----------------------------------------------------------------------


def queries_for(profile, entry) -> int:
    with CaptureQueriesContext(connection) as queries:
        milestones.reached_by(profile, entry)
    return len(queries)


def test_an_award_that_reaches_nothing_costs_no_query(student, faculty, wide):
    award(faculty, student, wide, 20)
    entry = award(faculty, student, wide, 20)
    student.refresh_from_db()
    assert Milestone.FIRST_AWARD in student.milestones  # cached with the balance
    assert queries_for(student, entry) == 0


def test_check_ins_are_counted_on_the_profile_for_the_event_badges(student, faculty, category):
    from portal.services.events import check_in
    from tests.factories import EventFactory

    for _n in range(5):
        event = EventFactory(organiser=faculty, category=category)
        check_in(actor=faculty, event_id=event.pk, student_id=student.pk)
    student.refresh_from_db()
    assert student.checkins_count == 5
    assert {Milestone.FIRST_EVENT, Milestone.EVENTS_5} <= set(student.milestones)
    assert set(student.achievements.values_list("code", flat=True)) >= {
        Milestone.FIRST_EVENT,
        Milestone.EVENTS_5,
    }


def test_entries_that_cannot_reach_a_milestone_cost_no_query(student, faculty, wide):
    award(faculty, student, wide, 50)
    entry = ledger.deduct_points(
        actor=faculty, student_id=student.pk, amount=5, reason="Late", idempotency_key=key()
    )
    student.refresh_from_db()
    assert queries_for(student, entry) == 0
