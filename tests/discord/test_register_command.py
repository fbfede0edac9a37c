"""`register_discord_commands` against a real HTTP server standing in for Discord's API."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

TOKEN = "bot-token-for-tests"
APP = "111222333444555666"


class FakeDiscord(BaseHTTPRequestHandler):
    """Checks what Discord's bulk-overwrite endpoint checks, and answers like it: the commands
    back, each with an id. Records every request."""

    received: list[dict[str, Any]]
    status = 200

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append(
            {
                "method": "PUT",
                "path": self.path,
                "authorization": self.headers.get("Authorization"),
                "content_type": self.headers.get("Content-Type"),
                "user_agent": self.headers.get("User-Agent", ""),
                "json": json.loads(body),
            }
        )
        if self.headers.get("Authorization") != f"Bot {TOKEN}":
            self._answer(401, {"message": "401: Unauthorized", "code": 0})
            return
        commands = json.loads(body)
        self._answer(self.status, [{**c, "id": str(i)} for i, c in enumerate(commands, 1)])

    def do_POST(self) -> None:  # the command must overwrite (PUT), never add one by one
        self.received.append({"method": "POST", "path": self.path})
        self._answer(405, {"message": "wrong method"})

    def _answer(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def api(settings) -> Iterator[list[dict[str, Any]]]:
    received: list[dict[str, Any]] = []
    handler = type("Handler", (FakeDiscord,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.DISCORD_API_BASE = f"http://127.0.0.1:{server.server_port}/api/v10"
    settings.DISCORD_APPLICATION_ID = APP
    settings.DISCORD_BOT_TOKEN = TOKEN
    yield received
    server.shutdown()
    server.server_close()
    thread.join()


def run(*args: str) -> str:
    out = StringIO()
    call_command("register_discord_commands", *args, stdout=out)
    return out.getvalue()


def test_registers_every_command_globally(api):
    output = run()
    assert len(api) == 1
    request = api[0]
    assert request["method"] == "PUT"
    assert request["path"] == f"/api/v10/applications/{APP}/commands"
    assert request["authorization"] == f"Bot {TOKEN}"
    assert request["content_type"] == "application/json"
    assert request["user_agent"].startswith("DiscordBot (")
    names = [c["name"] for c in request["json"]]
    assert names == [
        "points", "history", "ways-to-earn", "shop", "redeem", "leaderboard", "rank", "link",
        "award", "deduct",
    ]  # fmt: skip
    assert "Registered 10 commands for every server (global)" in output


def test_the_definitions_have_the_shape_discord_takes(api):
    run()
    commands = {c["name"]: c for c in api[0]["json"]}
    for command in commands.values():
        assert command["type"] == 1
        assert 1 <= len(command["description"]) <= 100
        assert isinstance(command["dm_permission"], bool)
        options = command.get("options", [])
        # Required options come first, as Discord insists.
        flags = [o["required"] for o in options]
        assert flags == sorted(flags, reverse=True)
        for option in options:
            assert option["type"] in (3, 4, 6)
            assert 1 <= len(option["description"]) <= 100
    for staff in ("award", "deduct"):
        assert commands[staff]["default_member_permissions"] == "0"
        assert commands[staff]["dm_permission"] is False
        types = {o["name"]: o["type"] for o in commands[staff]["options"]}
        assert types == {"user": 6, "points": 4, "category": 3, "reason": 3}
    assert "default_member_permissions" not in commands["points"]
    assert commands["points"]["dm_permission"] is True
    assert commands["redeem"]["options"][0]["name"] == "reward"
    assert commands["link"]["options"][0] == {
        "name": "code",
        "type": 3,
        "description": "The code shown in the portal's settings",
        "required": True,
        "min_length": 8,
        "max_length": 20,
    }


def test_registers_in_one_server(api):
    output = run("--guild", "777888999")
    assert api[0]["path"] == f"/api/v10/applications/{APP}/guilds/777888999/commands"
    assert "for server 777888999" in output


def test_a_refusal_by_discord_is_reported(api, settings):
    settings.DISCORD_BOT_TOKEN = "wrong"
    with pytest.raises(CommandError, match=r"Discord refused the commands \(401\)"):
        run()


@pytest.mark.parametrize("missing", ["DISCORD_APPLICATION_ID", "DISCORD_BOT_TOKEN"])
def test_refuses_without_credentials_and_sends_nothing(api, settings, missing):
    setattr(settings, missing, "")
    with pytest.raises(CommandError, match="Set DISCORD_APPLICATION_ID and DISCORD_BOT_TOKEN"):
        run()
    assert api == []


def test_refuses_a_guild_that_is_not_an_id(api):
    with pytest.raises(CommandError, match="ids are numbers"):
        run("--guild", "../../users/@me")
    assert api == []


def test_an_unreachable_api_is_reported(settings):
    settings.DISCORD_APPLICATION_ID = APP
    settings.DISCORD_BOT_TOKEN = TOKEN
    settings.DISCORD_API_BASE = "http://127.0.0.1:9/api/v10"  # the discard port: nobody there
    with pytest.raises(CommandError, match="Could not reach Discord"):
        run()
