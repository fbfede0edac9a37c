"""A student's level and badges, for the dashboard and the settings page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.domain.levels import LevelProgress, all_levels, level_for
from portal.models import Achievement, Milestone, StudentProfile


@dataclass(frozen=True)
class Badge:
    code: str
    name: str
    how: str  # how to earn it, shown while it is not earned
    achieved_at: datetime | None
    is_level: bool = False

    @property
    def earned(self) -> bool:
        return self.achieved_at is not None


class BadgeList(list[Badge]):
    @property
    def earned_count(self) -> int:
        return sum(1 for badge in self if badge.earned)


def how_to_earn(code: str) -> str:
    return {
        Milestone.FIRST_AWARD: _("Receive points from a member of staff."),
        Milestone.FIRST_EVENT: _("Check in to an event."),
        Milestone.EVENTS_5: _("Check in to 5 events."),
        Milestone.EVENTS_10: _("Check in to 10 events."),
        Milestone.FIRST_REDEMPTION: _("Redeem a reward."),
        Milestone.FIRST_CLAIM: _("Have an activity claim approved."),
        Milestone.FIRST_TASK: _("Complete a task and have it approved."),
        Milestone.FIRST_PRIZE: _("Win a draw and claim a points prize."),
    }[Milestone(code)]


def level_of(profile: StudentProfile) -> LevelProgress:
    """The student's level and progress to the next, from the cached lifetime total (no query)."""
    return level_for(profile.lifetime_points)


def badges_for(profile: StudentProfile) -> BadgeList:
    """Every badge there is, milestones then levels in a fixed order, each with the time this
    student earned it or None. One query, whatever the number of badges."""
    earned = dict(
        Achievement.objects.filter(student=profile).order_by().values_list("code", "achieved_at")
    )
    badges = BadgeList(
        Badge(m.value, str(m.label), how_to_earn(m.value), earned.get(m.value)) for m in Milestone
    )
    for level in all_levels():
        if level.threshold == 0:
            continue  # everybody starts there: not a badge
        how = ngettext(
            "Reach %(n)s lifetime point.", "Reach %(n)s lifetime points.", level.threshold
        ) % {"n": f"{level.threshold:,}"}
        badges.append(Badge(level.code, level.label, how, earned.get(level.code), is_level=True))
    return badges
