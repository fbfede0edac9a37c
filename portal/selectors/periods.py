"""Calendar periods used by the leaderboard and dashboards, in the portal's time zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Period(models.TextChoices):
    ALL = "all", _("All time")
    TERM = "term", _("This term")
    MONTH = "month", _("This month")
    WEEK = "week", _("This week")


def _midnight(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def term_start(now: datetime) -> datetime:
    """The latest configured term start (UPAS_TERM_STARTS, "MM-DD") on or before `now`."""
    return _term_start_on(now.date(), now.tzinfo, tuple(settings.UPAS_TERM_STARTS))


@lru_cache(maxsize=64)
def _term_start_on(day: date, zone: tzinfo | None, term_starts: tuple[str, ...]) -> datetime:
    """`term_start` for any moment of `day`: a term starts at a midnight, which is on or
    before every moment of the days from its own. Kept per day (and settings), as every
    ledger entry that counts for the term asks it."""
    starts = []
    for year in (day.year - 1, day.year):
        for month_day in term_starts:
            month, month_day_number = (int(p) for p in month_day.split("-"))
            starts.append(datetime(year, month, month_day_number, tzinfo=zone))
    return max(s for s in starts if s.date() <= day)


def period_start(period: str, now: datetime | None = None) -> datetime | None:
    """When the period began; None for all time."""
    now = timezone.localtime(now)
    if period == Period.WEEK:
        return _midnight(now - timedelta(days=now.weekday()))
    if period == Period.MONTH:
        return _midnight(now.replace(day=1))
    if period == Period.TERM:
        return term_start(now)
    return None


def local_midnight(day: date) -> datetime:
    """00:00 of `day` in settings.TIME_ZONE (not a zone a request may have activated: reports
    and charts are the same whoever looks). Europe's DST changes never skip midnight."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())
