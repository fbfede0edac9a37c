"""Levels and milestones reached, recorded once per student and announced with a notification.

`after_entry` is called by `ledger.post_entry` for every point movement, inside its transaction
and under the student's profile lock, so one student's entries are checked one at a time. It is
on the award hot path, hence the budget: the level check is arithmetic on the cached lifetime
total; a milestone check costs one indexed query, and only for the kinds of entry that can reach
one (most entries cost nothing more). The unique (student, code) constraint is the last line: a
second insert fails in its own savepoint and notifies nobody. Badges are never taken back, so a
level lost through a deduction and reached again is not announced twice."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.models import Achievement, CheckIn, Milestone, Notification, StudentProfile, Transaction

from .levels import levels_crossed
from .notifications import notify

Kind = Transaction.Kind

# The first entry of these kinds is a milestone. Reversals have their own kind, so taking an
# award back never counts as one.
FIRST_OF_KIND = {
    Kind.AWARD: Milestone.FIRST_AWARD,
    Kind.REDEMPTION: Milestone.FIRST_REDEMPTION,
    Kind.CLAIM: Milestone.FIRST_CLAIM,
    Kind.TASK: Milestone.FIRST_TASK,
    Kind.PRIZE: Milestone.FIRST_PRIZE,
}
# Check-ins are never deleted and each is counted under the profile lock, so the count passes
# each of these numbers exactly once.
NTH_EVENT = {1: Milestone.FIRST_EVENT, 5: Milestone.EVENTS_5, 10: Milestone.EVENTS_10}


def milestone_message(code: str) -> str:
    messages = {
        Milestone.FIRST_AWARD: _("New badge: First award. You received your first points."),
        Milestone.FIRST_EVENT: _("New badge: First event. You checked in to your first event."),
        Milestone.EVENTS_5: _("New badge: Five events. You have attended 5 events."),
        Milestone.EVENTS_10: _("New badge: Ten events. You have attended 10 events."),
        Milestone.FIRST_REDEMPTION: _("New badge: First reward. You redeemed your first reward."),
        Milestone.FIRST_CLAIM: _("New badge: First claim approved. Your activity was credited."),
        Milestone.FIRST_TASK: _("New badge: First task done. Your first task was approved."),
        Milestone.FIRST_PRIZE: _("New badge: Prize winner. You claimed your first draw prize."),
    }
    return messages[Milestone(code)]


def after_entry(profile: StudentProfile, entry: Transaction) -> list[str]:
    """Record and announce every level and milestone that `entry` reached for `profile`.

    Called by `post_entry` after the cached totals moved; the caller holds the profile lock.
    Returns the codes newly recorded (for tests and callers that want to say more)."""
    reached: list[tuple[str, str]] = []
    if entry.counts_for_lifetime:
        before = profile.lifetime_points - entry.amount
        for level in levels_crossed(before, profile.lifetime_points):
            message = _("New level: %(level)s. You have %(points)s lifetime points.") % {
                "level": level.name,
                "points": profile.lifetime_points,
            }
            reached.append((level.code, message))
    code = FIRST_OF_KIND.get(entry.kind)
    if code is not None and not Achievement.objects.filter(student=profile, code=code).exists():
        reached.append((code, milestone_message(code)))
    if entry.kind == Kind.ATTENDANCE:
        code = NTH_EVENT.get(CheckIn.objects.filter(student=profile).count())
        if code is not None:
            reached.append((code, milestone_message(code)))
    return [code for code, message in reached if _record(profile, code, message, entry.created_at)]


def prize_claimed(profile: StudentProfile, at: datetime) -> bool:
    """A prize that moved no points (a reward, or one described in words) still earns the
    prize badge; points prizes earn it through their ledger entry. Caller holds the lock."""
    code = Milestone.FIRST_PRIZE
    return _record(profile, code, milestone_message(code), at)


def _record(profile: StudentProfile, code: str, message: str, at: datetime) -> bool:
    try:
        with transaction.atomic():  # a savepoint: a duplicate leaves the caller's work intact
            Achievement.objects.create(student=profile, code=code, achieved_at=at)
    except IntegrityError:
        return False  # already reached (a level regained after a deduction): say nothing
    notify(
        profile.user,
        kind=Notification.Kind.MILESTONE,
        message=message,
        link=reverse("portal:settings") + "#badges",
    )
    return True
