from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from portal.domain.discord import command_definitions


class Command(BaseCommand):
    help = (
        "Register the bot's slash commands with Discord (a bulk overwrite: commands no longer "
        "defined are removed). Global by default; --guild ID for one server, which updates "
        "at once (handy while testing)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--guild", help="a server's id: register there only")

    def handle(self, *args: Any, **options: Any) -> None:
        app_id, token = settings.DISCORD_APPLICATION_ID, settings.DISCORD_BOT_TOKEN
        if not app_id or not token:
            raise CommandError(
                "Set DISCORD_APPLICATION_ID and DISCORD_BOT_TOKEN (from the Discord Developer "
                "Portal, see docs/DISCORD.md) before registering the commands.",
                returncode=2,
            )
        guild = options.get("guild")
        if not re.fullmatch(r"[0-9]{1,20}", app_id) or (
            guild and not re.fullmatch(r"[0-9]{1,20}", guild)
        ):
            raise CommandError("Application and server ids are numbers.", returncode=2)
        base = settings.DISCORD_API_BASE
        if not base.startswith(("https://", "http://")):
            raise CommandError("DISCORD_API_BASE must be an http(s) address.", returncode=2)
        path = f"/applications/{app_id}" + (f"/guilds/{guild}" if guild else "") + "/commands"
        # Described in the site's language: Discord shows these to every member.
        with translation.override(settings.LANGUAGE_CODE):
            commands = command_definitions()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            base + path,
            data=json.dumps(commands).encode(),
            method="PUT",
            headers={
                "Authorization": f"Bot {token}",
                "Content-Type": "application/json",
                # Discord refuses API requests without a bot User-Agent.
                "User-Agent": "DiscordBot (https://github.com/upas-portal, 1.0)",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
                registered = json.loads(response.read() or b"[]")
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:500].decode(errors="replace")
            raise CommandError(f"Discord refused the commands ({exc.code}): {detail}") from exc
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            raise CommandError(f"Could not reach Discord at {base}: {exc}") from exc
        where = f"server {guild}" if guild else "every server (global)"
        names = ", ".join(f"/{c.get('name')}" for c in registered if isinstance(c, dict))
        self.stdout.write(
            self.style.SUCCESS(f"Registered {len(registered)} commands for {where}: {names}")
        )
