from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portal.services.halls import send_due_booking_reminders
from portal.services.reminders import REMIND_AHEAD, send_due_reminders


class Command(BaseCommand):
    help = (
        "Notify the students who asked to be reminded of events starting within the next "
        "hours (default 24), and the organisers of approved hall bookings starting then. Each "
        "is reminded once; run it from cron, e.g. every 15 minutes (the worker does it too)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--hours",
            type=int,
            default=int(REMIND_AHEAD.total_seconds() // 3600),
            help="Remind of events starting within this many hours.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ahead = timedelta(hours=options["hours"])
        reminded = send_due_reminders(ahead=ahead)
        self.stdout.write(f"Reminded {reminded} student(s).")
        booked = send_due_booking_reminders(ahead=ahead)
        self.stdout.write(f"Reminded {booked} organiser(s) of their hall bookings.")
