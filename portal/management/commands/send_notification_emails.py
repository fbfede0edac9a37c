from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portal.services.notifications import retry_unsent_emails


class Command(BaseCommand):
    help = (
        "Retry notification emails that did not go out (mail server down, process restarted). "
        "Run it from cron every few minutes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=5,
            help="Only notifications at least this many minutes old (default 5).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        attempted = retry_unsent_emails(older_than=timedelta(minutes=options["older_than"]))
        self.stdout.write(f"Retried {attempted} email(s).")
