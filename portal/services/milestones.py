"""Levels and milestones reached, recorded once per student and announced with a notification.

`reached_by` is called by `ledger.post_entry` for every point movement, inside its transaction
and under the student's profile lock, so one student's entries are checked one at a time. It is
on the award hot path, hence the budget: no query at all. Levels are arithmetic on the cached
lifetime total; the fixed milestones a student has are cached on the profile
(`StudentProfile.milestones`, saved with the balance), and so is their check-in count. The
unique (student, code) constraint is the last line: a second insert fails in its own savepoint
and notifies nobody. Badges are never taken back, so a level lost through a deduction and
reached again is not announced twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.domain.levels import Level, levels_crossed
from portal.models import Achievement, Milestone, Notification, StudentProfile, Transaction

from .notifications import in_language_of, notify
from .rows import insert_once

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


def reached_by(profile: StudentProfile, entry: Transaction) -> list[tuple[str, str]]:
    """The levels and milestones `entry` reaches for `profile`, as (code, message), with the
    profile's milestone caches moved in memory (the caller saves them with the balance).

    Called by `post_entry` after the totals moved, under the profile lock. No query: levels
    are arithmetic on the lifetime total, fixed milestones are looked up in
    `profile.milestones`, and check-ins are counted in `profile.checkins_count`."""
    # Messages are written only when something was reached, in the student's language.
    found: list[tuple[str, Callable[[], str]]] = []
    if entry.counts_for_lifetime:
        before = profile.lifetime_points - entry.amount
        for level in levels_crossed(before, profile.lifetime_points):
            found.append((level.code, partial(_level_message, level, profile.lifetime_points)))
    code = FIRST_OF_KIND.get(entry.kind)
    if code is not None and code not in profile.milestones:
        found.append((code, partial(milestone_message, code)))
    if entry.kind == Kind.ATTENDANCE:
        profile.checkins_count += 1
        code = NTH_EVENT.get(profile.checkins_count)
        if code is not None and code not in profile.milestones:
            found.append((code, partial(milestone_message, code)))
    if not found:
        return []
    profile.milestones = sorted(
        {*profile.milestones, *(c for c, _m in found if not c.startswith("level-"))}
    )
    with in_language_of(profile.user):
        return [(code, message()) for code, message in found]


def _level_message(level: Level, points: int) -> str:
    return ngettext(
        "New level: %(level)s. You have %(points)s lifetime point.",
        "New level: %(level)s. You have %(points)s lifetime points.",
        points,
    ) % {"level": level.label, "points": points}


def record_reached(
    profile: StudentProfile, reached: list[tuple[str, str]], at: datetime
) -> list[str]:
    """Record and announce what `reached_by` found; returns the codes newly recorded."""
    return [code for code, message in reached if _record(profile, code, message, at)]


def prize_claimed(profile: StudentProfile, at: datetime) -> bool:
    """A prize that moved no points (a reward, or one described in words) still earns the
    prize badge; points prizes earn it through their ledger entry. Caller holds the lock."""
    code = Milestone.FIRST_PRIZE
    if code in profile.milestones:
        return False
    profile.milestones = sorted({*profile.milestones, code})
    profile.save(update_fields=["milestones"])
    with in_language_of(profile.user):
        message = milestone_message(code)
    return _record(profile, code, message, at)


def _record(profile: StudentProfile, code: str, message: str, at: datetime) -> bool:
    # ON CONFLICT DO NOTHING: a duplicate leaves the caller's transaction usable without a
    # savepoint (two round trips fewer on a student's first check-in, award or redemption).
    if not insert_once(Achievement(student=profile, code=code, achieved_at=at)):
        return False  # already reached (a level regained after a deduction): say nothing
    notify(
        profile.user,
        kind=Notification.Kind.MILESTONE,
        message=message,
        link=reverse("portal:settings") + "#badges",
    )
    return True
