from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from portal.selectors.ledger import find_ledger_mismatches


class Command(BaseCommand):
    help = (
        "Recompute every balance and lifetime total from the ledger; exit 1 naming each mismatch."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        mismatches = find_ledger_mismatches()
        for m in mismatches:
            self.stderr.write(
                f"{m.enrollment_number} {m.name}: "
                f"balance {m.balance} but ledger says {m.ledger_balance}; "
                f"lifetime {m.lifetime_points} but ledger says {m.ledger_lifetime}"
            )
        if mismatches:
            raise CommandError(
                f"{len(mismatches)} student(s) do not match the ledger.", returncode=1
            )
        self.stdout.write(
            self.style.SUCCESS("Ledger OK: every balance and lifetime total matches.")
        )
