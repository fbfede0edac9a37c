from __future__ import annotations

from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _sqlite_pragmas(sender: object, connection: object, **kwargs: object) -> None:
    # WAL lets readers continue while one writer holds the IMMEDIATE lock.
    if getattr(connection, "vendor", "") == "sqlite":
        with connection.cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute("PRAGMA journal_mode=WAL;")
            cursor.execute("PRAGMA foreign_keys=ON;")


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "UPAS portal"

    def ready(self) -> None:
        connection_created.connect(_sqlite_pragmas, dispatch_uid="portal-sqlite-pragmas")
