"""Fixed-window limits kept in the shared cache (django-ratelimit's counters; Redis in
production, which the production settings require: per-process counters are not limits).

`consume` counts one hit and says whether the limit is now passed; `exceeded` only looks.
Keys are plain strings (a student, an event, an address), so services can limit what they
see without a request."""

from __future__ import annotations

from dataclasses import dataclass

from django_ratelimit.core import get_usage


@dataclass(frozen=True)
class Usage:
    limited: bool
    seconds_left: int


def _usage(group: str, value: str, rate: str, *, increment: bool) -> Usage:
    usage = get_usage(
        None, group=group, key=lambda _group, _request: value, rate=rate, increment=increment
    )
    if usage is None:  # RATELIMIT_ENABLE is off
        return Usage(limited=False, seconds_left=0)
    # Without increment a window at its limit is full; with it, one more passes the limit.
    limited = usage["should_limit"] if increment else usage["count"] >= usage["limit"]
    return Usage(limited=limited, seconds_left=max(usage["time_left"], 1))


def consume(group: str, value: str, rate: str) -> Usage:
    return _usage(group, value, rate, increment=True)


def exceeded(group: str, value: str, rate: str) -> Usage:
    return _usage(group, value, rate, increment=False)
