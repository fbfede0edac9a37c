from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portal.services.reminders import REMIND_AHEAD, send_due_reminders


class Command(BaseCommand):
    help = (
        "Notify the students who asked to be reminded of events starting within the next "
        "hours (default 24). Each is reminded once; run it from cron, e.g. every 15 minutes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--hours",
            type=int,
            default=int(REMIND_AHEAD.total_seconds() // 3600),
            help="Remind of events starting within this many hours.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        reminded = send_due_reminders(ahead=timedelta(hours=options["hours"]))
        self.stdout.write(f"Reminded {reminded} student(s).")
