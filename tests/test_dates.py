"""portal/domain/dates.py writes what Django's date formatting writes, in each language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.utils import formats, timezone, translation

from portal.domain.dates import day_and_time, day_month_time, weekday_day_and_time

MOMENTS = [
    datetime(2026, month, day, hour, minute, tzinfo=UTC)
    for month in range(1, 13)
    for day, hour, minute in ((1, 0, 0), (9, 23, 5), (28, 12, 59))
]


@pytest.mark.parametrize("language", ["en", "ar"])
def test_each_format_is_what_date_format_writes(language):
    with translation.override(language):
        for moment in MOMENTS:
            local = timezone.localtime(moment)
            assert day_and_time(moment) == formats.date_format(local, "j M Y, H:i")
            assert day_and_time(moment, year=False) == formats.date_format(local, "j M, H:i")
            assert weekday_day_and_time(moment) == formats.date_format(local, "D j M, H:i")
            assert day_month_time(moment) == formats.date_format(local, "j M H:i")
            seconds = moment.replace(second=7)
            assert day_month_time(seconds, seconds=True) == formats.date_format(
                timezone.localtime(seconds), "j M H:i:s"
            )


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_day_time_filter_is_the_date_filter(language):
    fast = Template("{% load portal %}{{ when|day_time }}|{{ missing|day_time }}")
    stock = Template('{{ when|date:"D j M, H:i" }}|{{ missing|date:"D j M, H:i" }}')
    with translation.override(language):
        for moment in MOMENTS:
            context = {"when": moment, "missing": None}
            assert fast.render(Context(context)) == stock.render(Context(context))


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_day_month_time_filter_is_the_date_filter(language):
    fast = Template(
        '{% load portal %}{{ when|day_month_time }}|{{ when|day_month_time:"seconds" }}|'
        "{{ missing|day_month_time }}"
    )
    stock = Template(
        '{{ when|date:"j M H:i" }}|{{ when|date:"j M H:i:s" }}|{{ missing|date:"j M H:i" }}'
    )
    with translation.override(language):
        for moment in MOMENTS:
            context = {"when": moment.replace(second=42), "missing": None}
            assert fast.render(Context(context)) == stock.render(Context(context))


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_event_tile_filters_are_the_date_filter(language):
    fast = Template(
        "{% load portal %}{{ when|month_abbr }}|{{ when|day_of_month }}|"
        "{{ missing|month_abbr }}{{ missing|day_of_month }}"
    )
    stock = Template(
        '{{ when|date:"M" }}|{{ when|date:"j" }}|{{ missing|date:"M" }}{{ missing|date:"j" }}'
    )
    with translation.override(language):
        # Late in the day in UTC: the local day (and month, on the 1st) may differ.
        for moment in [*MOMENTS, datetime(2026, 2, 28, 23, 30, tzinfo=UTC)]:
            context = {"when": moment, "missing": None}
            assert fast.render(Context(context)) == stock.render(Context(context))
