from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from portal.selectors.ledger import (
    find_ledger_mismatches,
    find_period_department_mismatches,
    find_period_points_mismatches,
)


class Command(BaseCommand):
    help = (
        "Recompute every balance and lifetime total, and the current week, month and term "
        "leaderboard totals, from the ledger; exit 1 naming each mismatch."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        mismatches = find_ledger_mismatches()
        for m in mismatches:
            self.stderr.write(
                f"{m.enrollment_number} {m.name}: "
                f"balance {m.balance} but ledger says {m.ledger_balance}; "
                f"lifetime {m.lifetime_points} but ledger says {m.ledger_lifetime}"
            )
        period_mismatches = find_period_points_mismatches()
        for p in period_mismatches:
            self.stderr.write(
                f"student #{p.student_id}: this {p.period}'s total is {p.stored} "
                f"but the ledger says {p.ledger}"
            )
        department_mismatches = find_period_department_mismatches()
        for student_id, stored, department in department_mismatches:
            self.stderr.write(
                f"student #{student_id}: their period totals say department #{stored} "
                f"but they are in #{department}"
            )
        if mismatches:
            raise CommandError(
                f"{len(mismatches)} student(s) do not match the ledger.", returncode=1
            )
        if period_mismatches:
            raise CommandError(
                f"{len(period_mismatches)} period total(s) do not match the ledger; "
                "`manage.py rebuild_period_points` recomputes them.",
                returncode=1,
            )
        if department_mismatches:
            raise CommandError(
                f"{len(department_mismatches)} student(s)' period totals name another "
                "department; `manage.py rebuild_period_points` rewrites them.",
                returncode=1,
            )
        self.stdout.write(
            self.style.SUCCESS(
                "Ledger OK: every balance, lifetime total and current period total matches."
            )
        )
