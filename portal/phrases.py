"""Phrases several surfaces say the same way, so one translation serves them all."""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.translation import ngettext


def points_phrase(count: int, *, grouped: bool = False) -> str:
    """The count with its noun ("1 point", "3 points") in each language's plural forms.
    `grouped` writes the digits with the locale's thousands separator (documents); chat
    messages keep them plain."""
    shown = number_format(count, force_grouping=True) if grouped else count
    return ngettext("%(count)s point", "%(count)s points", count) % {"count": shown}
