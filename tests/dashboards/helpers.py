"""Builders for the dashboard tests: entries at chosen moments, made through the real services.

Awards and deductions are backdated with the services' own `at=`; redemptions, prize handovers
and check-ins have no such argument, so they are made through their service and then moved to
the wanted moment (only `created_at` changes, which is all the statistics read)."""

from __future__ import annotations

from datetime import datetime, timedelta
from unittest.mock import patch
from zoneinfo import ZoneInfo

from django.utils import timezone

from portal.models import CheckIn, Event, Redemption, Reward, StudentProfile, Transaction, User
from portal.services import draws as draw_services
from portal.services import events as event_services
from portal.services import ledger
from tests.conftest import key
from tests.factories import DrawFactory, EventFactory, RewardFactory
from tests.helpers import award, let_entries_close, redeem


def local(*parts: int, tz: str = "Europe/London") -> datetime:
    """An aware datetime on the wall clock of `tz`: local(2026, 3, 30, 0, 30)."""
    return datetime(*parts, tzinfo=ZoneInfo(tz))


def utc(*parts: int) -> datetime:
    return local(*parts, tz="UTC")


def award_at(actor: User, profile: StudentProfile, category, amount: int, when: datetime):
    return award(actor, profile, category, amount, reason="Lab work", at=when)


def deduct_at(actor: User, profile: StudentProfile, amount: int, when: datetime) -> Transaction:
    return ledger.deduct_points(
        actor=actor,
        student_id=profile.pk,
        amount=amount,
        reason="Late",
        idempotency_key=key(),
        at=when,
    )


def redeem_at(profile: StudentProfile, when: datetime, reward: Reward | None = None) -> Redemption:
    """A redemption the student made (they need at least 10 points)."""
    redemption = redeem(profile, reward or RewardFactory(cost=10, stock=1000))
    Redemption.objects.filter(pk=redemption.pk).update(created_at=when)
    return redemption


def _win(admin: User, profile: StudentProfile, claimed_at: datetime | None = None, **prize: object):
    draw = DrawFactory(created_by=admin, alternates_count=0, **prize)
    draw_services.enter_draw(actor=profile.user, draw_id=draw.pk)
    let_entries_close(draw)
    draw_services.perform_draw(actor=admin, draw_id=draw.pk)
    pick = draw.winners.get()
    # Ledger entries are immutable, so a points prize is claimed with the clock set back (the
    # claim must still be before the prize's deadline, which is weeks from the real now).
    with patch("django.utils.timezone.now", return_value=claimed_at or timezone.now()):
        draw_services.claim_prize(actor=profile.user, winner_id=pick.pk)
    return pick


def prize_handover_at(admin: User, profile: StudentProfile, when: datetime) -> Redemption:
    """A reward won in a draw and claimed: a free redemption with `prize` set."""
    pick = _win(admin, profile, reward=RewardFactory(name="Prize hoodie"))
    redemption = Redemption.objects.get(prize=pick)
    Redemption.objects.filter(pk=redemption.pk).update(created_at=when)
    return redemption


def points_prize_at(admin: User, profile: StudentProfile, points: int, when: datetime):
    """Points won in a draw: a merit entry with no category and no actor."""
    pick = _win(admin, profile, claimed_at=when, prize_points=points)
    entry = Transaction.objects.get(draw_winner=pick)
    assert entry.created_at == when
    return entry


def open_event(organiser: User, **fields: object) -> Event:
    """A published event open for check-in now (the factory's default)."""
    return EventFactory(organiser=organiser, **fields)


def checkin_at(event: Event, profile: StudentProfile, when: datetime) -> CheckIn:
    """The organiser checks the student in (the event must be open now), dated `when`."""
    checkin = event_services.check_in(
        actor=event.organiser, event_id=event.pk, student_id=profile.pk
    )
    CheckIn.objects.filter(pk=checkin.pk).update(created_at=when)
    return checkin


def move_event(event: Event, starts_at: datetime, **fields: object) -> None:
    """Move an event (after its check-ins) to start at `starts_at`, lasting two hours."""
    Event.objects.filter(pk=event.pk).update(
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=2), **fields
    )
