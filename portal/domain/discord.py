"""Discord interactions, pure: the request signature, the interaction's shape, the answers'
shape, the link codes' alphabet and the slash commands' definitions.

Discord signs every request it sends to an interactions endpoint with the application's
Ed25519 key: `X-Signature-Ed25519` is the hex signature of `X-Signature-Timestamp` followed by
the raw body. Verified here with `cryptography` (already used for certificates, so no second
Ed25519 library); a timestamp more than MAX_AGE seconds away from now is refused, so a
captured request cannot be replayed later."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.utils.translation import gettext_lazy as _

MAX_AGE = 300  # seconds either side of now
EPHEMERAL = 1 << 6  # message flag: only the user who typed the command sees the answer
MAX_CONTENT = 2000  # Discord's limit on a message's text

# Interaction and response types (Discord's "Receiving and Responding" reference).
PING = 1
APPLICATION_COMMAND = 2
PONG = 1
CHANNEL_MESSAGE = 4

# Option types.
STRING = 3
INTEGER = 4
USER = 6

# Link codes: no 0/O, 1/I/L, so a code read aloud or typed from a phone is not mistyped.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
_SNOWFLAKE = re.compile(r"[0-9]{1,20}")
_HEX = re.compile(r"[0-9a-fA-F]+")


class MalformedInteraction(ValueError):
    """The body is signed but is not an interaction this endpoint understands."""


# --- signature ----------------------------------------------------------------------------------


def verify_request(
    *, public_key_hex: str, signature_hex: str, timestamp: str, body: bytes, now: float
) -> bool:
    """True when `signature_hex` is the key's signature of timestamp + body and the timestamp
    lies within MAX_AGE seconds of `now`. Anything malformed (not hex, wrong length, not a
    number) is simply False."""
    # A Unix time has at most 12 digits; a longer one would overflow the comparison.
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        return False
    if abs(now - int(timestamp)) > MAX_AGE:
        return False
    if len(signature_hex) != 128 or not _HEX.fullmatch(signature_hex):
        return False
    if len(public_key_hex) != 64 or not _HEX.fullmatch(public_key_hex):
        return False
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))
        key.verify(bytes.fromhex(signature_hex), timestamp.encode() + body)
    except (InvalidSignature, ValueError):
        return False
    return True


# --- the interaction ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Interaction:
    id: str
    type: int
    command: str = ""
    discord_user_id: str = ""
    locale: str = ""
    options: dict[str, Any] = field(default_factory=dict)


def parse_interaction(body: bytes) -> Interaction:
    """The fields this endpoint uses, checked. Raises MalformedInteraction."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedInteraction("not JSON") from exc
    if not isinstance(data, dict):
        raise MalformedInteraction("not an object")
    kind, interaction_id = data.get("type"), data.get("id")
    if not isinstance(kind, int) or isinstance(kind, bool):
        raise MalformedInteraction("no type")
    if not isinstance(interaction_id, str) or not _SNOWFLAKE.fullmatch(interaction_id):
        raise MalformedInteraction("no id")
    if kind != APPLICATION_COMMAND:
        return Interaction(id=interaction_id, type=kind)
    # In a server the user is under "member"; in a direct message, at the top level.
    member = data.get("member")
    user = member.get("user") if isinstance(member, dict) else data.get("user")
    user_id = user.get("id") if isinstance(user, dict) else None
    if not isinstance(user_id, str) or not _SNOWFLAKE.fullmatch(user_id):
        raise MalformedInteraction("no user")
    command = data.get("data")
    name = command.get("name") if isinstance(command, dict) else None
    if not isinstance(name, str):
        raise MalformedInteraction("no command")
    listed = command.get("options") or []
    if not isinstance(listed, list):
        raise MalformedInteraction("bad options")
    options: dict[str, Any] = {}
    for option in listed:
        if not isinstance(option, dict) or not isinstance(option.get("name"), str):
            raise MalformedInteraction("bad option")
        value = option.get("value")
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise MalformedInteraction("bad option value")
        options[option["name"]] = value
    locale = data.get("locale")
    return Interaction(
        id=interaction_id,
        type=kind,
        command=name,
        discord_user_id=user_id,
        locale=locale if isinstance(locale, str) else "",
        options=options,
    )


def portal_language(discord_locale: str, languages: list[str]) -> str | None:
    """The portal language matching a Discord locale ("en-GB" -> "en-gb", "en-US" -> "en-gb"
    when only British English is offered), or None."""
    wanted = discord_locale.lower()
    if wanted in languages:
        return wanted
    base = wanted.split("-")[0]
    return next((code for code in languages if code.split("-")[0] == base), None) if base else None


# --- answers ------------------------------------------------------------------------------------


def pong() -> dict[str, Any]:
    return {"type": PONG}


def message(content: str, *, private: bool = True) -> dict[str, Any]:
    """A reply in the channel; private ones (personal data) only the user sees. Mentions never
    ping anyone, whatever the text contains."""
    if len(content) > MAX_CONTENT:
        content = content[: MAX_CONTENT - 1] + "…"
    data: dict[str, Any] = {"content": content, "allowed_mentions": {"parse": []}}
    if private:
        data["flags"] = EPHEMERAL
    return {"type": CHANNEL_MESSAGE, "data": data}


# Never at a line's start in our answers, so headings and lists (# and -) cannot begin.
_MARKDOWN = re.compile(r"([\\*_~`|>\[\]])")


def plain(text: object) -> str:
    """Text from the portal (a name, a reason, a title) shown as typed: Discord's markdown
    characters escaped, so a name with asterisks does not turn the rest of the line bold."""
    return _MARKDOWN.sub(r"\\\1", str(text))


# --- link codes ---------------------------------------------------------------------------------


def new_link_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(typed: str) -> str:
    """The code as stored (upper case, without the spaces and dashes people type), or "" when
    it cannot be one: such a code never reaches the database."""
    code = re.sub(r"[\s-]", "", typed).upper()
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return ""
    return code


def spaced(code: str) -> str:
    """ABCD-EFGH: easier to read off a screen."""
    return f"{code[:4]}-{code[4:]}"


# --- the slash commands -------------------------------------------------------------------------

STAFF_COMMANDS = ("award", "deduct")


def _option(name: str, kind: int, description: Any, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": kind, "description": str(description), "required": True, **extra}


def command_definitions() -> list[dict[str, Any]]:
    """The commands as Discord's bulk-overwrite endpoint takes them (chat-input commands,
    type 1), described in the active language. Staff commands are hidden from every member
    until a server admin grants them to a role (`default_member_permissions` "0") and not
    offered in direct messages; the portal checks the role anyway."""
    personal = {"type": 1, "dm_permission": True}
    staff = {"type": 1, "dm_permission": False, "default_member_permissions": "0"}
    user = _option("user", USER, _("The student's Discord account"))
    points = _option("points", INTEGER, _("How many points"), min_value=1, max_value=100000)
    reason = _option("reason", STRING, _("Why (the student reads it)"), max_length=500)
    return [
        {**personal, "name": "points", "description": str(_("Your balance and rank"))},
        {**personal, "name": "history", "description": str(_("Your latest points"))},
        {**personal, "name": "ways-to-earn", "description": str(_("How to earn points"))},
        {**personal, "name": "shop", "description": str(_("Rewards you can redeem"))},
        {
            **personal,
            "name": "redeem",
            "description": str(_("Spend points on a reward")),
            "options": [
                _option("reward", STRING, _("The reward's name or number"), max_length=100)
            ],
        },
        {**personal, "name": "leaderboard", "description": str(_("The top students"))},
        {**personal, "name": "rank", "description": str(_("Your place on the leaderboard"))},
        {
            **personal,
            "name": "link",
            "description": str(_("Link your Discord account to the portal")),
            "options": [
                _option(
                    "code",
                    STRING,
                    _("The code shown in the portal's settings"),
                    min_length=CODE_LENGTH,
                    max_length=20,
                )
            ],
        },
        {
            **staff,
            "name": "award",
            "description": str(_("Award points to a student (staff)")),
            "options": [
                user,
                points,
                _option("category", STRING, _("The category's name"), max_length=80),
                reason,
            ],
        },
        {
            **staff,
            "name": "deduct",
            "description": str(_("Take points from a student (staff)")),
            "options": [
                user,
                points,
                reason,
                {
                    **_option("category", STRING, _("The category's name"), max_length=80),
                    "required": False,
                },
            ],
        },
    ]
