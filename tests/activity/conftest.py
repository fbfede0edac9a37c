"""One student's story with every kind of feed item, made through the real services, and the
same kinds of things happening to `other_student` (which must never show in `student`'s feed)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from portal.models import (
    ActivityClaim,
    Category,
    Draw,
    Event,
    Redemption,
    StudentProfile,
    Transaction,
    User,
)
from portal.services import claims as claim_services
from portal.services import draws as draw_services
from portal.services import events as event_services
from portal.services import ledger
from portal.services import rewards as reward_services
from portal.services import tasks as task_services
from tests.claims.helpers import hand_in, make_claim
from tests.conftest import key
from tests.draws.conftest import rig_for
from tests.factories import DrawFactory, EventFactory, RewardFactory, TaskFactory
from tests.helpers import award, let_entries_close, redeem


@dataclass
class Story:
    award: Transaction
    deduction: Transaction
    reversed_award: Transaction
    reversal: Transaction
    event: Event
    approved: Redemption
    rejected: Redemption
    cancelled: Redemption
    claim_approved: ActivityClaim
    claim_pending: ActivityClaim
    claim_rejected: ActivityClaim
    claim_withdrawn: ActivityClaim
    won: Draw
    lost: Draw


def tell_story(
    profile: StudentProfile,
    *,
    faculty: User,
    admin: User,
    category: Category,
    rival: StudentProfile,
) -> Story:
    """Everything that can happen to `profile`, each through its service. `rival` enters the
    draw `profile` loses (and wins it)."""
    first = award(faculty, profile, category, 50, reason="Hackathon")
    for _ in range(3):
        award(faculty, profile, category, 50, reason="Lab work")
    deduction = ledger.deduct_points(
        actor=faculty, student_id=profile.pk, amount=5, reason="Late", idempotency_key=key()
    )
    reversed_award = award(faculty, profile, category, 10, reason="Typo")
    reversal = ledger.reverse_transaction(
        actor=faculty,
        transaction_id=reversed_award.pk,
        reason="Wrong student",
        idempotency_key=key(),
    )
    event = EventFactory(organiser=faculty, category=category, title="Robotics night")
    event_services.check_in(actor=faculty, event_id=event.pk, student_id=profile.pk)

    coffee = RewardFactory(name="Coffee voucher", cost=30)
    mug = RewardFactory(name="Mug", cost=40)
    hoodie = RewardFactory(name="Hoodie", cost=20)
    approved = redeem(profile, coffee)
    reward_services.decide_redemption(actor=admin, redemption_id=approved.pk, decision="approve")
    rejected = redeem(profile, mug)
    reward_services.decide_redemption(
        actor=admin, redemption_id=rejected.pk, decision="reject", note="Out of mugs"
    )
    cancelled = redeem(profile, hoodie)
    reward_services.cancel_redemption(actor=profile.user, redemption_id=cancelled.pk)

    claim_approved = make_claim(profile, category, 15, description="Volunteering at open day")
    claim_services.decide_claim(actor=faculty, claim_id=claim_approved.pk, decision="approve")
    claim_pending = make_claim(profile, category, 12, description="Peer tutoring")
    claim_rejected = make_claim(profile, category, 8, description="Chess club")
    claim_services.decide_claim(
        actor=faculty, claim_id=claim_rejected.pk, decision="reject", comment="No evidence"
    )
    claim_withdrawn = make_claim(profile, category, 6, description="Library help")
    claim_services.withdraw_claim(actor=profile.user, claim_id=claim_withdrawn.pk)

    task = TaskFactory(category=category, title="Set up the lab", points=20)
    assignment = hand_in(profile, task)
    task_services.decide_task(actor=faculty, assignment_id=assignment.pk, decision="approve")

    won = DrawFactory(created_by=admin, title="Spring raffle", prize_points=25, alternates_count=0)
    draw_services.enter_draw(actor=profile.user, draw_id=won.pk)
    let_entries_close(won)
    draw_services.perform_draw(actor=admin, draw_id=won.pk)
    pick = won.winners.get()
    draw_services.claim_prize(actor=profile.user, winner_id=pick.pk)

    lost = DrawFactory(created_by=admin, title="Winter raffle", alternates_count=0)
    draw_services.enter_draw(actor=profile.user, draw_id=lost.pk)
    draw_services.enter_draw(actor=rival.user, draw_id=lost.pk)
    rig_for(lost, rival)
    let_entries_close(lost)
    draw_services.perform_draw(actor=admin, draw_id=lost.pk)
    for draw in (won, lost):
        draw.refresh_from_db()
    return Story(
        award=first,
        deduction=deduction,
        reversed_award=reversed_award,
        reversal=reversal,
        event=event,
        approved=approved,
        rejected=rejected,
        cancelled=cancelled,
        claim_approved=claim_approved,
        claim_pending=claim_pending,
        claim_rejected=claim_rejected,
        claim_withdrawn=claim_withdrawn,
        won=won,
        lost=lost,
    )


@pytest.fixture
def story(student, other_student, faculty, admin, category) -> Story:
    return tell_story(student, faculty=faculty, admin=admin, category=category, rival=other_student)
