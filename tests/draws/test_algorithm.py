"""portal.domain.draw_algorithm, the pure function behind every draw (DESIGN.md "Verifiable
draws", invariant 6): determinism, distinct winners, the commitment, the rejection step that
removes modulo bias, and a statistical sanity check. No database."""

from __future__ import annotations

import hashlib
import hmac
import random
from collections import Counter
from types import SimpleNamespace

import pytest

from portal.domain import draw_algorithm
from portal.domain.draw_algorithm import commitment, pick_index, pick_winners

SEED = "00112233445566778899aabbccddeeff" * 2


def seeds(count: int) -> list[str]:
    """`count` distinct, reproducible 32-byte seeds: the statistical tests never flake."""
    return [hashlib.sha256(f"seed {i}".encode()).hexdigest() for i in range(count)]


def reference_winners(seed_hex: str, draw_id: int, entrants: list[int], count: int) -> list[int]:
    """DESIGN.md's algorithm written again from the text, independently of the module: sort the
    entrants; pick i is HMAC-SHA256(seed, "draw_id:i") read big-endian, reduced modulo the
    number left (the rejection zone is never hit with 256-bit numbers and n <= 1000)."""
    remaining = sorted(entrants)
    picked = []
    for i in range(min(count, len(remaining))):
        mac = hmac.new(bytes.fromhex(seed_hex), f"{draw_id}:{i}".encode(), hashlib.sha256)
        picked.append(remaining.pop(int.from_bytes(mac.digest(), "big") % len(remaining)))
    return picked


# --- determinism and shape ---------------------------------------------------------------------


def test_the_same_seed_and_entrants_give_the_same_winners():
    entrants = list(range(100, 160))
    first = pick_winners(SEED, 7, entrants, 5)
    assert [pick_winners(SEED, 7, entrants, 5) for _ in range(3)] == [first] * 3


def test_the_order_the_entrants_are_given_in_does_not_matter():
    entrants = list(range(1, 51))
    expected = pick_winners(SEED, 3, entrants, 6)
    shuffler = random.Random(42)
    for _ in range(20):
        shuffled = entrants[:]
        shuffler.shuffle(shuffled)
        assert pick_winners(SEED, 3, shuffled, 6) == expected


def test_the_result_matches_the_algorithm_as_described_in_the_design():
    entrants = [5, 17, 18, 40, 41, 99, 230, 231, 500]
    for seed in seeds(50):
        assert pick_winners(seed, 12, entrants, 4) == reference_winners(seed, 12, entrants, 4)


def test_a_known_draw_keeps_its_result():
    """Pinned output: a change to the algorithm would silently invalidate every past draw's
    verification page, so it has to fail here first."""
    assert pick_winners(SEED, 1, list(range(1, 11)), 3) == [4, 5, 9]


def test_another_seed_or_draw_id_gives_another_result():
    entrants = list(range(1, 1001))
    results = {tuple(pick_winners(seed, 1, entrants, 3)) for seed in seeds(20)}
    results |= {tuple(pick_winners(SEED, draw_id, entrants, 3)) for draw_id in range(1, 21)}
    assert len(results) == 40


def test_winners_are_distinct_entrants():
    entrants = list(range(1, 31))
    for seed in seeds(200):
        picked = pick_winners(seed, 9, entrants, 10)
        assert len(picked) == 10
        assert len(set(picked)) == 10
        assert set(picked) <= set(entrants)


@pytest.mark.parametrize("count", [4, 5, 50])
def test_asking_for_more_winners_than_entrants_picks_everyone(count):
    entrants = [8, 3, 11, 42]
    picked = pick_winners(SEED, 2, entrants, count)
    assert sorted(picked) == [3, 8, 11, 42]


def test_no_entrants_or_no_picks_pick_nobody():
    assert pick_winners(SEED, 1, [], 3) == []
    assert pick_winners(SEED, 1, [1, 2, 3], 0) == []


def test_the_input_list_is_not_changed():
    entrants = [9, 2, 5, 1]
    pick_winners(SEED, 1, entrants, 2)
    assert entrants == [9, 2, 5, 1]


def test_the_first_picks_do_not_depend_on_how_many_are_asked_for():
    """Winners then alternates: asking for more picks only appends."""
    entrants = list(range(1, 41))
    assert pick_winners(SEED, 4, entrants, 8)[:3] == pick_winners(SEED, 4, entrants, 3)


def test_the_commitment_is_the_sha256_of_the_seed_bytes():
    assert commitment(SEED) == hashlib.sha256(bytes.fromhex(SEED)).hexdigest()
    assert len(commitment(SEED)) == 64
    other = SEED[:-1] + ("0" if SEED[-1] != "0" else "1")
    assert commitment(other) != commitment(SEED)


# --- the rejection step -------------------------------------------------------------------------


def mac_number(seed_hex: str, message: str) -> int:
    digest = hmac.new(bytes.fromhex(seed_hex), message.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest, "big")


def test_a_number_in_the_top_partial_block_is_rejected_and_the_retry_message_decides():
    """With n = 2**255 + 1 the top partial block [2**255 + 1, 2**256) is almost half the space,
    so real HMACs land in it about every other time: the real module, no patching."""
    n = 2**255 + 1
    limit = 2**256 - 2**256 % n
    assert limit == n  # one full block only: everything from n up must be rejected
    rejected_once = next(
        s for s in seeds(100) if mac_number(s, "5:0") >= limit and mac_number(s, "5:0:1") < limit
    )
    assert pick_index(rejected_once, 5, 0, n) == mac_number(rejected_once, "5:0:1") % n
    assert pick_index(rejected_once, 5, 0, n) != mac_number(rejected_once, "5:0") % n

    rejected_twice = next(
        s
        for s in seeds(1000)
        if mac_number(s, "5:0") >= limit
        and mac_number(s, "5:0:1") >= limit
        and mac_number(s, "5:0:2") < limit
    )
    assert pick_index(rejected_twice, 5, 0, n) == mac_number(rejected_twice, "5:0:2") % n

    accepted = next(s for s in seeds(100) if mac_number(s, "5:0") < limit)
    assert pick_index(accepted, 5, 0, n) == mac_number(accepted, "5:0")


class OneByteHmac:
    """Stands in for the `hmac` module inside draw_algorithm: the same HMAC, truncated to its
    first byte, so that with SPACE = 2**8 the rejection zone is large (56 of 256 values for
    n = 100) and the retry path runs often. Records every message."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def new(self, key: bytes, message: bytes, digestmod: object) -> SimpleNamespace:
        self.messages.append(message.decode())
        first = hmac.new(key, message, hashlib.sha256).digest()[:1]
        return SimpleNamespace(digest=lambda: first)


@pytest.fixture
def one_byte(monkeypatch) -> OneByteHmac:
    fake = OneByteHmac()
    monkeypatch.setattr(draw_algorithm, "hmac", fake)
    monkeypatch.setattr(draw_algorithm, "SPACE", 2**8)
    return fake


def test_the_rejection_step_uses_the_retry_suffix(one_byte):
    # 256 % 100 = 56: the bytes 200..255 would favour indexes 0..55 and must be retried.
    for seed in seeds(200):
        one_byte.messages.clear()
        index = pick_index(seed, 3, 7, 100)
        numbers = [mac_number(seed, m) >> 248 for m in one_byte.messages]
        assert one_byte.messages == ["3:7"] + [f"3:7:{a}" for a in range(1, len(numbers))]
        assert all(b >= 200 for b in numbers[:-1]) and numbers[-1] < 200
        assert index == numbers[-1] % 100
    retried = [s for s in seeds(200) if mac_number(s, "3:7") >> 248 >= 200]
    assert len(retried) > 20  # about 56/256 of 200 seeds: the retry path really ran


def test_with_rejection_every_index_is_equally_likely(one_byte):
    """4,000 picks from 100 with one-byte numbers. Without the rejection step indexes 0..55
    would come up 3/256 of the time and 56..99 2/256, so the low block would hold 65.6% of
    picks; uniform, it holds 56%. The standard deviation of that share over 4,000 picks is
    sqrt(0.56 * 0.44 / 4000) = 0.0078, so 5 sigma is +-0.039, and the biased 0.656 is 12 sigma
    away. The seeds are fixed, so the test is also reproducible."""
    picks = [pick_index(seed, 1, 0, 100) for seed in seeds(4000)]
    low_share = sum(1 for p in picks if p < 56) / len(picks)
    assert abs(low_share - 0.56) < 0.039
    assert set(picks) <= set(range(100))
    assert len(set(picks)) == 100
    assert any(m.endswith(":1") for m in one_byte.messages)


# --- statistics ---------------------------------------------------------------------------------


def test_each_entrant_wins_about_equally_often_over_many_seeds():
    """20 entrants, 1 winner, 4,000 seeds: each entrant's win count is binomial with mean 200
    and standard deviation sqrt(4000 * 0.05 * 0.95) = 13.8; 5 sigma (69) is a band no fair
    algorithm leaves (p < 6e-7 per entrant), while always favouring one position would."""
    entrants = list(range(1, 21))
    wins = Counter(pick_winners(seed, 42, entrants, 1)[0] for seed in seeds(4000))
    assert set(wins) == set(entrants)
    assert all(abs(wins[e] - 200) <= 69 for e in entrants), wins
    # And all together: chi-square with 19 degrees of freedom; 50 is beyond p = 1e-4.
    chi_square = sum((wins[e] - 200) ** 2 / 200 for e in entrants)
    assert chi_square < 50, chi_square


def test_later_picks_are_as_fair_as_the_first():
    """10 entrants, 3 winners, 3,000 seeds: each is a winner with probability 3/10, mean 900
    and standard deviation sqrt(3000 * 0.3 * 0.7) = 25.1; 5 sigma = 126. The third pick alone
    (from the 8 left) is uniform over everyone too: mean 300, sd 16.4, 5 sigma = 82."""
    entrants = list(range(1, 11))
    results = [pick_winners(seed, 8, entrants, 3) for seed in seeds(3000)]
    among = Counter(e for picked in results for e in picked)
    third = Counter(picked[2] for picked in results)
    assert all(abs(among[e] - 900) <= 126 for e in entrants), among
    assert all(abs(third[e] - 300) <= 82 for e in entrants), third
