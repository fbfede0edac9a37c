"""Shared setup for the draws tests: an open draw by `admin`, students entering it through the
real service, and a check that every test leaves the ledger consistent (invariant 1)."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from portal.domain import draw_algorithm
from portal.domain.draw_algorithm import commitment
from portal.models import Draw, DrawEntry, DrawWinner, Event, StudentProfile, User
from portal.services import draws as draw_services
from portal.services import events as event_services
from tests.factories import DrawFactory, EventFactory, StudentFactory
from tests.helpers import assert_ledger_consistent, let_entries_close

Pick = DrawWinner.Status


@pytest.fixture(autouse=True)
def _ledger_still_balances(db):
    """Whatever a test does, every cached balance still matches the ledger (check_ledger)."""
    yield
    assert_ledger_consistent()


@pytest.fixture
def draw(admin) -> Draw:
    """Open, students enter themselves, one winner and one alternate, a hoodie."""
    return DrawFactory(created_by=admin, title="Spring draw")


@pytest.fixture
def make_draw(admin) -> Callable[..., Draw]:
    def make(**fields: object) -> Draw:
        return DrawFactory(created_by=admin, **fields)

    return make


def enter(draw: Draw, *profiles: StudentProfile) -> list[DrawEntry]:
    return [draw_services.enter_draw(actor=p.user, draw_id=draw.pk) for p in profiles]


def entrants(draw: Draw, count: int) -> list[StudentProfile]:
    """`count` new students, each entered into `draw` through the service."""
    profiles = [StudentFactory() for _ in range(count)]
    enter(draw, *profiles)
    return profiles


def perform(draw: Draw, admin: User) -> draw_services.PerformResult:
    let_entries_close(draw)
    result = draw_services.perform_draw(actor=admin, draw_id=draw.pk)
    draw.refresh_from_db()
    return result


def rig_for(draw: Draw, profile: StudentProfile) -> None:
    """Give an open draw a seed (and its commitment) under which `profile`, already entered,
    is among the winners: tests that need a known winner among many entrants. Done before the
    draw, as if the server had picked that seed at creation, so the draw still verifies."""
    entry_ids = list(DrawEntry.objects.filter(draw=draw).values_list("pk", flat=True))
    mine = DrawEntry.objects.get(draw=draw, student=profile).pk
    for i in itertools.count():
        seed = hashlib.sha256(f"rig {i}".encode()).hexdigest()
        if mine in draw_algorithm.pick_winners(seed, draw.pk, entry_ids, draw.winners_count):
            Draw.objects.filter(pk=draw.pk).update(seed=seed, commitment=commitment(seed))
            draw.refresh_from_db()
            return


def pick_of(draw: Draw, profile: StudentProfile) -> DrawWinner | None:
    return DrawWinner.objects.filter(draw=draw, entry__student=profile).first()


def expire(pick: DrawWinner) -> None:
    """Move a pick's claim deadline into the past (as if time had passed)."""
    DrawWinner.objects.filter(pk=pick.pk).update(
        claim_deadline=timezone.now() - timedelta(minutes=1)
    )


@pytest.fixture
def event(faculty, category) -> Event:
    """Published, check-in window open now."""
    return EventFactory(organiser=faculty, category=category, title="Open day")


def check_in(event: Event, *profiles: StudentProfile, by: User) -> None:
    for profile in profiles:
        event_services.check_in(actor=by, event_id=event.pk, student_id=profile.pk)
