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


# Each fast filter beside the `date` format it writes: (filter, its argument, the format).
FILTERS = [
    ("day_time", "", "D j M, H:i"),
    ("day_month_time", "", "j M H:i"),
    ("day_month_time", "seconds", "j M H:i:s"),
    ("month_abbr", "", "M"),
    ("day_of_month", "", "j"),
]


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize(("name", "argument", "date_format"), FILTERS)
def test_each_fast_filter_is_the_date_filter(language, name, argument, date_format):
    """In a template, with a moment and with nothing, as `|date` writes them."""
    called = f'{name}:"{argument}"' if argument else name
    fast = Template(f"{{% load portal %}}{{{{ when|{called} }}}}|{{{{ missing|{called} }}}}")
    stock = Template(f'{{{{ when|date:"{date_format}" }}}}|{{{{ missing|date:"{date_format}" }}}}')
    # Late in the day in UTC: the local day (and month, on the 1st) may differ.
    moments = [*MOMENTS, datetime(2026, 2, 28, 23, 30, 42, tzinfo=UTC)]
    with translation.override(language):
        for moment in moments:
            context = {"when": moment.replace(second=42), "missing": None}
            assert fast.render(Context(context)) == stock.render(Context(context))
