"""Door passes: a student's rotating pass code, shown as a QR code and as text.

A pass code is "<user id>-<MAC>": the MAC is HMAC-SHA256(the student's pass secret,
"pass:<user id>:<time step>") with 30-second steps, written as MAC_LENGTH characters of an
alphabet without look-alikes. The current and the previous step are accepted, so a code lives
30 to 60 seconds: a screenshot from a minute ago, or from yesterday, is refused. Resetting the
secret makes every code shown so far useless at once. The QR code carries the same code after
QR_PREFIX, so a scanner tells a pass from any other QR code (the event's own check-in QR).

Pure: the caller passes the secret and the time (a Unix timestamp)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

STEP_SECONDS = 30
# No 0/O, 1/I/L: the code may be read off a phone and typed by the organiser.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
# 31**8 (about 2**39.6) MACs with two valid at a time. Only organisers may submit a pass, and
# they can check anyone in by hand anyway: the MAC stops an old screenshot, not a brute force.
MAC_LENGTH = 8
QR_PREFIX = "UPAS-PASS:"
MAX_CODE_LENGTH = 64  # anything longer is not a pass; never hashed


@dataclass(frozen=True)
class PassCode:
    user_id: int
    mac: str

    def __str__(self) -> str:
        return f"{self.user_id}-{self.mac}"


def time_step(timestamp: float) -> int:
    return int(timestamp) // STEP_SECONDS


def seconds_to_next_step(timestamp: float) -> int:
    return STEP_SECONDS - int(timestamp) % STEP_SECONDS


def mac_for(secret: str, user_id: int, step: int) -> str:
    digest = hmac.new(secret.encode(), f"pass:{user_id}:{step}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _position in range(MAC_LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def pass_code(secret: str, user_id: int, timestamp: float) -> PassCode:
    """The code a student's pass shows at `timestamp`."""
    return PassCode(user_id, mac_for(secret, user_id, time_step(timestamp)))


def qr_payload(code: PassCode) -> str:
    return f"{QR_PREFIX}{code}"


def parse(text: str) -> PassCode | None:
    """A scanned QR payload or a typed code ("4821-K7PQ2MXA", any case, spaces ignored);
    None when it cannot be a pass code at all."""
    if len(text) > MAX_CODE_LENGTH:
        return None
    compact = "".join(text.split()).upper()
    if compact.startswith(QR_PREFIX):
        compact = compact[len(QR_PREFIX) :]
    user_part, dash, mac = compact.partition("-")
    if not dash or not user_part.isascii() or not user_part.isdigit() or len(user_part) > 12:
        return None
    if len(mac) != MAC_LENGTH or any(c not in ALPHABET for c in mac):
        return None
    return PassCode(int(user_part), mac)


def is_valid(secret: str, code: PassCode, timestamp: float) -> bool:
    """The code was made with `secret` in the current or the previous step."""
    if not secret:
        return False
    step = time_step(timestamp)
    return any(
        hmac.compare_digest(code.mac, mac_for(secret, code.user_id, s)) for s in (step, step - 1)
    )
