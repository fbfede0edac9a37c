"""Rotating check-in codes and the signed token a QR scan is exchanged for. Time is fixed by
passing `now` or patching the clock, never by sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest

from portal.services import events as event_services
from portal.services.events import (
    CODE_ALPHABET,
    CODE_LENGTH,
    STEP_SECONDS,
    code_for,
    code_is_valid,
    current_code,
    mint_scan_token,
    scan_token_is_valid,
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


def signing_clock(at: datetime) -> mock._patch:
    """Signed tokens read time.time(): move it for the duration of a `with`."""
    return mock.patch("django.core.signing.time.time", return_value=at.timestamp())


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


# --- scan tokens --------------------------------------------------------------------------------


def test_a_fresh_scan_token_is_valid(event):
    assert scan_token_is_valid(event, mint_scan_token(event))


def test_a_tampered_scan_token_is_rejected(event):
    token = mint_scan_token(event)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert not scan_token_is_valid(event, tampered)


def test_a_made_up_scan_token_is_rejected(event):
    assert not scan_token_is_valid(event, "not-a-token")


def test_a_scan_token_is_still_valid_after_nine_minutes(event):
    with signing_clock(NOON):
        token = mint_scan_token(event)
    with signing_clock(NOON + timedelta(minutes=9)):
        assert scan_token_is_valid(event, token)


def test_a_scan_token_expires_after_ten_minutes(event):
    with signing_clock(NOON):
        token = mint_scan_token(event)
    with signing_clock(NOON + timedelta(seconds=event_services.SCAN_TOKEN_MAX_AGE + 1)):
        assert not scan_token_is_valid(event, token)


def test_another_events_scan_token_is_rejected(event):
    other = EventFactory()
    assert not scan_token_is_valid(event, mint_scan_token(other))
