from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.exceptions import PortalError
from portal.models import ApiScope, Department, User
from portal.services.api_tokens import create_api_token


class Command(BaseCommand):
    help = (
        "Create an API token acting as --owner and print its secret (shown once, stored only "
        "hashed). Scopes: " + ", ".join(ApiScope.values) + "."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--owner", required=True, help="the email of the user it acts as")
        parser.add_argument("--scopes", default="read", help="comma separated, e.g. read,award")
        parser.add_argument("--department", help="a department code: only its students")
        parser.add_argument("--days", type=int, help="expires after this many days")

    def handle(self, *args: Any, **options: Any) -> None:
        owner = User.objects.filter(email__iexact=options["owner"]).first()
        if owner is None:
            raise CommandError(f"No user has the email {options['owner']}.")
        department = None
        if options["department"]:
            department = Department.objects.filter(code__iexact=options["department"]).first()
            if department is None:
                raise CommandError(f"No department has the code {options['department']}.")
        try:
            token, secret = create_api_token(
                actor=None,
                name=options["name"],
                owner=owner,
                scopes=options["scopes"].split(","),
                department=department,
                days=options["days"],
            )
        except PortalError as exc:
            raise CommandError(exc.message) from exc
        self.stderr.write(
            f"Token {token.prefix} ({', '.join(token.scopes)}) acts as {owner.email}. "
            "Store the secret now: it cannot be shown again."
        )
        self.stdout.write(secret)
