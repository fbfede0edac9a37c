"""The pass code itself (portal.domain.passes): pure, so no database."""

from __future__ import annotations

from portal.domain import passes
from portal.domain.passes import STEP_SECONDS, PassCode

SECRET = "a" * 64
NOW = 1_800_000_015.0  # 15 s into a step


def test_a_pass_code_round_trips_through_its_qr_payload_and_is_valid_now():
    code = passes.pass_code(SECRET, 42, NOW)
    read = passes.parse(passes.qr_payload(code))
    assert read == code
    assert passes.is_valid(SECRET, read, NOW)


def test_a_typed_code_is_read_in_any_case_with_spaces():
    code = passes.pass_code(SECRET, 42, NOW)
    typed = f" {str(code).lower()[:5]} {str(code).lower()[5:]} "
    assert passes.parse(typed) == code


def test_the_previous_steps_code_is_still_accepted():
    code = passes.pass_code(SECRET, 42, NOW - STEP_SECONDS)
    assert passes.is_valid(SECRET, code, NOW)


def test_a_code_two_steps_old_is_refused():
    code = passes.pass_code(SECRET, 42, NOW - 2 * STEP_SECONDS)
    assert not passes.is_valid(SECRET, code, NOW)


def test_yesterdays_code_is_refused():
    code = passes.pass_code(SECRET, 42, NOW - 86_400)
    assert not passes.is_valid(SECRET, code, NOW)


def test_a_code_from_the_future_is_refused():
    code = passes.pass_code(SECRET, 42, NOW + STEP_SECONDS)
    assert not passes.is_valid(SECRET, code, NOW)


def test_a_tampered_mac_is_refused():
    code = passes.pass_code(SECRET, 42, NOW)
    other = "B" if code.mac[0] != "B" else "C"
    assert not passes.is_valid(SECRET, PassCode(42, other + code.mac[1:]), NOW)


def test_another_students_id_with_this_mac_is_refused():
    code = passes.pass_code(SECRET, 42, NOW)
    assert not passes.is_valid(SECRET, PassCode(43, code.mac), NOW)


def test_a_new_secret_voids_every_earlier_code():
    code = passes.pass_code(SECRET, 42, NOW)
    assert not passes.is_valid("b" * 64, code, NOW)


def test_an_empty_secret_accepts_nothing():
    code = passes.pass_code("", 42, NOW)
    assert not passes.is_valid("", code, NOW)


def test_codes_change_every_step_and_differ_between_students():
    assert passes.pass_code(SECRET, 42, NOW) != passes.pass_code(SECRET, 42, NOW + STEP_SECONDS)
    assert passes.pass_code(SECRET, 42, NOW).mac != passes.pass_code(SECRET, 43, NOW).mac


def test_seconds_to_next_step():
    assert passes.seconds_to_next_step(NOW) == 15
    assert passes.seconds_to_next_step(1_800_000_010.0 - 10) == STEP_SECONDS


def test_what_cannot_be_a_pass_is_not_parsed():
    for text in (
        "",
        "hello",
        "42",
        "42-",
        "-ABCDEFGH",
        "42-ABCDEFG",  # too short
        "42-ABCDEFGHJ",  # too long
        "42-ABCDEFG0",  # 0 is not in the alphabet
        "x42-ABCDEFGH",
        "4²-ABCDEFGH",
        "https://example.com/42-ABCDEFGH",
        "4" * 13 + "-ABCDEFGH",
        "42-ABCDEFGH" + " " * 60,
    ):
        assert passes.parse(text) is None, text
