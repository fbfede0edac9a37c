"""portal.services.draws: saving, entering, performing, claiming, passing a prize on and
verifying. Every refusal asserts its code and that nothing was written. Shared setup in
conftest.py; the algorithm itself is in test_algorithm.py."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from portal.domain import draw_algorithm
from portal.models import (
    AuditLog,
    Draw,
    DrawEntry,
    DrawWinner,
    Notification,
    Redemption,
    Transaction,
)
from portal.services.draws import (
    MIN_ALTERNATE_WINDOW,
    DrawError,
    claim_prize,
    enter_draw,
    expire_unclaimed_prizes,
    explain_picks,
    pass_to_alternate,
    perform_draw,
    save_draw,
    verification_snippet,
    verify_draw,
)
from portal.services.rewards import Decision, RewardError, cancel_redemption, decide_redemption
from tests.conftest import ledger_total
from tests.draws.conftest import Pick, check_in, enter, entrants, expire, perform, pick_of
from tests.factories import CategoryFactory, RewardFactory, StudentFactory
from tests.helpers import award, balance, let_entries_close, redeem

pytestmark = pytest.mark.django_db


def written() -> tuple[object, ...]:
    """Everything the draw services write."""
    return (
        Draw.objects.count(),
        DrawEntry.objects.count(),
        DrawWinner.objects.count(),
        Notification.objects.count(),
        Redemption.objects.count(),
        ledger_total(),
    )


def refused(code: str, call, *args, **kwargs) -> DrawError:
    before = written()
    with pytest.raises(DrawError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code
    assert written() == before
    return caught.value


def new_draw(**fields: object) -> Draw:
    """An unsaved draw as the admin form would hand it over."""
    now = timezone.now()
    values = {
        "title": "Library week",
        "prize": "A tote bag",
        "entry_deadline": now + timedelta(days=3),
        "claim_deadline": now + timedelta(days=10),
        **fields,
    }
    return Draw(**values)


# --- saving -------------------------------------------------------------------------------------


def test_an_admin_creates_a_draw_with_a_secret_seed_and_its_public_commitment(admin):
    draw = save_draw(actor=admin, draw=new_draw())
    draw.refresh_from_db()
    assert len(draw.seed) == 64
    assert draw.commitment == hashlib.sha256(bytes.fromhex(draw.seed)).hexdigest()
    assert (draw.created_by, draw.status, draw.revealed_seed) == (admin, Draw.Status.OPEN, "")
    audit = AuditLog.objects.get(action="draw.create", target_id=str(draw.pk))
    assert audit.actor == admin
    assert draw.seed not in str(audit.after)


def test_every_draw_gets_its_own_seed(admin):
    seeds = {save_draw(actor=admin, draw=new_draw()).seed for _ in range(5)}
    assert len(seeds) == 5


@pytest.mark.parametrize("who", ["student", "faculty"])
def test_only_admins_create_draws(request, who):
    actor = request.getfixturevalue(who)
    refused("forbidden", save_draw, actor=getattr(actor, "user", actor), draw=new_draw())


def test_an_inactive_admin_cannot_create_draws(admin):
    admin.is_active = False
    admin.save()
    refused("forbidden", save_draw, actor=admin, draw=new_draw())


def test_editing_keeps_the_seed_and_commitment(admin, draw):
    seed, commitment = draw.seed, draw.commitment
    edited = Draw.objects.get(pk=draw.pk)
    edited.title = "Spring draw, now with two winners"
    edited.winners_count = 2
    edited.seed, edited.commitment = "ab" * 32, "cd" * 32  # smuggled in: must be ignored
    save_draw(actor=admin, draw=edited)
    draw.refresh_from_db()
    assert (draw.title, draw.winners_count) == ("Spring draw, now with two winners", 2)
    assert (draw.seed, draw.commitment) == (seed, commitment)
    assert AuditLog.objects.filter(action="draw.update", target_id=str(draw.pk)).count() == 1


def test_a_performed_draw_cannot_be_edited(admin, draw):
    entrants(draw, 2)
    perform(draw, admin)
    edited = Draw.objects.get(pk=draw.pk)
    edited.title = "Changed afterwards"
    refused("already_drawn", save_draw, actor=admin, draw=edited)
    draw.refresh_from_db()
    assert draw.title == "Spring draw"


# --- entering -----------------------------------------------------------------------------------


def test_a_student_enters_an_open_draw(student, draw):
    entry = enter_draw(actor=student.user, draw_id=draw.pk)
    assert (entry.draw, entry.student) == (draw, student)


def test_entering_twice_returns_the_first_entry(student, draw):
    first = enter_draw(actor=student.user, draw_id=draw.pk)
    again = enter_draw(actor=student.user, draw_id=draw.pk)
    assert again.pk == first.pk
    assert DrawEntry.objects.filter(draw=draw).count() == 1


def test_entering_an_event_draw_without_checking_in_says_check_in_first(student, make_draw, event):
    draw = make_draw(event=event)
    error = refused("ineligible", enter_draw, actor=student.user, draw_id=draw.pk)
    assert "Check in" in error.message
    assert "Open day" in error.message


def test_a_student_checked_in_to_the_event_can_enter_its_draw(student, make_draw, event, admin):
    draw = make_draw(event=event)
    check_in(event, student, by=admin)
    assert enter_draw(actor=student.user, draw_id=draw.pk).draw == draw


def test_entries_close_at_the_entry_deadline(student, make_draw):
    draw = make_draw(entry_deadline=timezone.now() - timedelta(seconds=1))
    error = refused("ineligible", enter_draw, actor=student.user, draw_id=draw.pk)
    assert "closed" in error.message


def test_an_attendees_draw_enters_people_automatically(student, make_draw, event, admin):
    draw = make_draw(event=event, eligibility=Draw.Eligibility.ATTENDEES)
    check_in(event, student, by=admin)
    error = refused("ineligible", enter_draw, actor=student.user, draw_id=draw.pk)
    assert "automatically" in error.message


@pytest.mark.parametrize("who", ["faculty", "admin"])
def test_staff_cannot_enter_draws(request, who, draw):
    refused("forbidden", enter_draw, actor=request.getfixturevalue(who), draw_id=draw.pk)


def test_a_deactivated_student_cannot_enter(student, draw):
    student.user.is_active = False
    student.user.save()
    refused("forbidden", enter_draw, actor=student.user, draw_id=draw.pk)


def test_entering_an_unknown_draw_is_not_found(student):
    refused("not_found", enter_draw, actor=student.user, draw_id=999_999)


# --- performing ---------------------------------------------------------------------------------


def test_performing_picks_by_the_algorithm_and_freezes_the_entrants(admin, make_draw):
    draw = make_draw(winners_count=2, alternates_count=2)
    entrants(draw, 10)
    entry_ids = list(DrawEntry.objects.filter(draw=draw).values_list("pk", flat=True))
    result = perform(draw, admin)

    expected = draw_algorithm.pick_winners(draw.seed, draw.pk, entry_ids, 4)
    picks = list(DrawWinner.objects.filter(draw=draw).order_by("position"))
    assert [p.entry_id for p in picks] == expected
    assert [p.position for p in picks] == [1, 2, 3, 4]
    assert [p.is_alternate for p in picks] == [False, False, True, True]
    assert [w.pk for w in result.winners] == [p.pk for p in picks[:2]]
    assert [a.pk for a in result.alternates] == [p.pk for p in picks[2:]]
    assert result.shortfall is False
    assert (draw.status, draw.performed_by, draw.entrant_count) == (Draw.Status.DRAWN, admin, 10)
    assert draw.performed_at is not None
    expected_digest = ",".join(map(str, sorted(entry_ids)))
    assert draw.entrants_digest == hashlib.sha256(expected_digest.encode()).hexdigest()
    assert AuditLog.objects.filter(action="draw.perform", target_id=str(draw.pk)).count() == 1


def test_winners_are_offered_the_prize_and_alternates_wait(admin, make_draw):
    draw = make_draw(winners_count=2, alternates_count=3)
    entrants(draw, 8)
    perform(draw, admin)
    winners = DrawWinner.objects.filter(draw=draw, is_alternate=False)
    alternates = DrawWinner.objects.filter(draw=draw, is_alternate=True)
    assert {(w.status, w.claim_deadline) for w in winners} == {(Pick.OFFERED, draw.claim_deadline)}
    assert all(w.offered_at == draw.performed_at for w in winners)
    assert {(a.status, a.claim_deadline, a.offered_at) for a in alternates} == {
        (Pick.WAITING, None, None)
    }
    assert (winners.count(), alternates.count()) == (2, 3)


def test_the_seed_is_revealed_only_by_performing(admin, draw):
    entrants(draw, 3)
    assert draw.revealed_seed == ""
    perform(draw, admin)
    assert draw.revealed_seed == draw.seed
    assert draw_algorithm.commitment(draw.revealed_seed) == draw.commitment


def test_winners_and_alternates_are_notified_once_and_nobody_else(admin, make_draw):
    draw = make_draw(winners_count=2, alternates_count=1, prize="Two cinema tickets")
    students = entrants(draw, 6)
    perform(draw, admin)
    picked = {p.entry.student.user_id: p for p in DrawWinner.objects.filter(draw=draw)}
    for profile in students:
        notes = list(Notification.objects.filter(user=profile.user))
        if profile.user_id not in picked:
            assert notes == []
            continue
        assert len(notes) == 1
        (note,) = notes
        assert note.kind == Notification.Kind.DRAW
        assert note.link == f"/draws/{draw.pk}/"
        if picked[profile.user_id].is_alternate:
            assert "alternate no. 1" in note.message
        else:
            assert "You won “Two cinema tickets”" in note.message


def test_a_draw_is_performed_once(admin, draw):
    entrants(draw, 4)
    perform(draw, admin)
    picks = list(DrawWinner.objects.filter(draw=draw).values_list("pk", "entry_id"))
    notes = Notification.objects.count()
    refused("already_drawn", perform_draw, actor=admin, draw_id=draw.pk)
    assert list(DrawWinner.objects.filter(draw=draw).values_list("pk", "entry_id")) == picks
    assert Notification.objects.count() == notes


def test_a_draw_without_entrants_cannot_be_performed_and_stays_open(admin, draw):
    let_entries_close(draw)
    refused("no_entrants", perform_draw, actor=admin, draw_id=draw.pk)
    draw.refresh_from_db()
    assert (draw.status, draw.performed_at, draw.revealed_seed) == (Draw.Status.OPEN, None, "")


def test_fewer_entrants_than_winners_means_everyone_wins(admin, make_draw):
    draw = make_draw(winners_count=5, alternates_count=2)
    students = entrants(draw, 3)
    result = perform(draw, admin)
    assert result.shortfall is True
    assert result.alternates == []
    assert {w.entry.student_id for w in result.winners} == {s.pk for s in students}
    assert set(DrawWinner.objects.filter(draw=draw).values_list("status", flat=True)) == {
        Pick.OFFERED
    }


def test_exactly_as_many_entrants_as_winners_is_no_shortfall(admin, make_draw):
    draw = make_draw(winners_count=3, alternates_count=2)
    entrants(draw, 3)
    result = perform(draw, admin)
    assert (result.shortfall, len(result.winners), result.alternates) == (False, 3, [])


def test_an_attendees_draw_enters_every_active_checked_in_student(
    admin, make_draw, event, student, other_student
):
    draw = make_draw(event=event, eligibility=Draw.Eligibility.ATTENDEES, winners_count=3)
    gone = StudentFactory()
    absent = StudentFactory()
    check_in(event, student, other_student, gone, by=admin)
    gone.user.is_active = False
    gone.user.save()
    result = perform(draw, admin)
    entered = set(DrawEntry.objects.filter(draw=draw).values_list("student_id", flat=True))
    assert entered == {student.pk, other_student.pk}
    assert absent.pk not in entered
    assert draw.entrant_count == 2
    assert result.shortfall is True
    assert verify_draw(draw).ok


def test_an_attendees_draw_with_nobody_checked_in_has_no_entrants(admin, make_draw, event):
    draw = make_draw(event=event, eligibility=Draw.Eligibility.ATTENDEES)
    let_entries_close(draw)
    refused("no_entrants", perform_draw, actor=admin, draw_id=draw.pk)


def test_entries_after_the_draw_are_refused(admin, draw, student):
    entrants(draw, 2)
    perform(draw, admin)
    error = refused("ineligible", enter_draw, actor=student.user, draw_id=draw.pk)
    assert "closed" in error.message


def test_performing_before_the_entry_deadline_is_refused(admin, draw):
    """Drawing early would silently shut out whoever meant to enter before the deadline."""
    entrants(draw, 2)
    error = refused("entries_open", perform_draw, actor=admin, draw_id=draw.pk)
    assert "close entries early" in error.message
    draw.refresh_from_db()
    assert draw.entries_open and not draw.is_drawn


def test_closing_entries_early_tells_entrants_audits_and_draws(admin, draw, student):
    early = entrants(draw, 2)
    deadline = draw.entry_deadline
    perform_draw(actor=admin, draw_id=draw.pk, close_entries_early=True)
    draw.refresh_from_db()
    assert draw.is_drawn and draw.entry_deadline < deadline
    closed = Notification.objects.filter(message__contains="were closed early")
    assert {n.user_id for n in closed} == {p.user_id for p in early}
    audit = AuditLog.objects.get(action="draw.close_entries")
    assert audit.before["entry_deadline"] == deadline.isoformat()
    refused("ineligible", enter_draw, actor=student.user, draw_id=draw.pk)


@pytest.mark.parametrize("who", ["student", "faculty"])
def test_only_admins_perform_draws(request, who, draw):
    entrants(draw, 2)
    actor = request.getfixturevalue(who)
    refused("forbidden", perform_draw, actor=getattr(actor, "user", actor), draw_id=draw.pk)
    draw.refresh_from_db()
    assert draw.status == Draw.Status.OPEN


def test_performing_an_unknown_draw_is_not_found(admin):
    refused("not_found", perform_draw, actor=admin, draw_id=999_999)


# --- claiming -----------------------------------------------------------------------------------


@pytest.fixture
def won(admin, make_draw, student):
    """Perform a draw `student` alone entered (so they win): returns their pick."""

    def make(**fields: object) -> DrawWinner:
        draw = make_draw(**fields)
        enter(draw, student)
        perform(draw, admin)
        return pick_of(draw, student)

    return make


def test_claiming_a_points_prize_credits_one_prize_entry(won, student):
    pick = won(prize="50 points", prize_points=50)
    claimed = claim_prize(actor=student.user, winner_id=pick.pk)
    assert (claimed.status, claimed.claimed_at is not None) == (Pick.CLAIMED, True)
    entry = Transaction.objects.get(student=student)
    assert (entry.kind, entry.amount, entry.draw_winner_id) == (Transaction.Kind.PRIZE, 50, pick.pk)
    assert entry.actor is None
    student.refresh_from_db()
    assert (student.balance, student.lifetime_points) == (50, 50)


def test_a_reward_prize_takes_its_stock_when_drawn_and_a_free_redemption_when_claimed(won, student):
    reward = RewardFactory(name="Hoodie", cost=80, stock=3, limit_per_student=1)
    pick = won(prize="A hoodie", reward=reward)
    reward.refresh_from_db()
    assert reward.stock == 2  # one winner: one unit promised, out of the catalogue
    before = ledger_total()
    claim_prize(actor=student.user, winner_id=pick.pk)
    redemption = Redemption.objects.get(student=student)
    assert (redemption.reward, redemption.cost, redemption.prize_id) == (reward, 0, pick.pk)
    assert redemption.status == Redemption.Status.PENDING
    assert ledger_total() == before
    reward.refresh_from_db()
    assert reward.stock == 2


def test_a_draw_cannot_promise_more_units_than_are_in_stock(admin, make_draw):
    reward = RewardFactory(name="Hoodie", cost=80, stock=1)
    draw = make_draw(reward=reward, winners_count=2, alternates_count=0)
    entrants(draw, 3)
    let_entries_close(draw)
    error = refused("out_of_stock", perform_draw, actor=admin, draw_id=draw.pk)
    assert "1 left in stock for 2 winners" in error.message
    reward.refresh_from_db()
    assert reward.stock == 1


def test_saving_a_draw_for_more_winners_than_the_stock_is_refused(admin):
    reward = RewardFactory(name="Hoodie", cost=80, stock=1)
    draw = new_draw(reward=reward, winners_count=2)
    error = refused("out_of_stock", save_draw, actor=admin, draw=draw)
    assert error.field == "reward"


def test_a_redemption_cannot_take_the_unit_a_winner_was_promised(won, other_student):
    reward = RewardFactory(name="Hoodie", cost=10, stock=1)
    won(prize="A hoodie", reward=reward)
    with pytest.raises(RewardError) as caught:
        redeem(other_student, reward)
    assert caught.value.code == "out_of_stock"


def test_rejecting_a_prize_redemption_returns_its_unit(won, student, admin):
    reward = RewardFactory(name="Hoodie", cost=80, stock=2)
    pick = won(prize="A hoodie", reward=reward)
    claim_prize(actor=student.user, winner_id=pick.pk)
    redemption = Redemption.objects.get(student=student)
    decide_redemption(
        actor=admin, redemption_id=redemption.pk, decision=Decision.REJECT, note="Sold out"
    )
    reward.refresh_from_db()
    assert reward.stock == 2


def test_a_prize_nobody_is_left_to_claim_returns_its_unit(won, student, admin):
    reward = RewardFactory(name="Hoodie", cost=80, stock=2)
    pick = won(prize="A hoodie", reward=reward, alternates_count=0)
    expire(pick)
    pass_to_alternate(actor=admin, winner_id=pick.pk)
    reward.refresh_from_db()
    assert reward.stock == 2


@pytest.mark.parametrize("fields", [{"reward": "hoodie"}, {"prize": "Dinner with the dean"}])
def test_a_prize_without_points_earns_the_prize_badge_once(won, student, fields):
    if "reward" in fields:
        fields = {"reward": RewardFactory(name="Hoodie", cost=80)}
    claim_prize(actor=student.user, winner_id=won(**fields).pk)
    claim_prize(actor=student.user, winner_id=won(**fields).pk)  # a second prize: no new badge
    assert list(student.achievements.values_list("code", flat=True)) == ["first_prize"]
    assert Notification.objects.filter(user=student.user, kind="milestone").count() == 1


def test_a_prize_redemption_does_not_count_against_the_per_student_limit(won, student, admin):
    reward = RewardFactory(name="Hoodie", cost=80, stock=3, limit_per_student=1)
    pick = won(prize="A hoodie", reward=reward)
    claim_prize(actor=student.user, winner_id=pick.pk)
    award(admin, student, CategoryFactory(max_points=100), 80)
    bought = redeem(student, reward)
    assert (bought.cost, bought.prize_id) == (80, None)
    assert balance(student) == 0


def test_a_student_cannot_cancel_a_prize_redemption(won, student):
    reward = RewardFactory(cost=80)
    pick = won(reward=reward)
    claim_prize(actor=student.user, winner_id=pick.pk)
    redemption = Redemption.objects.get(prize=pick)
    with pytest.raises(RewardError) as caught:
        cancel_redemption(actor=student.user, redemption_id=redemption.pk)
    assert caught.value.code == "prize"
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.PENDING


def test_rejecting_a_prize_redemption_refunds_nothing(won, student, admin):
    reward = RewardFactory(cost=80, stock=2)
    pick = won(reward=reward)
    claim_prize(actor=student.user, winner_id=pick.pk)
    redemption = Redemption.objects.get(prize=pick)
    before = ledger_total()
    decide_redemption(
        actor=admin, redemption_id=redemption.pk, decision=Decision.REJECT, note="Out of sizes"
    )
    redemption.refresh_from_db()
    reward.refresh_from_db()
    assert redemption.status == Redemption.Status.REJECTED
    assert ledger_total() == before
    assert reward.stock == 2
    assert balance(student) == 0


def test_a_prize_redemption_goes_through_the_fulfilment_queue(won, student, admin):
    pick = won(reward=RewardFactory(cost=80))
    claim_prize(actor=student.user, winner_id=pick.pk)
    redemption = Redemption.objects.get(prize=pick)
    decide_redemption(actor=admin, redemption_id=redemption.pk, decision=Decision.APPROVE)
    decide_redemption(actor=admin, redemption_id=redemption.pk, decision=Decision.FULFIL)
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.FULFILLED


def test_claiming_a_prize_in_words_only_marks_it_claimed(won, student):
    pick = won(prize="Lunch with the dean")
    before = (ledger_total(), Redemption.objects.count())
    claim_prize(actor=student.user, winner_id=pick.pk)
    pick.refresh_from_db()
    assert pick.status == Pick.CLAIMED
    assert (ledger_total(), Redemption.objects.count()) == before


def test_a_prize_cannot_be_claimed_after_its_deadline(won, student):
    pick = won(prize_points=50)
    expire(pick)
    refused("deadline_passed", claim_prize, actor=student.user, winner_id=pick.pk)
    pick.refresh_from_db()
    assert pick.status == Pick.OFFERED


def test_a_prize_can_be_claimed_up_to_its_deadline(won, student):
    pick = won(prize_points=50)
    DrawWinner.objects.filter(pk=pick.pk).update(
        claim_deadline=timezone.now() + timedelta(seconds=30)
    )
    assert claim_prize(actor=student.user, winner_id=pick.pk).status == Pick.CLAIMED


def test_someone_elses_prize_is_not_found(won, other_student):
    pick = won(prize_points=50)
    refused("not_found", claim_prize, actor=other_student.user, winner_id=pick.pk)
    pick.refresh_from_db()
    assert pick.status == Pick.OFFERED


@pytest.mark.parametrize("who", ["faculty", "admin"])
def test_staff_cannot_claim_a_winners_prize(request, won, who):
    pick = won(prize_points=50)
    refused("not_found", claim_prize, actor=request.getfixturevalue(who), winner_id=pick.pk)


def test_a_prize_is_claimed_once(won, student):
    pick = won(prize_points=50)
    claim_prize(actor=student.user, winner_id=pick.pk)
    refused("already_claimed", claim_prize, actor=student.user, winner_id=pick.pk)
    assert Transaction.objects.filter(kind=Transaction.Kind.PRIZE).count() == 1
    assert balance(student) == 50


def test_a_waiting_alternate_cannot_claim(admin, make_draw):
    draw = make_draw(winners_count=1, alternates_count=2, prize_points=20)
    entrants(draw, 5)
    perform(draw, admin)
    alternate = DrawWinner.objects.filter(draw=draw, is_alternate=True).first()
    refused("not_offered", claim_prize, actor=alternate.entry.student.user, winner_id=alternate.pk)


def test_claiming_an_unknown_pick_is_not_found(student):
    refused("not_found", claim_prize, actor=student.user, winner_id=999_999)


# --- passing a prize to an alternate ------------------------------------------------------------


@pytest.fixture
def drawn(admin, make_draw):
    """A performed draw: one winner, two alternates among six entrants, 30 points each."""
    draw = make_draw(winners_count=1, alternates_count=2, prize_points=30)
    entrants(draw, 6)
    perform(draw, admin)
    return draw


def picks_of(draw: Draw) -> list[DrawWinner]:
    return list(DrawWinner.objects.filter(draw=draw).order_by("position"))


def test_a_prize_cannot_be_passed_on_before_its_deadline(admin, drawn):
    winner = picks_of(drawn)[0]
    error = refused("still_open", pass_to_alternate, actor=admin, winner_id=winner.pk)
    assert "can still claim" in error.message


def test_after_the_deadline_the_prize_passes_to_the_first_alternate(admin, drawn):
    winner, first, second = picks_of(drawn)
    expire(winner)
    before = timezone.now()
    offered = pass_to_alternate(actor=admin, winner_id=winner.pk)
    assert offered.pk == first.pk
    winner.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (winner.status, winner.replaced_by_id) == (Pick.FORFEITED, first.pk)
    assert winner.forfeited_at is not None
    assert first.status == Pick.OFFERED
    assert first.claim_deadline - before >= MIN_ALTERNATE_WINDOW >= timedelta(days=3)
    assert second.status == Pick.WAITING
    notes = Notification.objects.filter(user=first.entry.student.user).order_by("pk")
    assert [n.message.startswith("You are alternate no. 1") for n in notes] == [True, False]
    assert "passed to you" in notes.last().message
    assert AuditLog.objects.filter(action="draw.pass_to_alternate").count() == 1


def test_the_alternate_gets_as_long_as_the_winners_had_when_that_is_longer(admin, make_draw):
    now = timezone.now()
    draw = make_draw(
        winners_count=1,
        alternates_count=1,
        entry_deadline=now + timedelta(days=1),
        claim_deadline=now + timedelta(days=30),
    )
    entrants(draw, 3)
    perform(draw, admin)
    winner, alternate = picks_of(draw)
    expire(winner)
    pass_to_alternate(actor=admin, winner_id=winner.pk)
    alternate.refresh_from_db()
    assert alternate.claim_deadline - timezone.now() > timedelta(days=29)


def test_the_alternate_can_then_claim(admin, drawn):
    winner, first, _second = picks_of(drawn)
    expire(winner)
    pass_to_alternate(actor=admin, winner_id=winner.pk)
    profile = first.entry.student
    claim_prize(actor=profile.user, winner_id=first.pk)
    assert balance(profile) == 30
    refused("not_offered", claim_prize, actor=winner.entry.student.user, winner_id=winner.pk)


def test_alternates_are_offered_the_prize_in_order(admin, drawn):
    winner, first, second = picks_of(drawn)
    expire(winner)
    assert pass_to_alternate(actor=admin, winner_id=winner.pk).pk == first.pk
    first.refresh_from_db()
    expire(first)
    assert pass_to_alternate(actor=admin, winner_id=first.pk).pk == second.pk


def test_with_no_alternate_left_the_prize_is_forfeited(admin, make_draw):
    draw = make_draw(winners_count=1, alternates_count=0)
    entrants(draw, 2)
    perform(draw, admin)
    (winner,) = picks_of(draw)
    expire(winner)
    notes = Notification.objects.count()
    assert pass_to_alternate(actor=admin, winner_id=winner.pk) is None
    winner.refresh_from_db()
    assert (winner.status, winner.replaced_by) == (Pick.FORFEITED, None)
    assert Notification.objects.count() == notes


def test_a_claimed_or_forfeited_prize_is_not_passed_on(admin, drawn):
    winner, first, _second = picks_of(drawn)
    claim_prize(actor=winner.entry.student.user, winner_id=winner.pk)
    expire(winner)
    refused("not_offered", pass_to_alternate, actor=admin, winner_id=winner.pk)
    refused("not_offered", pass_to_alternate, actor=admin, winner_id=first.pk)


def test_only_admins_pass_prizes_on(drawn, faculty, student):
    winner = picks_of(drawn)[0]
    expire(winner)
    refused("forbidden", pass_to_alternate, actor=faculty, winner_id=winner.pk)
    refused("forbidden", pass_to_alternate, actor=student.user, winner_id=winner.pk)


def test_passing_an_unknown_pick_is_not_found(admin):
    refused("not_found", pass_to_alternate, actor=admin, winner_id=999_999)


# --- verifying ----------------------------------------------------------------------------------


@pytest.fixture
def verified(admin, make_draw):
    draw = make_draw(winners_count=2, alternates_count=2)
    entrants(draw, 12)
    perform(draw, admin)
    return draw


def test_a_fresh_draw_verifies(verified):
    result = verify_draw(verified)
    assert result.ok, result.problems
    assert result.recomputed == result.recorded
    assert len(result.recorded) == 4
    assert result.entry_ids == sorted(
        DrawEntry.objects.filter(draw=verified).values_list("pk", flat=True)
    )
    assert [s.entry_id for s in result.steps] == result.recorded


def test_the_steps_explain_each_pick(verified):
    steps = verify_draw(verified).steps
    assert [s.pick for s in steps] == [0, 1, 2, 3]
    assert [s.remaining for s in steps] == [12, 11, 10, 9]
    assert [s.message for s in steps] == [f"{verified.pk}:{i}" for i in range(4)]
    ids = sorted(DrawEntry.objects.filter(draw=verified).values_list("pk", flat=True))
    for step in steps:
        assert ids.pop(step.index) == step.entry_id
    assert explain_picks(verified.seed, verified.pk, ids, 0) == []


def test_an_entry_added_after_the_draw_fails_verification(verified):
    late = DrawEntry.objects.create(
        draw=verified,
        student=StudentFactory(),
        created_at=verified.performed_at + timedelta(seconds=5),
    )
    result = verify_draw(verified)
    assert not result.ok
    assert any(f"after the draw: {late.pk}" in p for p in result.problems)
    assert any("froze 12 entrants; there are now 13" in p for p in result.problems)


def test_an_entry_slipped_in_with_an_earlier_time_still_fails_verification(verified):
    DrawEntry.objects.create(
        draw=verified,
        student=StudentFactory(),
        created_at=verified.performed_at - timedelta(days=1),
    )
    result = verify_draw(verified)
    assert not result.ok
    assert "The entrant list differs from the one frozen at the draw." in result.problems


def test_a_removed_entry_fails_verification(verified):
    loser = DrawEntry.objects.filter(draw=verified, pick__isnull=True).first()
    loser.delete()
    assert not verify_draw(verified).ok


def test_an_altered_seed_fails_verification(verified):
    Draw.objects.filter(pk=verified.pk).update(seed="00" * 32)
    verified.refresh_from_db()
    result = verify_draw(verified)
    assert not result.ok
    assert "The revealed seed does not match the published commitment." in result.problems


def test_changed_winners_fail_verification(verified):
    first = DrawWinner.objects.get(draw=verified, position=1)
    loser = DrawEntry.objects.filter(draw=verified, pick__isnull=True).first()
    DrawWinner.objects.filter(pk=first.pk).update(entry=loser)
    result = verify_draw(verified)
    assert result.problems == ["Recomputed winners differ from the recorded ones."]


def test_an_open_draw_does_not_verify(draw):
    result = verify_draw(draw)
    assert result.problems == ["The draw has not been performed yet."]
    assert result.steps == [] and result.recomputed == []


def test_the_verify_draw_command_accepts_a_fresh_draw(verified, capsys):
    call_command("verify_draw", verified.pk)
    out = capsys.readouterr().out
    assert f"Draw {verified.pk} verifies." in out
    assert verified.seed in out
    assert f"pick 3: HMAC(seed, '{verified.pk}:3')" in out


def test_the_verify_draw_command_exits_1_after_a_late_entry(verified, capsys):
    DrawEntry.objects.create(
        draw=verified,
        student=StudentFactory(),
        created_at=verified.performed_at + timedelta(seconds=5),
    )
    with pytest.raises(CommandError) as caught:
        call_command("verify_draw", verified.pk)
    assert caught.value.returncode == 1
    assert "MISMATCH: Entries added after the draw" in capsys.readouterr().err


def test_the_verify_draw_command_exits_1_after_the_seed_is_altered(verified, capsys):
    Draw.objects.filter(pk=verified.pk).update(seed="11" * 32)
    with pytest.raises(CommandError) as caught:
        call_command("verify_draw", verified.pk)
    assert caught.value.returncode == 1
    assert "does not match the published commitment" in capsys.readouterr().err


def test_the_verify_draw_command_refuses_an_open_draw_without_revealing_its_seed(draw, capsys):
    with pytest.raises(CommandError) as caught:
        call_command("verify_draw", draw.pk)
    assert caught.value.returncode == 1
    captured = capsys.readouterr()
    assert draw.seed not in captured.out + captured.err
    assert "(not revealed)" in captured.out


def test_the_verify_draw_command_names_an_unknown_draw(db):
    with pytest.raises(CommandError, match="no draw 999999") as caught:
        call_command("verify_draw", 999_999)
    assert caught.value.returncode == 2


# --- the snippet on the verification page -------------------------------------------------------


def run_snippet(snippet: str) -> subprocess.CompletedProcess[str]:
    """In a plain, isolated python3: no project, no site-packages, no environment."""
    return subprocess.run(  # noqa: S603 - our own interpreter, running the page's own snippet
        [sys.executable, "-I", "-c", snippet], capture_output=True, text=True, timeout=30
    )


def test_the_snippet_prints_exactly_the_recorded_picks(verified):
    result = verify_draw(verified)
    ran = run_snippet(verification_snippet(verified, result.entry_ids))
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == f"{result.recorded}\n"


def test_the_snippet_survives_an_awkward_title(admin, make_draw):
    draw = make_draw(title='Quiz "night"\nprint("pwned") # \\ \'', alternates_count=0)
    entrants(draw, 3)
    perform(draw, admin)
    result = verify_draw(draw)
    ran = run_snippet(verification_snippet(draw, result.entry_ids))
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == f"{result.recorded}\n"


def test_the_snippet_refuses_a_seed_that_does_not_match_the_commitment(verified):
    Draw.objects.filter(pk=verified.pk).update(seed="22" * 32)
    verified.refresh_from_db()
    ran = run_snippet(verification_snippet(verified, verify_draw(verified).entry_ids))
    assert ran.returncode != 0
    assert "the seed does not match the commitment" in ran.stderr


def test_the_snippet_of_an_open_draw_does_not_contain_the_seed(draw):
    entrants(draw, 2)
    assert draw.seed not in verification_snippet(draw, [])


def test_who_takes_part_cannot_change_once_students_have_entered(admin, student):
    from portal.services.draws import DrawError, enter_draw, save_draw
    from tests.factories import DrawFactory, EventFactory

    draw = DrawFactory(created_by=admin)
    enter_draw(actor=student.user, draw_id=draw.pk)
    draw.event = EventFactory()
    with pytest.raises(DrawError) as refused:
        save_draw(actor=admin, draw=draw)
    assert refused.value.code == "has_entrants"
    draw.refresh_from_db()
    assert draw.event_id is None
    draw.title = "A better title"  # other fields still change
    save_draw(actor=admin, draw=draw)
    draw.refresh_from_db()
    assert draw.title == "A better title"


def test_the_worker_passes_on_every_prize_past_its_deadline(won, student, admin, make_draw):
    pick = won(prize="A hoodie", alternates_count=0)
    expire(pick)
    still_open = won(prize="A mug")
    assert expire_unclaimed_prizes() == 1
    pick.refresh_from_db()
    still_open.refresh_from_db()
    assert (pick.status, still_open.status) == (Pick.FORFEITED, Pick.OFFERED)
    audit = AuditLog.objects.get(action="draw.pass_to_alternate")
    assert audit.actor is None  # the scheduled job, not a person
    assert expire_unclaimed_prizes() == 0  # nothing left to pass on


def test_the_worker_offers_an_expired_prize_to_the_next_alternate(admin, make_draw):
    draw = make_draw(winners_count=1, alternates_count=1)
    entrants(draw, 3)
    perform(draw, admin)
    winner = DrawWinner.objects.get(draw=draw, position=1)
    expire(winner)
    assert expire_unclaimed_prizes() == 1
    alternate = DrawWinner.objects.get(draw=draw, position=2)
    assert alternate.status == Pick.OFFERED
    assert Notification.objects.filter(
        user=alternate.entry.student.user, message__contains="passed to you"
    ).exists()


@pytest.mark.parametrize("count", [1, 2, 7, 60, 2000])
def test_the_snippet_wraps_entry_ids_as_textwrap_would(count):
    """The verification program's entrant list is laid out by a plain loop (textwrap.fill was
    2 ms of the verify page); it must write exactly what textwrap wrote."""
    import random
    import textwrap

    from portal.services.draws import _wrapped_ids

    rng = random.Random(count)
    for _ in range(20):
        ids = sorted(rng.sample(range(1, 10 ** rng.randint(1, 7) + count + 1), count))
        expected = textwrap.fill(
            ", ".join(map(str, ids)) + ",",
            width=96,
            initial_indent="    ",
            subsequent_indent="    ",
        )
        assert _wrapped_ids(ids) == expected
        assert max(len(line) for line in expected.splitlines()) <= 96
