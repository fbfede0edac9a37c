from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from portal.domain.signing import (
    SignatureError,
    keys_from_jwks,
    printable,
    read_signed_file,
    verify,
)
from portal.signing_keys import KeyringError, published_keys

JWKS_TIMEOUT_SECONDS = 10
# (label, the document's field names to try): the first present is shown; a {"name": ...}
# object shows its name.
SHOWN_FIELDS = (
    (gettext_noop("type"), ("type",)),
    (gettext_noop("holder"), ("holder", "holder_name")),
    (gettext_noop("title"), ("title", "what")),
    (gettext_noop("date"), ("date", "activity_date", "issued_on", "issued_at")),
    (gettext_noop("issuer"), ("issuer", "issued_by")),
    (gettext_noop("code"), ("code",)),
)


class Command(BaseCommand):
    help = (
        "Check the signature of a downloaded certificate or transcript (its .json or .pdf) "
        "against the published keys, with no database; exit 1 when it does not verify. "
        "Revocation is online: see the document's verify_url."
    )
    # No database, no system checks: this must run on a laptop with only the file and the keys.
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the certificate's .json or .pdf")
        parser.add_argument(
            "--jwks",
            metavar="PATH_OR_URL",
            help=(
                "a JWK set file, or its URL (https://<portal>/.well-known/jwks.json); "
                "by default the public keys in SIGNING_KEYS_DIR"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror}
            ) from exc
        keys = self.published_keys(options["jwks"])
        try:
            signed = read_signed_file(data)
            document = verify(signed, keys)
        except SignatureError as exc:
            raise CommandError(
                _("%(path)s does not verify: %(reason)s") % {"path": path, "reason": exc}
            ) from exc
        for label, names in SHOWN_FIELDS:
            value = shown_value(document, names)
            if value:
                self.stdout.write(f"  {_(label):<8} {printable(value)}")
        if isinstance(document.get("items"), list):
            self.stdout.write(f"  {_('items'):<8} {len(document['items'])}")
        self.stdout.write(
            self.style.SUCCESS(
                _("valid signature (key %(kid)s)") % {"kid": signed["signature"]["kid"]}
            )
        )
        self.stdout.write(
            _("Revocation is checked online: %(url)s")
            % {
                "url": printable(document.get("verify_url", ""))
                or _("the portal's /verify/<code>/ page")
            }
        )
        self.stdout.write(
            _("The signed data is checked, not how a PDF's page looks: compare them.")
        )

    def published_keys(self, source: str | None) -> dict[str, Ed25519PublicKey]:
        try:
            if source is None:
                keys = published_keys()
            elif source.startswith(("http://", "https://")):
                # The scheme is checked just above: no file:// or other opener.
                with urllib.request.urlopen(source, timeout=JWKS_TIMEOUT_SECONDS) as response:  # noqa: S310
                    keys = keys_from_jwks(json.load(response))
            else:
                keys = keys_from_jwks(json.loads(Path(source).read_bytes()))
        except (OSError, ValueError, KeyringError) as exc:  # SignatureError is a ValueError
            raise CommandError(
                _("Cannot read the published keys from %(source)s: %(error)s")
                % {"source": source or _("the local keyring"), "error": exc}
            ) from exc
        if not keys:
            raise CommandError(
                _("No published keys in %(source)s; pass --jwks with the portal's jwks.json.")
                % {"source": source or _("the local keyring")}
            )
        return keys


def shown_value(document: dict[str, Any], names: tuple[str, ...]) -> str:
    for name in names:
        value = document.get(name)
        if isinstance(value, dict):
            value = value.get("name")
        if value not in (None, ""):
            return str(value)
    return ""
