from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .helpers import Discord, link, public_hex

STUDENT_DISCORD = "200000000000000001"
OTHER_DISCORD = "200000000000000002"
FACULTY_DISCORD = "200000000000000003"
STRANGER_DISCORD = "200000000000000009"


@pytest.fixture
def bot_key(settings) -> Ed25519PrivateKey:
    """A fresh key pair: the endpoint trusts its public half, Discord (the test) signs with the
    private half."""
    key = Ed25519PrivateKey.generate()
    settings.DISCORD_PUBLIC_KEY = public_hex(key)
    return key


@pytest.fixture
def discord(bot_key) -> Discord:
    return Discord(bot_key)


@pytest.fixture
def linked(student, other_student, faculty, category):
    """`student`, `other_student` and `faculty` linked to their Discord accounts, and the
    category "Academic merit" (5 to 50 points)."""
    link(student, STUDENT_DISCORD)
    link(other_student, OTHER_DISCORD)
    link(faculty, FACULTY_DISCORD)
