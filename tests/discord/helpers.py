"""Requests signed as Discord signs them, with a key pair generated for the test run; sent
through the real endpoint, so the real verification code checks them."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client

from portal.models import DiscordLink, StudentProfile, User

URL = "/integrations/discord/"
_ids = itertools.count(1_100_000_000_000_000_000)


def public_hex(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()


def new_interaction_id() -> str:
    return str(next(_ids))


def command_body(
    name: str,
    discord_user_id: str,
    *,
    interaction_id: str | None = None,
    locale: str = "en-GB",
    in_server: bool = True,
    **options: Any,
) -> dict[str, Any]:
    user = {"id": discord_user_id, "username": "someone"}
    body: dict[str, Any] = {
        "type": 2,
        "id": interaction_id or new_interaction_id(),
        "application_id": "999",
        "token": "interaction-token",
        "locale": locale,
        "data": {
            "id": "1",
            "name": name,
            "type": 1,
            "options": [
                {"name": k, "type": 4 if isinstance(v, int) else 3, "value": v}
                for k, v in options.items()
            ],
        },
    }
    if in_server:
        body["member"] = {"user": user}
        body["guild_id"] = "555"
    else:
        body["user"] = user
    return body


class Discord:
    """Posts to the endpoint as Discord would: raw JSON, signed with `key`."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self.key = key
        self.client = Client()

    def signed_headers(self, raw: bytes, *, timestamp: int | None = None) -> dict[str, str]:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signature = self.key.sign(stamp.encode() + raw).hex()
        return {"HTTP_X_SIGNATURE_ED25519": signature, "HTTP_X_SIGNATURE_TIMESTAMP": stamp}

    def post_raw(self, raw: bytes, headers: dict[str, str], **extra: Any) -> Any:
        return self.client.post(URL, data=raw, content_type="application/json", **headers, **extra)

    def post(self, body: dict[str, Any], **extra: Any) -> Any:
        raw = json.dumps(body).encode()
        return self.post_raw(raw, self.signed_headers(raw), **extra)

    def command(self, name: str, discord_user_id: str, **options: Any) -> Any:
        return self.post(command_body(name, discord_user_id, **options))

    def say(self, name: str, discord_user_id: str, **options: Any) -> str:
        """The text of the reply to a command (which must be a private message)."""
        response = self.command(name, discord_user_id, **options)
        assert response.status_code == 200, response.content
        data = response.json()
        assert data["type"] == 4
        assert data["data"]["flags"] == 64
        assert data["data"]["allowed_mentions"] == {"parse": []}
        return data["data"]["content"]


def link(who: User | StudentProfile, discord_user_id: str) -> DiscordLink:
    """A link as if made by /link (the linking itself is tested through the endpoint)."""
    user = who.user if isinstance(who, StudentProfile) else who
    return DiscordLink.objects.create(user=user, discord_user_id=discord_user_id)
