"""Fixed-window limits kept in the shared cache (django-ratelimit's counters; Redis in
production, which the production settings require: per-process counters are not limits).

`consume` counts one hit and says whether the limit is now passed; `exceeded` only looks, and
`first_full` looks at several limits at once.
Keys are plain strings (a student, an event, an address), so services can limit what they
see without a request."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django_ratelimit import ALL
from django_ratelimit.core import _get_window, _make_cache_key, _split_rate, get_usage


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


def first_full(*limits: tuple[str, str, str]) -> Usage:
    """The first of the (group, value, rate) limits whose window is full, as `exceeded` says
    of each; not limited when none is. One cache round trip (MGET) for them all, and nothing
    written: `exceeded` adds the window's key when it is missing, then reads it, so two limits
    cost three or four round trips on every check-in with a typed code. The keys and windows
    are django-ratelimit's own (its key and window functions, the version pinned in
    requirements); tests/test_ratelimit.py checks the two agree."""
    if not getattr(settings, "RATELIMIT_ENABLE", True):
        return Usage(limited=False, seconds_left=0)
    windows = []
    for group, value, rate in limits:
        limit, period = _split_rate(rate)
        window = _get_window(value, period)
        windows.append((_make_cache_key(group, window, rate, value, ALL), limit, window))
    counts = caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")].get_many(
        [key for key, _limit, _window in windows]
    )
    now = int(time.time())
    for key, limit, window in windows:
        if counts.get(key, 0) >= limit:
            return Usage(limited=True, seconds_left=max(window - now, 1))
    return Usage(limited=False, seconds_left=0)
