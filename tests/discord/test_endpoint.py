"""The interactions endpoint: Discord's signature, checked by the real code, or nothing."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace
from unittest import mock

import django_ratelimit.core
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from portal.domain import discord as discord_domain
from portal.models import AuditLog, DiscordLink, Transaction

from .conftest import STUDENT_DISCORD
from .helpers import URL, Discord, command_body, public_hex

pytestmark = pytest.mark.django_db


def nothing_happened() -> None:
    assert Transaction.objects.count() == 0
    assert DiscordLink.objects.count() == 0
    assert AuditLog.objects.count() == 0


def test_ping_is_answered_with_pong(discord):
    response = discord.post({"type": 1, "id": "123", "application_id": "999", "token": "t"})
    assert response.status_code == 200
    assert response.json() == {"type": 1}
    assert response["Content-Type"] == "application/json"


def test_an_unsigned_request_is_refused(discord):
    raw = json.dumps({"type": 1, "id": "123"}).encode()
    assert discord.post_raw(raw, {}).status_code == 401


def test_a_request_signed_with_another_key_is_refused(bot_key):
    stranger = Discord(Ed25519PrivateKey.generate())
    response = stranger.post({"type": 1, "id": "123"})
    assert response.status_code == 401


def test_a_tampered_body_is_refused(discord, linked, student, category, admin, give):
    give(student, 30, actor=admin, category=category)
    entries = Transaction.objects.count()
    raw = json.dumps(command_body("redeem", STUDENT_DISCORD, reward="Mug")).encode()
    headers = discord.signed_headers(raw)
    tampered = raw.replace(b"Mug", b"Hat")
    assert discord.post_raw(tampered, headers).status_code == 401
    assert Transaction.objects.count() == entries


# Ten seconds past the limit: the header holds whole seconds and the request takes time, so a
# timestamp one second in the future could be inside the window by the time the view reads the
# clock. The exact edges are tested below with a fixed clock.
@pytest.mark.parametrize("age", [310, -310, 3600])
def test_a_stale_or_future_timestamp_is_refused(discord, age):
    raw = json.dumps({"type": 1, "id": "123"}).encode()
    headers = discord.signed_headers(raw, timestamp=int(time.time()) - age)
    assert discord.post_raw(raw, headers).status_code == 401


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [
        (-discord_domain.MAX_AGE, True),
        (discord_domain.MAX_AGE, True),
        (-discord_domain.MAX_AGE - 1, False),
        (discord_domain.MAX_AGE + 1, False),
    ],
)
def test_the_timestamp_window_is_max_age_either_side(discord, bot_key, offset, accepted):
    now = 1_796_000_000
    body = b'{"type": 1}'
    headers = discord.signed_headers(body, timestamp=now + offset)
    signed = discord_domain.verify_request(
        public_key_hex=public_hex(bot_key),
        signature_hex=headers["HTTP_X_SIGNATURE_ED25519"],
        timestamp=headers["HTTP_X_SIGNATURE_TIMESTAMP"],
        body=body,
        now=float(now),
    )
    assert signed is accepted


def test_a_recent_timestamp_is_accepted(discord):
    raw = json.dumps({"type": 1, "id": "123"}).encode()
    headers = discord.signed_headers(raw, timestamp=int(time.time()) - 200)
    assert discord.post_raw(raw, headers).status_code == 200


@pytest.mark.parametrize(
    ("signature", "timestamp"),
    [
        ("zz" * 64, None),  # not hex
        ("ab" * 10, None),  # too short
        (None, "yesterday"),  # not a number
        (None, "１２３"),  # digits, but not ASCII ones
        (None, "1" + "0" * 400),  # a number too big to compare (was a 500)
        (None, "9" * 5000),  # past Python's digit limit for int()
        (None, ""),
    ],
)
def test_malformed_signature_headers_are_refused(discord, signature, timestamp):
    raw = json.dumps({"type": 1, "id": "123"}).encode()
    headers = discord.signed_headers(raw)
    if signature is not None:
        headers["HTTP_X_SIGNATURE_ED25519"] = signature
    if timestamp is not None:
        headers["HTTP_X_SIGNATURE_TIMESTAMP"] = timestamp
    assert discord.post_raw(raw, headers).status_code == 401
    nothing_happened()


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[]",
        b'{"type": 2, "id": "1"}',
        b'{"type": "1", "id": "1"}',
        b'{"id": "x"}',
        b'{"type": 2, "id": "1", "user": {"id": "5"}, "data": {"name": "rank", "options": 7}}',
        b'{"type": 2, "id": "1", "user": {"id": "5"}, "data": {"name": "rank", "options": [1]}}',
        b'{"type": 2, "id": "1", "user": {"id": "x"}, "data": {"name": "rank"}}',
        b'{"type": 3, "id": "1"}',
    ],
)
def test_a_signed_body_that_is_no_interaction_is_a_bad_request(discord, raw):
    assert discord.post_raw(raw, discord.signed_headers(raw)).status_code == 400
    nothing_happened()


def test_without_a_public_key_the_endpoint_does_not_exist(discord, settings):
    settings.DISCORD_PUBLIC_KEY = ""
    response = discord.post({"type": 1, "id": "123"})
    assert response.status_code == 404


def test_only_post_is_answered(discord):
    assert discord.client.get(URL).status_code == 405


def test_a_session_is_not_a_signature(discord, client_as, student):
    """A signed-in browser posting here (a forged form) is refused like anyone unsigned."""
    raw = json.dumps(command_body("points", STUDENT_DISCORD)).encode()
    response = client_as(student).post(URL, data=raw, content_type="application/json")
    assert response.status_code == 401


def test_unsigned_requests_from_one_address_are_limited(discord, settings):
    settings.RATELIMIT_ENABLE = True
    raw = b"{}"
    # The limit counts per clock minute: 601 requests on a loaded machine could straddle
    # a minute's end and start counting again. django-ratelimit's clock stands still here.
    now = time.time()
    still = SimpleNamespace(time=lambda: now)
    with mock.patch.object(django_ratelimit.core, "time", still):
        statuses = [discord.post_raw(raw, {}).status_code for _ in range(601)]
    assert statuses[:600] == [401] * 600
    assert statuses[600] == 429


def test_commands_are_limited_per_discord_user(discord, linked):
    replies = [discord.say("rank", STUDENT_DISCORD) for _ in range(21)]
    assert "Too many commands" not in replies[19]
    assert "Too many commands" in replies[20]


def test_a_direct_message_command_names_its_user_at_the_top_level(discord, linked, student):
    body = command_body("points", STUDENT_DISCORD, in_server=False)
    response = discord.post(body)
    assert "Balance: 0 points" in response.json()["data"]["content"]
