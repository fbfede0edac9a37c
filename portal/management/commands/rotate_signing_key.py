from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.signing_keys import KeyringError, published_keys, retire_env_key, rotate


class Command(BaseCommand):
    help = (
        "Make a new certificate signing key the active one. The old public key stays published "
        "(what it signed still verifies); its private key file is deleted."
    )
    requires_system_checks = []  # files only: it works while the database is down

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--retire-env-key",
            action="store_true",
            help=(
                "When the key comes from SIGNING_KEY: write its public key to SIGNING_KEYS_DIR, "
                "then put the new key in SIGNING_KEY."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["retire_env_key"]:
                kid = retire_env_key()
                message = _(
                    "The public key %(kid)s of SIGNING_KEY is kept: put the new key in "
                    "SIGNING_KEY and restart."
                )
            else:
                kid = rotate()
                message = _("New signing key %(kid)s is active.")
            count = len(published_keys())
        except (KeyringError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(message % {"kid": kid}))
        self.stdout.write(
            ngettext(
                "%(count)d key is published at /.well-known/jwks.json.",
                "%(count)d keys are published at /.well-known/jwks.json.",
                count,
            )
            % {"count": count}
        )
