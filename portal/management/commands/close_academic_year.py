"""Close the academic year: graduate the final year, move everyone else up, expire points as
configured (services.year_end). --dry-run prints the same figures and writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.exceptions import BulkError, PortalError
from portal.models import Role, User
from portal.selectors import year_end as year_end_selectors
from portal.selectors.year_end import YearEndReport
from portal.services import year_end


class Command(BaseCommand):
    help = (
        "Close an academic year: students in FINAL_YEAR become alumni, the others move up a "
        "year, unspent points expire or carry over (YEAR_END_POINTS, YEAR_END_ALUMNI_POINTS). "
        "Once per academic year."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--year",
            dest="academic_year",
            metavar="YYYY/YY",
            help="the academic year to close (default: the current one, e.g. 2026/27)",
        )
        parser.add_argument(
            "--graduates",
            metavar="FILE",
            help="a text or CSV file of the enrollment numbers that graduate, one a line "
            "(instead of everyone in FINAL_YEAR); all or nothing",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would change; write nothing"
        )
        parser.add_argument(
            "--as",
            dest="actor",
            metavar="ADMIN_EMAIL",
            help="the admin recorded in the audit log (default: the first active admin)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        academic_year = options["academic_year"] or year_end_selectors.current_academic_year()
        graduates = None
        if options["graduates"]:
            path = Path(options["graduates"])
            if not path.is_file():
                raise CommandError(f"No such file: {path}", returncode=2)
            graduates = path.read_text(encoding="utf-8-sig", errors="replace")
        try:
            if options["dry_run"]:
                year_end.check_academic_year(academic_year)
                graduating = year_end.graduates_from_list(graduates)
                report = year_end_selectors.dry_run(academic_year, graduating)
            else:
                report = year_end.close_academic_year(
                    actor=self._actor(options["actor"]),
                    academic_year=academic_year,
                    graduates=graduates,
                )
        except BulkError as exc:
            for row in exc.rows:
                self.stderr.write(f"line {row.line}: {row.value}: {row.reason}")
            raise CommandError(exc.message, returncode=1) from exc
        except PortalError as exc:
            raise CommandError(exc.message, returncode=1) from exc
        self._write(report)

    def _write(self, report: YearEndReport) -> None:
        verb = "Closed" if report.done else "Dry run (nothing written): closing"
        self.stdout.write(f"{verb} the academic year {report.academic_year}.")
        will = "" if report.done else "would be "
        self.stdout.write(
            f"  {report.graduating} student(s) {will}graduated (year {report.final_year}) to alumni"
        )
        self.stdout.write(f"  {report.promoted} student(s) {will}moved up a year")
        self.stdout.write(
            f"  {report.expiring_points} unspent point(s) {will}expired for "
            f"{report.expiring_students} student(s) (continuing students: "
            f"{report.points_policy}, alumni: {report.alumni_points_policy})"
        )
        self.stdout.write(f"  {report.carried_points} point(s) carried over")
        self.stdout.write(
            f"  {report.held_points} point(s) held by {report.held_redemptions} pending or "
            "approved redemption(s): untouched"
        )
        for expiry in report.largest_expiries:
            self.stdout.write(
                f"    {expiry['enrollment_number']} {expiry['name']}: {expiry['points']}"
            )
        if report.done:
            self.stdout.write(self.style.SUCCESS("Done. Run `manage.py check_ledger` to verify."))

    def _actor(self, email: str | None) -> User:
        admins = User.objects.filter(role=Role.ADMIN, is_active=True)
        if email:
            actor = admins.filter(email__iexact=email.strip()).first()
            if actor is None:
                raise CommandError(f"{email} is not an active admin.", returncode=2)
            return actor
        actor = admins.order_by("pk").first()
        if actor is None:
            raise CommandError(
                "There is no active admin to record as closing the year; create one with "
                "`manage.py createsuperuser` or pass --as.",
                returncode=2,
            )
        return actor
