"""portal.selectors.stats: trend arithmetic, period windows in the configured time zone, the
trend figures and the chart series. Every test fixes `now`; none reads the real clock."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from portal.models import Event, Role
from portal.selectors.periods import term_start
from portal.selectors.stats import (
    Chart,
    Series,
    Trend,
    checkins_chart,
    get_trends,
    points_by_category_chart,
    redemptions_chart,
    student_points_chart,
    trend_window,
)
from tests.factories import CategoryFactory, UserFactory

from .helpers import (
    award_at,
    checkin_at,
    deduct_at,
    local,
    move_event,
    open_event,
    points_prize_at,
    prize_handover_at,
    redeem_at,
    utc,
)


@pytest.fixture(autouse=True)
def _london(settings):
    settings.TIME_ZONE = "Europe/London"


# --- trend arithmetic ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "previous", "percent"),
    [
        (0, 0, None),  # nothing before: no percentage, not a division by zero
        (7, 0, None),
        (15, 10, 50.0),
        (30, 10, 200.0),
        (5, 10, -50.0),  # a fall is negative
        (0, 10, -100.0),
        (10, 10, 0.0),
        (4, 3, 33.3),  # one decimal
        (2, 3, -33.3),
        (5, 3, 66.7),  # rounded, not cut
        (1, 6, -83.3),
        (1001, 1000, 0.1),
    ],
)
def test_change_percent(value, previous, percent):
    assert Trend("Points", value, previous).change_percent == percent


@pytest.mark.parametrize(
    ("value", "previous", "direction"),
    [(3, 2, "up"), (3, 0, "up"), (2, 3, "down"), (0, 3, "down"), (4, 4, "flat"), (0, 0, "flat")],
)
def test_direction(value, previous, direction):
    assert Trend("Points", value, previous).direction == direction


# --- period windows ----------------------------------------------------------------------------


def test_week_window_starts_on_monday_midnight_local_time():
    now = local(2026, 1, 14, 12, 0)  # a Wednesday noon, GMT
    w = trend_window("week", now)
    assert (w.period, w.start, w.end) == ("week", local(2026, 1, 12), now)
    assert w.previous_start == local(2026, 1, 5)
    # like for like: last week up to Wednesday noon
    assert w.previous_end == local(2026, 1, 7, 12, 0)


def test_week_window_after_the_clocks_went_forward():
    # The clocks went forward on Sunday 29 March 2026; Monday 30 March 00:00 BST is 23:00 UTC
    # on the Sunday. The previous week started in GMT.
    w = trend_window("week", utc(2026, 4, 1, 11, 0))  # Wednesday noon BST
    assert w.start == utc(2026, 3, 29, 23, 0)
    assert w.previous_start == utc(2026, 3, 23, 0, 0)
    assert w.previous_end == utc(2026, 3, 25, 12, 0)  # Wednesday noon GMT, same wall time
    assert w.end == utc(2026, 4, 1, 11, 0)


def test_week_window_on_a_sunday_night_covers_the_whole_previous_week():
    now = local(2026, 4, 5, 23, 59, 59)
    w = trend_window("week", now)
    assert w.start == local(2026, 3, 30)
    assert w.previous_start == local(2026, 3, 23)
    assert w.previous_end == local(2026, 3, 29, 23, 59, 59)
    assert w.previous_end < w.start


def test_week_window_at_the_very_start_of_a_week_is_empty_on_both_sides():
    now = local(2026, 3, 30)
    w = trend_window("week", now)
    assert w.start == w.end == now
    assert w.previous_start == w.previous_end == local(2026, 3, 23)


def test_month_window_compares_with_the_same_stretch_of_the_previous_month():
    w = trend_window("month", local(2026, 4, 10, 15, 30))
    assert (w.start, w.previous_start) == (local(2026, 4, 1), local(2026, 3, 1))
    assert w.previous_end == local(2026, 3, 10, 15, 30)


def test_month_window_previous_end_is_capped_at_the_current_start():
    # 31 March against February: February has no 31st, so the whole of February counts.
    w = trend_window("month", local(2026, 3, 31, 12, 0))
    assert (w.start, w.previous_start) == (local(2026, 3, 1), local(2026, 2, 1))
    assert w.previous_end == local(2026, 3, 1)


def test_month_window_across_a_year():
    w = trend_window("month", local(2026, 1, 20, 9, 0))
    assert (w.start, w.previous_start) == (local(2026, 1, 1), local(2025, 12, 1))
    assert w.previous_end == local(2025, 12, 20, 9, 0)


def test_term_window_with_the_default_term_starts(settings):
    settings.UPAS_TERM_STARTS = ["01-06", "04-20", "09-21"]
    w = trend_window("term", local(2026, 5, 1, 10, 0))
    assert w.start == local(2026, 4, 20) == utc(2026, 4, 19, 23, 0)  # BST
    assert w.previous_start == local(2026, 1, 6)
    assert w.previous_end == local(2026, 1, 17, 10, 0)


def test_term_window_early_in_the_year_goes_back_to_the_autumn_term(settings):
    settings.UPAS_TERM_STARTS = ["01-06", "04-20", "09-21"]
    w = trend_window("term", local(2026, 1, 3, 8, 0))
    assert w.start == local(2025, 9, 21)
    assert w.previous_start == local(2025, 4, 20)
    assert w.previous_end == local(2025, 8, 2, 8, 0)  # 104 days and 8 hours in


def test_term_window_follows_the_configured_term_starts(settings):
    settings.UPAS_TERM_STARTS = ["02-01", "10-01"]
    w = trend_window("term", local(2026, 3, 15, 12, 0))
    assert (w.start, w.previous_start) == (local(2026, 2, 1), local(2025, 10, 1))
    assert w.previous_end == local(2025, 11, 12, 12, 0)  # 42 days and 12 hours in


def test_a_term_begins_at_its_first_local_midnight(settings):
    """The term's start is kept per day: the last moment before a term's first midnight is
    still in the previous term, whatever was asked earlier that day or the one before."""
    settings.UPAS_TERM_STARTS = ["01-06", "04-20", "09-21"]
    start = local(2026, 4, 20)
    assert term_start(timezone.localtime(start)) == start
    assert term_start(timezone.localtime(start - timedelta(microseconds=1))) == local(2026, 1, 6)
    assert term_start(timezone.localtime(start + timedelta(hours=23, minutes=59))) == start
    settings.UPAS_TERM_STARTS = ["04-21"]
    assert term_start(timezone.localtime(start)) == local(2025, 4, 21)


def test_week_window_in_new_york_after_its_clocks_went_forward(settings):
    settings.TIME_ZONE = "America/New_York"  # DST began on Sunday 8 March 2026
    w = trend_window("week", utc(2026, 3, 11, 16, 0))  # Wednesday noon EDT
    assert w.start == utc(2026, 3, 9, 4, 0)  # Monday 00:00 EDT
    assert w.previous_start == utc(2026, 3, 2, 5, 0)  # Monday 00:00 EST
    assert w.previous_end == utc(2026, 3, 4, 17, 0)  # Wednesday noon EST


def test_windows_in_kolkata_follow_the_local_date_not_the_utc_one(settings):
    settings.TIME_ZONE = "Asia/Kolkata"
    # Monday 2 March 03:00 IST is still Sunday 1 March in UTC.
    week = trend_window("week", utc(2026, 3, 1, 21, 30))
    assert week.start == utc(2026, 3, 1, 18, 30)
    # 1 March 02:00 IST is still February in UTC.
    month = trend_window("month", utc(2026, 2, 28, 20, 30))
    assert month.start == utc(2026, 2, 28, 18, 30)
    assert month.previous_start == utc(2026, 1, 31, 18, 30)
    assert month.previous_end == utc(2026, 1, 31, 20, 30)


def test_trend_window_without_now_uses_the_current_time():
    w = trend_window("week")
    assert w.start <= w.end <= timezone.now()
    assert (w.start.weekday(), w.start.hour, w.start.minute) == (0, 0, 0)
    assert w.previous_start == w.start - timedelta(days=7)


# --- trend figures --------------------------------------------------------------------------

# Sunday 5 April 2026, one second before midnight BST: this week so far is Mon 30 Mar 00:00 BST
# (Sun 29 Mar 23:00 UTC) to now, and the previous stretch is the whole previous week up to Sun
# 29 Mar 23:59:59 BST.
SUNDAY_NIGHT = local(2026, 4, 5, 23, 59, 59)


def figures(trends: list[Trend]) -> list[tuple[str, int, int]]:
    return [(str(t.label), t.value, t.previous) for t in trends]


@pytest.fixture
def week_story(student, other_student, faculty, other_faculty, admin, category):
    """Entries just inside and just outside each boundary of the SUNDAY_NIGHT week windows."""
    # outside: the Sunday before the previous week
    award_at(faculty, student, category, 5, local(2026, 3, 22, 23, 59))
    # previous week: its first instant, and 23:59 on its Sunday (22:59 UTC, BST)
    award_at(faculty, student, category, 7, local(2026, 3, 23, 0, 0))
    award_at(admin, student, category, 11, local(2026, 3, 29, 23, 59))
    # this week: Monday 00:00 BST (still Sunday in UTC), and later
    award_at(faculty, student, category, 13, local(2026, 3, 30, 0, 0))
    award_at(admin, other_student, category, 17, local(2026, 4, 5, 23, 59, 58))
    award_at(admin, student, category, 19, local(2026, 4, 1, 12, 0))
    # a deduction is not points issued, and not an active student
    deduct_at(faculty, student, 3, local(2026, 4, 2, 9, 0))
    # after now: not counted
    award_at(faculty, other_student, category, 23, local(2026, 4, 6, 0, 0))

    redeem_at(student, local(2026, 4, 1, 10, 0))
    redeem_at(student, local(2026, 3, 24, 10, 0))
    prize_handover_at(admin, other_student, local(2026, 4, 2, 10, 0))  # not a redemption

    mine = open_event(faculty, title="Robotics night")
    checkin_at(mine, student, local(2026, 3, 31, 18, 0))
    checkin_at(mine, other_student, local(2026, 3, 25, 18, 0))
    theirs = open_event(other_faculty, title="Chess club")
    checkin_at(theirs, student, local(2026, 4, 2, 18, 0))
    checkin_at(theirs, other_student, local(2026, 3, 22, 18, 0))  # before both windows


@pytest.mark.django_db
def test_get_trends_counts_each_window_in_local_time(week_story, django_assert_num_queries):
    # one statement: points, students, redemptions and check-ins side by side
    with django_assert_num_queries(1):
        trends = get_trends("week", now=SUNDAY_NIGHT)
    assert figures(trends) == [
        ("Points issued", 13 + 17 + 19, 7 + 11),
        ("Active students", 2, 1),
        ("Redemptions", 1, 1),
        ("Check-ins", 2, 1),
    ]


@pytest.mark.django_db
def test_get_trends_for_an_organiser_counts_only_their_awards_and_events(week_story, faculty):
    assert figures(get_trends("week", organiser=faculty, now=SUNDAY_NIGHT)) == [
        ("Points you awarded", 13, 7),
        ("Students you awarded", 1, 1),
        ("Redemptions (all students)", 1, 1),  # not anybody's own
        ("Check-ins at your events", 1, 1),
    ]


@pytest.mark.django_db
def test_get_trends_for_another_organiser(week_story, other_faculty):
    quiet = UserFactory(role=Role.FACULTY)
    assert [
        (t.value, t.previous) for t in get_trends("week", organiser=quiet, now=SUNDAY_NIGHT)
    ] == [
        (0, 0),
        (0, 0),
        (1, 1),
        (0, 0),
    ]
    assert figures(get_trends("week", organiser=other_faculty, now=SUNDAY_NIGHT))[3] == (
        "Check-ins at your events",
        1,
        0,
    )


@pytest.mark.django_db
def test_get_trends_with_no_data_at_all():
    trends = get_trends("month", now=SUNDAY_NIGHT)
    assert [(t.value, t.previous, t.change_percent, t.direction) for t in trends] == [
        (0, 0, None, "flat")
    ] * 4


@pytest.mark.django_db
def test_get_trends_month_boundaries(student, faculty, category):
    now = local(2026, 3, 31, 12, 0)  # previous window: all of February
    award_at(faculty, student, category, 5, local(2026, 1, 31, 23, 59))  # neither
    award_at(faculty, student, category, 7, local(2026, 2, 1, 0, 0))  # previous
    award_at(faculty, student, category, 11, local(2026, 2, 28, 23, 59))  # previous
    award_at(faculty, student, category, 13, local(2026, 3, 1, 0, 0))  # this month
    award_at(faculty, student, category, 17, local(2026, 3, 31, 11, 59))  # this month (BST)
    award_at(faculty, student, category, 19, local(2026, 3, 31, 12, 0))  # now: not yet
    issued = get_trends("month", now=now)[0]
    assert (issued.value, issued.previous) == (13 + 17, 7 + 11)
    assert issued.change_percent == 66.7
    assert issued.direction == "up"


@pytest.mark.django_db
def test_get_trends_month_like_for_like_in_kolkata(settings, student, faculty, category):
    settings.TIME_ZONE = "Asia/Kolkata"
    now = local(2026, 3, 10, 12, 0, tz="Asia/Kolkata")
    ist = {"tz": "Asia/Kolkata"}
    award_at(faculty, student, category, 7, local(2026, 2, 1, 0, 0, **ist))  # previous
    award_at(faculty, student, category, 11, local(2026, 2, 10, 11, 59, **ist))  # previous
    award_at(faculty, student, category, 5, local(2026, 2, 10, 12, 0, **ist))  # past the stretch
    award_at(faculty, student, category, 23, local(2026, 1, 31, 23, 59, **ist))  # January
    award_at(faculty, student, category, 13, local(2026, 3, 1, 0, 10, **ist))  # Feb 28 in UTC
    issued = get_trends("month", now=now)[0]
    assert (issued.value, issued.previous) == (13, 7 + 11)
    assert issued.change_percent == -27.8
    assert issued.direction == "down"


@pytest.mark.django_db
def test_get_trends_term_boundaries(settings, student, faculty, category):
    settings.UPAS_TERM_STARTS = ["01-06", "04-20", "09-21"]
    now = local(2026, 5, 1, 10, 0)  # term from 20 April; previous from 6 Jan to 17 Jan 10:00
    award_at(faculty, student, category, 5, local(2026, 1, 5, 23, 59))  # neither
    award_at(faculty, student, category, 7, local(2026, 1, 6, 0, 0))  # previous
    award_at(faculty, student, category, 11, local(2026, 1, 17, 9, 59))  # previous
    award_at(faculty, student, category, 23, local(2026, 1, 17, 10, 0))  # past the stretch
    award_at(faculty, student, category, 29, local(2026, 4, 19, 23, 59))  # neither
    award_at(faculty, student, category, 13, local(2026, 4, 20, 0, 0))  # this term (23:00 UTC)
    issued = get_trends("term", now=now)[0]
    assert (issued.value, issued.previous) == (13, 18)


@pytest.mark.django_db
def test_points_prizes_count_as_points_issued_but_not_for_an_organiser(
    student, faculty, admin, category
):
    now = local(2026, 4, 5, 12, 0)
    points_prize_at(admin, student, 25, local(2026, 4, 1, 12, 0))
    award_at(faculty, student, category, 10, local(2026, 4, 2, 12, 0))
    assert get_trends("week", now=now)[0].value == 35
    assert get_trends("week", organiser=faculty, now=now)[0].value == 10


# --- student points chart ----------------------------------------------------------------------

WEDNESDAY = local(2026, 4, 1, 12, 0)  # in BST


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("granularity", "count", "first", "last"),
    [
        ("day", 30, "3 Mar", "1 Apr"),
        ("week", 12, "12 Jan", "30 Mar"),
        ("month", 12, "May 2025", "Apr 2026"),
    ],
)
def test_student_points_chart_buckets_end_with_the_current_one(
    student, granularity, count, first, last
):
    chart = student_points_chart(student, granularity, now=WEDNESDAY)
    assert len(chart.labels) == count == len(chart.series[0].values)
    assert (chart.labels[0], chart.labels[-1]) == (first, last)
    assert chart.is_empty


@pytest.mark.django_db
def test_student_points_chart_is_one_query(student, django_assert_num_queries):
    with django_assert_num_queries(1):
        student_points_chart(student, "day", now=WEDNESDAY)


@pytest.mark.django_db
def test_an_entry_just_after_local_midnight_in_bst_lands_on_the_local_day(
    student, faculty, category
):
    # Monday 30 March 00:30 BST is Sunday 29 March 23:30 UTC.
    award_at(faculty, student, category, 20, utc(2026, 3, 29, 23, 30))
    chart = student_points_chart(student, "day", now=WEDNESDAY)
    by_day = dict(zip(chart.labels, chart.series[0].values, strict=True))
    assert (by_day["29 Mar"], by_day["30 Mar"]) == (0, 20)
    week = student_points_chart(student, "week", now=WEDNESDAY)
    assert week.series[0].values[-2:] == [0, 20]
    assert week.labels[-1] == "30 Mar"


@pytest.mark.django_db
def test_an_entry_just_after_local_midnight_lands_in_the_local_month(student, faculty, category):
    # 1 April 00:30 BST is still 31 March in UTC.
    award_at(faculty, student, category, 20, utc(2026, 3, 31, 23, 30))
    chart = student_points_chart(student, "month", now=WEDNESDAY)
    assert chart.series[0].values[-2:] == [0, 20]


@pytest.mark.django_db
def test_student_points_chart_in_another_time_zone(settings, student, faculty, category):
    settings.TIME_ZONE = "Asia/Kolkata"
    now = local(2026, 3, 4, 12, 0, tz="Asia/Kolkata")  # a Wednesday
    # Monday 2 March 03:00 IST is Sunday 1 March 21:30 UTC.
    award_at(faculty, student, category, 20, utc(2026, 3, 1, 21, 30))
    week = student_points_chart(student, "week", now=now)
    assert (week.labels[-1], week.series[0].values[-2:]) == ("2 Mar", [0, 20])
    day = student_points_chart(student, "day", now=now)
    assert day.labels[-3:] == ["2 Mar", "3 Mar", "4 Mar"]
    assert day.series[0].values[-4:] == [0, 20, 0, 0]


@pytest.mark.django_db
def test_student_points_chart_nets_deductions_and_leaves_out_others_and_old_entries(
    student, other_student, faculty, category
):
    award_at(faculty, student, category, 30, local(2026, 3, 31, 9, 0))
    deduct_at(faculty, student, 5, local(2026, 4, 1, 9, 0))
    award_at(faculty, student, category, 10, local(2026, 3, 17, 9, 0))
    award_at(faculty, student, category, 40, local(2025, 12, 31, 9, 0))  # before 12 weeks
    award_at(faculty, other_student, category, 50, local(2026, 3, 31, 9, 0))
    redeem_at(student, local(2026, 3, 31, 10, 0))  # spending is not earning
    chart = student_points_chart(student, "week", now=WEDNESDAY)
    assert chart.series[0].values == [0] * 9 + [10, 0, 25]
    assert not chart.is_empty
    assert chart.rows[-1] == ("30 Mar", [25], 25)
    assert chart.rows[-3] == ("16 Mar", [10], 10)
    assert sum(total for _label, _values, total in chart.rows) == 35


@pytest.mark.django_db
def test_student_points_chart_unknown_granularity_falls_back_to_weeks(student):
    chart = student_points_chart(student, "fortnight", now=WEDNESDAY)
    assert chart.labels == student_points_chart(student, "week", now=WEDNESDAY).labels
    assert len(chart.labels) == 12


@pytest.mark.django_db
def test_student_points_chart_config_is_what_charts_js_reads(student, faculty, category):
    award_at(faculty, student, category, 20, local(2026, 4, 1, 9, 0))
    chart = student_points_chart(student, "day", now=WEDNESDAY)
    assert chart.data_id == "points-chart-canvas-data"
    config = chart.config
    assert (config["kind"], config["stacked"], config["horizontal"]) == ("bar", False, False)
    assert config["labels"] == chart.labels
    assert config["series"] == [{"label": "Points", "values": [0] * 29 + [20]}]


def test_chart_rows_and_is_empty_without_a_database():
    chart = Chart(
        id="c",
        title="T",
        kind="bar",
        labels=["a", "b"],
        series=[Series("x", [1, 0]), Series("y", [2, 0])],
    )
    assert chart.rows == [("a", [1, 2], 3), ("b", [0, 0], 0)]
    assert not chart.is_empty
    assert Chart(id="c", title="T", kind="bar", labels=["a"], series=[Series("x", [0])]).is_empty
    assert Chart(id="c", title="T", kind="bar", labels=[]).is_empty


# --- admin charts -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_points_by_category_chart_stacks_categories_sorted_by_total(
    student, other_student, faculty, admin, django_assert_num_queries
):
    lab = CategoryFactory(name="Lab work")
    sport = CategoryFactory(name="Sport")
    award_at(faculty, student, lab, 20, local(2026, 3, 30, 0, 30))  # Sun 23:30 UTC: this week
    award_at(faculty, other_student, lab, 10, local(2026, 3, 24, 9, 0))
    award_at(faculty, student, sport, 50, local(2026, 3, 31, 9, 0))
    deduct_at(faculty, student, 5, local(2026, 3, 31, 10, 0))  # not issued
    points_prize_at(admin, other_student, 25, local(2026, 3, 29, 23, 30))  # previous week (BST)
    award_at(faculty, student, sport, 40, local(2025, 12, 1, 9, 0))  # before 12 weeks
    with django_assert_num_queries(1):
        chart = points_by_category_chart(now=WEDNESDAY)
    assert (chart.kind, chart.stacked, len(chart.labels)) == ("bar", True, 12)
    assert [(s.label, s.values[-2:]) for s in chart.series] == [
        ("Sport", [0, 50]),
        ("Lab work", [10, 20]),
        ("No category", [25, 0]),
    ]
    assert all(s.values[:-2] == [0] * 10 for s in chart.series)
    assert chart.rows[-1] == ("30 Mar", [50, 20, 0], 70)
    assert chart.rows[-2] == ("23 Mar", [0, 10, 25], 35)


@pytest.mark.django_db
def test_points_by_category_chart_ties_do_not_depend_on_the_database(student, faculty, admin):
    alpha = CategoryFactory(name="Alpha")
    award_at(faculty, student, alpha, 25, local(2026, 3, 31, 9, 0))
    points_prize_at(admin, student, 25, local(2026, 3, 31, 10, 0))
    chart = points_by_category_chart(now=WEDNESDAY)
    assert [s.label for s in chart.series] == ["Alpha", "No category"]


@pytest.mark.django_db
def test_points_by_category_chart_weeks_argument(student, faculty, category):
    award_at(faculty, student, category, 20, local(2026, 3, 2, 9, 0))
    chart = points_by_category_chart(weeks=4, now=WEDNESDAY)
    assert chart.labels == ["9 Mar", "16 Mar", "23 Mar", "30 Mar"]
    assert chart.is_empty  # 2 March is before the four weeks


@pytest.mark.django_db
def test_redemptions_chart_counts_redemptions_not_prizes(
    student, other_student, faculty, admin, category, django_assert_num_queries
):
    award_at(faculty, student, category, 50, local(2026, 1, 5, 9, 0))
    award_at(faculty, other_student, category, 50, local(2026, 1, 5, 9, 0))
    redeem_at(student, local(2026, 3, 30, 0, 30))  # Monday 00:30 BST: this week
    redeem_at(other_student, local(2026, 4, 1, 9, 0))
    redeem_at(student, local(2026, 3, 29, 23, 59))  # Sunday: last week
    prize_handover_at(admin, student, local(2026, 3, 31, 9, 0))
    with django_assert_num_queries(1):
        chart = redemptions_chart(now=WEDNESDAY)
    assert (chart.kind, len(chart.labels)) == ("line", 12)
    assert chart.series[0].values == [0] * 10 + [1, 2]


@pytest.mark.django_db
def test_checkins_chart_for_an_organiser(
    student, other_student, faculty, other_faculty, django_assert_num_queries
):
    now = local(2026, 4, 1, 12, 0)
    first = open_event(faculty, title="Talk one")
    second = open_event(faculty, title="Talk two")
    third = open_event(faculty, title="Talk three")
    for event in (first, second, third):
        checkin_at(event, student, now)
    checkin_at(third, other_student, now)
    checkin_at(second, other_student, now)
    theirs = open_event(other_faculty, title="Not mine")
    checkin_at(theirs, student, now)
    draft = open_event(faculty, title="Still a draft")
    later = open_event(faculty, title="Next month")
    move_event(first, local(2026, 3, 2, 18, 0))
    move_event(second, local(2026, 3, 16, 18, 0))
    move_event(third, local(2026, 3, 31, 23, 30))  # 22:30 UTC: labelled with the local date
    move_event(theirs, local(2026, 3, 20, 18, 0))
    move_event(draft, local(2026, 3, 25, 18, 0), status=Event.Status.DRAFT)
    move_event(later, local(2026, 5, 1, 18, 0))

    with django_assert_num_queries(1):
        chart = checkins_chart(organiser=faculty, now=now)
    assert (chart.kind, chart.horizontal) == ("bar", True)
    assert dict(zip(chart.labels, chart.series[0].values, strict=True)) == {
        "Talk one (02 Mar)": 1,
        "Talk two (16 Mar)": 2,
        "Talk three (31 Mar)": 2,
    }
    # the latest `limit` events that have started
    limited = checkins_chart(organiser=faculty, limit=2, now=now)
    assert sorted(limited.labels) == ["Talk three (31 Mar)", "Talk two (16 Mar)"]
    everyone = checkins_chart(now=now)
    assert len(everyone.labels) == 4
    assert "Not mine (20 Mar)" in everyone.labels


@pytest.mark.django_db
def test_checkins_chart_lists_the_latest_event_first(faculty, student):
    now = local(2026, 4, 1, 12, 0)
    events = [open_event(faculty, title=f"Talk {i}") for i in range(3)]
    checkin_at(events[0], student, now)
    for i, event in enumerate(events):
        move_event(event, local(2026, 3, 10 + i, 18, 0))
    chart = checkins_chart(organiser=faculty, now=now)
    assert chart.labels == ["Talk 2 (12 Mar)", "Talk 1 (11 Mar)", "Talk 0 (10 Mar)"]
    assert chart.series[0].values == [0, 0, 1]
    assert not chart.is_empty


@pytest.mark.django_db
def test_checkins_chart_with_no_events_is_empty(faculty):
    chart = checkins_chart(organiser=faculty, now=local(2026, 4, 1))
    assert (chart.labels, chart.is_empty) == ([], True)
    assert chart.rows == []


@pytest.mark.django_db
def test_get_trends_leaves_out_reversals_and_annulled_check_ins(student, faculty, admin, category):
    """A reversal (even of a deduction, which gives points back) is not points issued, and an
    annulled check-in is not a check-in."""
    from portal.models import Transaction
    from portal.services.attendance import annul_checkin
    from portal.services.ledger import reverse_transaction
    from tests.conftest import key
    from tests.factories import StudentFactory

    award_at(faculty, student, category, 20, local(2026, 4, 1, 9, 0))
    penalty = deduct_at(faculty, student, 4, local(2026, 4, 1, 10, 0))
    with mock.patch("portal.services.ledger.timezone.now", return_value=local(2026, 4, 1, 11)):
        back = reverse_transaction(
            actor=admin, transaction_id=penalty.pk, reason="Mistake", idempotency_key=key()
        )
    assert back.amount == 4 and back.kind == Transaction.Kind.REVERSAL
    event = open_event(faculty, title="Talk")
    kept = checkin_at(event, student, local(2026, 4, 2, 18, 0))
    other = checkin_at(event, StudentFactory(), local(2026, 4, 2, 18, 5))
    annul_checkin(actor=faculty, checkin_id=other.pk, reason="Not in the room")
    figures_now = [(t.value, t.previous) for t in get_trends("week", now=SUNDAY_NIGHT)]
    assert figures_now[0] == (20, 0)  # the award only
    assert figures_now[1] == (1, 0)
    assert figures_now[3] == (1, 0) and kept.pk


@pytest.mark.django_db
def test_the_ledger_merit_index_holds_every_column_the_issued_figures_read():
    """Migration 0036: the trend figures read points issued from the merit index alone, so it
    carries the entry's kind (on PostgreSQL as an INCLUDE column) and replaces the index
    without it rather than joining it on every ledger write."""
    from django.db import connection

    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "portal_transaction")
        assert "tx_merit_recent_idx" in indexes
        assert "tx_period_points_idx" not in indexes
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'tx_merit_recent_idx'"
            )
            [definition] = cursor.fetchone()
            assert "(created_at, student_id, amount) INCLUDE (kind)" in definition
            assert definition.endswith("WHERE counts_for_lifetime")
        else:
            assert indexes["tx_merit_recent_idx"]["columns"] == [
                "created_at",
                "student_id",
                "amount",
                "kind",
            ]


@pytest.mark.django_db
def test_the_actor_index_holds_every_column_a_faculty_members_figures_read():
    """Migration 0037: a faculty member's trend figures read their two weeks of entries from
    the actor index alone on PostgreSQL (INCLUDE columns); the keys, which the history's "by
    actor" filter reads, are those the model declares on both databases."""
    from django.db import connection

    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "portal_transaction")
        # (PostgreSQL's introspection lists the INCLUDE columns after the keys.)
        assert indexes["tx_actor_recent_idx"]["columns"][:2] == ["actor_id", "created_at"]
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'tx_actor_recent_idx'"
            )
            [definition] = cursor.fetchone()
            included = "amount, kind, student_id, counts_for_lifetime"
            assert definition.endswith(f"(actor_id, created_at DESC) INCLUDE ({included})")
        assert "tx_actor_recent_cover_idx" not in indexes


def test_a_chart_of_many_bars_down_the_side_is_drawn_taller():
    def chart(n: int, *, horizontal: bool) -> Chart:
        labels = [f"Event {i} (0{i} Dec)" for i in range(n)]
        return Chart("c", "Check-ins", "bar", labels, [Series("n", [1] * n)], horizontal=horizontal)

    assert chart(10, horizontal=True).tall
    assert not chart(5, horizontal=True).tall  # two-line labels fit the usual height
    assert not chart(12, horizontal=False).tall  # labels along the bottom skip as they need
    html = render_to_string("portal/components/chart.html", {"chart": chart(10, horizontal=True)})
    assert 'class="relative h-96"' in html
