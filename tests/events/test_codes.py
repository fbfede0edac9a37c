"""Rotating check-in codes. Time is fixed by passing `now`, never by sleeping. Scan tokens are
in test_checkin_security.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest

from portal.services.events import (
    CODE_ALPHABET,
    CODE_LENGTH,
    STEP_SECONDS,
    code_for,
    code_is_valid,
    current_code,
    seconds_to_next_step,
    time_step,
)
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db

# The start of a 30-second step.
NOON = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)
STEP = timedelta(seconds=STEP_SECONDS)


@pytest.fixture
def event():
    return EventFactory()


def test_a_code_is_six_characters_that_cannot_be_misread(event):
    code = current_code(event, NOON)
    assert len(code) == CODE_LENGTH
    assert set(code) <= set(CODE_ALPHABET)
    assert not set(code) & set("01OIL")


def test_the_code_stays_the_same_within_a_step(event):
    assert current_code(event, NOON) == current_code(event, NOON + STEP - timedelta(seconds=1))


def test_the_code_changes_with_the_next_step(event):
    assert current_code(event, NOON) != current_code(event, NOON + STEP)


def test_the_current_code_is_accepted(event):
    assert code_is_valid(event, current_code(event, NOON), NOON + timedelta(seconds=29))


def test_the_previous_steps_code_is_accepted(event):
    assert code_is_valid(event, current_code(event, NOON), NOON + STEP)


def test_a_code_two_steps_old_is_rejected(event):
    assert not code_is_valid(event, current_code(event, NOON), NOON + 2 * STEP)


def test_the_next_steps_code_is_not_accepted_yet(event):
    assert not code_is_valid(event, current_code(event, NOON + STEP), NOON)


def test_another_events_code_is_rejected(event):
    other = EventFactory()
    assert current_code(other, NOON) != current_code(event, NOON)
    assert not code_is_valid(event, current_code(other, NOON), NOON)


def test_a_code_typed_in_lower_case_with_spaces_is_accepted(event):
    code = current_code(event, NOON)
    typed = f" {code[:3].lower()} {code[3:].lower()} "
    assert code_is_valid(event, typed, NOON)


def test_an_empty_code_is_rejected(event):
    assert not code_is_valid(event, "", NOON)


def test_codes_depend_on_the_secret(event):
    step = time_step(NOON)
    before = code_for(event, step)
    event.secret = "0" * 64
    assert code_for(event, step) != before


def test_the_current_code_follows_the_patched_clock(event):
    with mock.patch("portal.services.events.timezone.now", return_value=NOON):
        code = current_code(event)
    with mock.patch("portal.services.events.timezone.now", return_value=NOON + STEP):
        assert code_is_valid(event, code)
    with mock.patch("portal.services.events.timezone.now", return_value=NOON + 2 * STEP):
        assert not code_is_valid(event, code)


def test_the_countdown_reaches_the_next_step():
    assert seconds_to_next_step(NOON) == STEP_SECONDS
    assert seconds_to_next_step(NOON + timedelta(seconds=29)) == 1
    assert time_step(NOON + timedelta(seconds=29)) + 1 == time_step(NOON + STEP)
