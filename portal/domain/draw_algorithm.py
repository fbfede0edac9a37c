# The draw algorithm, dependency-free: the verification page prints this file's code verbatim,
# so anyone can recompute a draw's winners in a plain `python3`.
from __future__ import annotations

import hashlib
import hmac

SPACE = 2**256  # an HMAC-SHA256 digest read as a big-endian integer is uniform on [0, SPACE)


def commitment(seed_hex: str) -> str:
    """The SHA-256 of the seed, published when the draw is created."""
    return hashlib.sha256(bytes.fromhex(seed_hex)).hexdigest()


def pick_index(seed_hex: str, draw_id: int, pick: int, n: int) -> int:
    """An index in [0, n) from HMAC-SHA256(seed, "draw_id:pick"), without modulo bias: a
    number in the top partial block of size SPACE % n is rejected and the message gets a
    retry suffix (":1", ":2", ...), so every index is equally likely."""
    limit = SPACE - SPACE % n
    attempt = 0
    while True:
        message = f"{draw_id}:{pick}" if attempt == 0 else f"{draw_id}:{pick}:{attempt}"
        digest = hmac.new(bytes.fromhex(seed_hex), message.encode(), hashlib.sha256).digest()
        number = int.from_bytes(digest, "big")
        if number < limit:
            return number % n
        attempt += 1


def pick_winners(seed_hex: str, draw_id: int, entrant_ids: list[int], count: int) -> list[int]:
    """Pick up to `count` distinct entrants, in order. Entrants are sorted by id first, so the
    result depends only on the seed, the draw id and the set of entrants."""
    remaining = sorted(entrant_ids)
    picked = []
    for pick in range(min(count, len(remaining))):
        picked.append(remaining.pop(pick_index(seed_hex, draw_id, pick, len(remaining))))
    return picked
