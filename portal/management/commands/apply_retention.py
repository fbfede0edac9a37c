"""Delete what is past its retention time (RETAIN_SIGN_INS_DAYS, RETAIN_EVIDENCE_DAYS); the
worker does it daily. --dry-run only counts."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from portal.services.data_rights import apply_retention


class Command(BaseCommand):
    help = "Delete sign-in records and evidence files past their retention time."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        report = apply_retention(dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(
            f"{verb}: {report.sign_ins} sign-in records, {report.claim_files} claim evidence "
            f"files, {report.task_files} task submission files, "
            f"{report.resume_files} resume files"
        )
