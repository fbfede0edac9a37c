"""Draws racing each other: performed once, one entry per student, a prize claimed and passed
on once, and no entry slipping in while a draw is performed. Real threads and connections; on
SQLite the IMMEDIATE transactions queue, on PostgreSQL the draw's row lock does."""

from __future__ import annotations

from collections import Counter

import pytest

from portal.models import Draw, DrawEntry, DrawWinner, Notification, Role, Transaction
from portal.services.draws import (
    claim_prize,
    enter_draw,
    pass_to_alternate,
    perform_draw,
    verify_draw,
)
from tests.concurrency.threads import run_at_once
from tests.draws.conftest import expire
from tests.factories import DrawFactory, StudentFactory, UserFactory
from tests.helpers import assert_ledger_consistent, let_entries_close

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_admins_performing_the_same_draw_at_once_perform_it_once(admin):
    other_admin = UserFactory(role=Role.ADMIN)
    draw = DrawFactory(created_by=admin, winners_count=2, alternates_count=2)
    students = [StudentFactory() for _ in range(10)]
    for s in students:
        enter_draw(actor=s.user, draw_id=draw.pk)

    let_entries_close(draw)
    outcomes = run_at_once(
        [
            lambda: perform_draw(actor=admin, draw_id=draw.pk),
            lambda: perform_draw(actor=other_admin, draw_id=draw.pk),
        ]
    )
    assert outcomes == Counter({"ok": 1, "already_drawn": 1})
    draw.refresh_from_db()
    assert draw.status == Draw.Status.DRAWN
    assert draw.performed_by in (admin, other_admin)
    assert DrawWinner.objects.filter(draw=draw).count() == 4
    assert Notification.objects.filter(kind=Notification.Kind.DRAW).count() == 4
    assert verify_draw(draw).ok


def test_ten_performs_of_the_same_draw_at_once_perform_it_once(admin):
    draw = DrawFactory(created_by=admin, winners_count=1, alternates_count=1)
    for s in [StudentFactory() for _ in range(5)]:
        enter_draw(actor=s.user, draw_id=draw.pk)
    let_entries_close(draw)
    outcomes = run_at_once([lambda: perform_draw(actor=admin, draw_id=draw.pk)] * 10)
    assert outcomes == Counter({"ok": 1, "already_drawn": 9})
    assert DrawWinner.objects.filter(draw=draw).count() == 2


def test_thirty_enters_from_one_student_at_once_make_one_entry(admin):
    draw = DrawFactory(created_by=admin)
    student = StudentFactory()
    outcomes = run_at_once([lambda: enter_draw(actor=student.user, draw_id=draw.pk)] * 30)
    assert outcomes == Counter({"ok": 30})  # entering is idempotent: every call gets the entry
    assert DrawEntry.objects.filter(draw=draw, student=student).count() == 1


def test_entries_racing_the_draw_are_either_in_the_frozen_list_or_refused(admin):
    draw = DrawFactory(created_by=admin, winners_count=3, alternates_count=0)
    early = [StudentFactory() for _ in range(3)]
    for s in early:
        enter_draw(actor=s.user, draw_id=draw.pk)
    late = [StudentFactory() for _ in range(20)]

    def enter(student):
        return lambda: enter_draw(actor=student.user, draw_id=draw.pk)

    def perform():  # entries still open: the admin closes them early, explicitly
        return perform_draw(actor=admin, draw_id=draw.pk, close_entries_early=True)

    outcomes = run_at_once([perform] + [enter(s) for s in late])
    assert sum(outcomes.values()) == 21
    assert set(outcomes) <= {"ok", "ineligible"}
    draw.refresh_from_db()
    entries = DrawEntry.objects.filter(draw=draw).count()
    # Every entry that got in did so before the draw froze the list; the rest were refused.
    assert draw.entrant_count == entries == 3 + outcomes["ok"] - 1
    assert outcomes["ineligible"] == 20 - (entries - 3)
    assert verify_draw(draw).ok


def test_ten_claims_of_the_same_prize_at_once_credit_it_once(admin):
    draw = DrawFactory(created_by=admin, prize_points=75, alternates_count=0)
    student = StudentFactory()
    enter_draw(actor=student.user, draw_id=draw.pk)
    let_entries_close(draw)
    pick = perform_draw(actor=admin, draw_id=draw.pk).winners[0]

    outcomes = run_at_once([lambda: claim_prize(actor=student.user, winner_id=pick.pk)] * 10)
    assert outcomes == Counter({"ok": 1, "already_claimed": 9})
    assert Transaction.objects.filter(kind=Transaction.Kind.PRIZE).count() == 1
    student.refresh_from_db()
    assert (student.balance, student.lifetime_points) == (75, 75)
    assert_ledger_consistent()


def test_two_admins_passing_the_same_prize_on_at_once_offer_it_once(admin):
    other_admin = UserFactory(role=Role.ADMIN)
    draw = DrawFactory(created_by=admin, winners_count=1, alternates_count=2)
    for s in [StudentFactory() for _ in range(5)]:
        enter_draw(actor=s.user, draw_id=draw.pk)
    let_entries_close(draw)
    perform_draw(actor=admin, draw_id=draw.pk)
    winner = DrawWinner.objects.get(draw=draw, position=1)
    expire(winner)
    notes = Notification.objects.count()

    outcomes = run_at_once(
        [
            lambda: pass_to_alternate(actor=admin, winner_id=winner.pk),
            lambda: pass_to_alternate(actor=other_admin, winner_id=winner.pk),
        ]
        * 3
    )
    assert outcomes == Counter({"ok": 1, "not_offered": 5})
    statuses = list(DrawWinner.objects.filter(draw=draw).order_by("position"))
    assert [p.status for p in statuses] == ["forfeited", "offered", "waiting"]
    assert Notification.objects.count() == notes + 1
