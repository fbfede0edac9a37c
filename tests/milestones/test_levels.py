"""Levels: pure arithmetic over the configured thresholds, and their validation at startup."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.domain.levels import DEFAULT_LEVELS, level_for, levels_crossed, parse_levels

LEVELS = parse_levels("Newcomer:0,Bronze:100,Silver:300,Gold:750,Platinum:1500")


def test_the_default_levels_are_valid_and_are_the_setting(settings):
    assert parse_levels(DEFAULT_LEVELS) == LEVELS
    assert settings.UPAS_LEVELS == LEVELS


def test_zero_points_is_the_first_level():
    progress = level_for(0, LEVELS)
    assert progress.level.name == "Newcomer"
    assert progress.next.name == "Bronze"
    assert (progress.points_to_go, progress.percent) == (100, 0)


def test_exactly_a_threshold_is_that_level():
    progress = level_for(300, LEVELS)
    assert progress.level.name == "Silver"
    assert progress.next.name == "Gold"
    assert (progress.points_to_go, progress.percent) == (450, 0)


def test_between_thresholds_counts_progress_through_the_band():
    progress = level_for(120, LEVELS)
    assert (progress.level.name, progress.next.name) == ("Bronze", "Silver")
    assert progress.points_to_go == 180
    assert progress.percent == 10  # 20 of the 200 points between Bronze and Silver


def test_one_point_short_is_never_shown_as_a_full_bar():
    assert level_for(299, LEVELS).percent == 99


def test_the_top_level_has_no_next():
    progress = level_for(5000, LEVELS)
    assert progress.level.name == "Platinum"
    assert progress.next is None
    assert progress.is_top
    assert (progress.points_to_go, progress.percent) == (0, 100)


def test_negative_lifetime_points_stay_at_the_first_level():
    progress = level_for(-15, LEVELS)
    assert progress.level.name == "Newcomer"
    assert progress.value == 0  # the bar never goes below its minimum


def test_crossing_one_level():
    assert [level.name for level in levels_crossed(90, 110, LEVELS)] == ["Bronze"]


def test_one_award_can_cross_two_levels_and_both_are_reported():
    assert [level.name for level in levels_crossed(90, 320, LEVELS)] == ["Bronze", "Silver"]


def test_landing_exactly_on_a_threshold_reaches_it_and_starting_on_one_does_not():
    assert [level.name for level in levels_crossed(99, 100, LEVELS)] == ["Bronze"]
    assert levels_crossed(100, 150, LEVELS) == []


def test_going_down_or_staying_crosses_nothing():
    assert levels_crossed(320, 90, LEVELS) == []
    assert levels_crossed(120, 120, LEVELS) == []


def test_the_starting_level_is_never_reached():
    assert levels_crossed(-10, 50, LEVELS) == []


def test_level_codes_come_from_the_names():
    assert [level.code for level in levels_crossed(0, 300, LEVELS)] == [
        "level-bronze",
        "level-silver",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Bronze:100,Silver:300",  # does not start at 0
        "Newcomer:0,Silver:300,Bronze:100",  # not sorted
        "Newcomer:0,Bronze:100,Also bronze:100",  # thresholds not unique
        "Newcomer:0,Bronze:100,bronze:200",  # names not distinct
        "Newcomer:0,Bronze",  # no threshold
        "Newcomer:0,Bronze:lots",  # not a number
        "Newcomer:0,:100",  # no name
        "Newcomer:0,Bronze:-5",  # negative
        "",
    ],
)
def test_bad_levels_are_refused(text):
    with pytest.raises(ImproperlyConfigured):
        parse_levels(text)


def test_a_bad_levels_variable_stops_the_server_at_startup():
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "LEVELS": "Bronze:100,Silver:300",
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "start at 0" in result.stderr


def test_a_good_levels_variable_is_used():
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "LEVELS": "Fresh:0, Keen:50",
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); "
            "from django.conf import settings; print(settings.UPAS_LEVELS)",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[('Fresh', 0), ('Keen', 50)]"
