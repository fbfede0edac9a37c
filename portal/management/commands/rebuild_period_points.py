from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from portal.services import period_points


class Command(BaseCommand):
    help = (
        "Recompute the current week, month and term totals behind the period leaderboards "
        "from the ledger. Run it after changing TIME_ZONE or TERM_STARTS, or when "
        "check_ledger reports a period mismatch."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        written = period_points.rebuild_current()
        summary = ", ".join(f"{count} for the {period}" for period, count in written.items())
        self.stdout.write(self.style.SUCCESS(f"Period totals rebuilt: {summary}."))
