"""`manage.py import_students FILE.csv [--invite] [--as ADMIN_EMAIL]`: the admin page's import
from a shell (see portal.services.imports for the file format and the rules).

Exit codes: 0 imported; 1 the file was refused (every bad row is printed to stderr as
"line N: value: reason", nothing was written); 2 the command could not start (no such file, no
admin to act as).

The audit log names the admin who imported: `--as` picks one; by default it is the first
active admin (lowest id), which on most installations is the one `createsuperuser` made. With
no admin at all the command refuses, as the service does: an import is an admin action, and an
audit row without a person would hide who changed 10,000 accounts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.exceptions import BulkError, PortalError
from portal.models import Role, User
from portal.services import imports


class Command(BaseCommand):
    help = (
        "Create or update students from a CSV file (email, name, enrollment_number, department, "
        "programme, year), all or nothing. Exit 1 listing every bad row; exit 2 if it cannot "
        "start."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV file, UTF-8, with a header row")
        parser.add_argument(
            "--invite",
            action="store_true",
            help="email new students a link to choose their password",
        )
        parser.add_argument(
            "--as",
            dest="actor",
            metavar="ADMIN_EMAIL",
            help="the admin recorded in the audit log (default: the first active admin)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}", returncode=2)
        actor = self._actor(options["actor"])
        try:
            imports.check_size(path.stat().st_size)
            report = imports.import_students(
                actor=actor, data=path.read_bytes(), invite=options["invite"]
            )
        except BulkError as exc:
            for row in exc.rows:
                self.stderr.write(f"line {row.line}: {row.value}: {row.reason}")
            raise CommandError(
                f"Nothing was imported: {imports.describe_refusal(exc.rows)}", returncode=1
            ) from exc
        except PortalError as exc:
            raise CommandError(exc.message, returncode=1) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {report.file_rows} rows from {path.name}: {report.created} new, "
                f"{report.updated} updated, {report.unchanged} unchanged."
            )
        )
        if report.invite:
            self.stdout.write(
                f"Invitations: {report.invitations_sent} sent, {report.invitations_failed} failed."
            )

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
                "There is no active admin to record as the importer; create one with "
                "`manage.py createsuperuser` or pass --as.",
                returncode=2,
            )
        return actor
