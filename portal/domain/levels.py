"""Levels from lifetime points: pure arithmetic over the `UPAS_LEVELS` setting, no queries.

Settings import `parse_levels` from here to validate `LEVELS` at startup, so this module must
not import models or read settings at import time."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.utils.text import slugify
from django.utils.translation import gettext, gettext_noop

DEFAULT_LEVELS = "Newcomer:0,Bronze:100,Silver:300,Gold:750,Platinum:1500"
# The default names, for the catalogue; a university's own names show as configured unless the
# catalogue has them too.
DEFAULT_NAMES = (
    gettext_noop("Newcomer"),
    gettext_noop("Bronze"),
    gettext_noop("Silver"),
    gettext_noop("Gold"),
    gettext_noop("Platinum"),
)


@dataclass(frozen=True)
class Level:
    name: str
    threshold: int

    @property
    def label(self) -> str:
        """The name in the reader's language (the code stays the configured name's)."""
        return gettext(self.name)

    @property
    def code(self) -> str:
        """The achievement code recorded when a student first reaches this level."""
        return f"level-{slugify(self.name)}"


@dataclass(frozen=True)
class LevelProgress:
    """Where a lifetime total stands: the level, the next one (None at the top), how many
    points are still missing and the progress through the current level's band (0-100)."""

    points: int
    level: Level
    next: Level | None
    points_to_go: int
    percent: int

    @property
    def is_top(self) -> bool:
        return self.next is None

    @property
    def value(self) -> int:
        """The points for a progress bar, kept inside the band (a deduction can go below 0)."""
        return max(self.points, self.level.threshold)


def parse_levels(text: str) -> list[tuple[str, int]]:
    """Parse "Name:threshold,Name:threshold,..." and validate it (see `validate_levels`)."""
    levels = []
    for item in text.split(","):
        name, sep, threshold = item.strip().rpartition(":")
        if not sep or not name.strip() or not threshold.strip().isdigit():
            raise ImproperlyConfigured(
                f'LEVELS: "{item.strip()}" is not "Name:points" (e.g. "Bronze:100").'
            )
        levels.append((name.strip(), int(threshold)))
    validate_levels(levels)
    return levels


def validate_levels(levels: Sequence[tuple[str, int]]) -> None:
    """Raise ImproperlyConfigured unless the levels start at 0, rise strictly and have
    distinct names (names become achievement codes, so two must not slugify alike)."""
    if not levels:
        raise ImproperlyConfigured("UPAS_LEVELS needs at least one level.")
    thresholds = [threshold for _, threshold in levels]
    if thresholds[0] != 0:
        raise ImproperlyConfigured("UPAS_LEVELS: the first level must start at 0 points.")
    if any(b <= a for a, b in itertools.pairwise(thresholds)):
        raise ImproperlyConfigured(
            "UPAS_LEVELS: thresholds must be sorted and unique (each higher than the last)."
        )
    slugs = [slugify(name) for name, _ in levels]
    if not all(slugs) or len(set(slugs)) != len(slugs):
        raise ImproperlyConfigured("UPAS_LEVELS: level names must be present and distinct.")


def all_levels(levels: Sequence[tuple[str, int]] | None = None) -> list[Level]:
    """The ladder, lowest first: `levels` or else settings.UPAS_LEVELS."""
    if levels is None:
        from django.conf import settings

        levels = settings.UPAS_LEVELS
    return [Level(name, threshold) for name, threshold in levels]


def level_for(
    lifetime_points: int, levels: Sequence[tuple[str, int]] | None = None
) -> LevelProgress:
    """The level for a lifetime total. Below 0 (deductions) still counts as the first level."""
    ladder = all_levels(levels)
    index = 0
    for i, level in enumerate(ladder):
        if lifetime_points >= level.threshold:
            index = i
    current = ladder[index]
    following = ladder[index + 1] if index + 1 < len(ladder) else None
    if following is None:
        return LevelProgress(lifetime_points, current, None, 0, 100)
    span = following.threshold - current.threshold
    done = max(lifetime_points - current.threshold, 0)
    return LevelProgress(
        points=lifetime_points,
        level=current,
        next=following,
        points_to_go=following.threshold - lifetime_points,
        percent=min(done * 100 // span, 99),
    )


def levels_crossed(
    before: int, after: int, levels: Sequence[tuple[str, int]] | None = None
) -> list[Level]:
    """Every level reached by going from `before` to `after` lifetime points, lowest first
    (one award can cross several). The starting level (0 points) is never "reached"."""
    if after <= before:
        return []
    return [
        level
        for level in all_levels(levels)
        if level.threshold > 0 and before < level.threshold <= after
    ]
