"""`first_full` reads several limits in one cache round trip and says what `exceeded` says of
each (issue 17): the same keys and windows as django-ratelimit, and nothing written."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from portal import ratelimit
from portal.ratelimit import consume, exceeded, first_full

LIMITS = [("t-user", "41", "3/m"), ("t-event", "7", "5/h")]


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize(("user_hits", "event_hits"), [(0, 0), (2, 4), (3, 0), (0, 5), (4, 6)])
def test_it_agrees_with_exceeded_for_every_count(user_hits, event_hits):
    for _ in range(user_hits):
        consume(*LIMITS[0])
    for _ in range(event_hits):
        consume(*LIMITS[1])
    each = [exceeded(*limit) for limit in LIMITS]
    full = [usage for usage in each if usage.limited]
    together = first_full(*LIMITS)
    assert together.limited == bool(full)
    if full:
        assert together.seconds_left == full[0].seconds_left  # the first full one's window
        assert together.seconds_left >= 1


class RecordingCache:
    """The test cache, recording every call; only reads are allowed."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str]]] = []

    def get_many(self, keys):
        self.calls.append(("get_many", list(keys)))
        return cache.get_many(keys)

    def __getattr__(self, name):
        raise AssertionError(f"first_full called cache.{name}")


def test_it_reads_every_limit_in_one_round_trip_and_writes_nothing(monkeypatch):
    consume(*LIMITS[0])
    before = [exceeded(*limit) for limit in LIMITS]
    recording = RecordingCache()
    monkeypatch.setattr(ratelimit, "caches", {"default": recording})
    first_full(*LIMITS)
    assert [(name, len(keys)) for name, keys in recording.calls] == [("get_many", 2)]
    monkeypatch.undo()
    assert [exceeded(*limit) for limit in LIMITS] == before


def test_it_is_off_when_ratelimits_are(settings):
    for _ in range(10):
        consume(*LIMITS[0])
    settings.RATELIMIT_ENABLE = False
    assert not first_full(*LIMITS).limited
