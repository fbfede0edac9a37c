"""Migration 0038: autovacuum comes sooner on the tables the pages read from their indexes alone
(issue 17), so that their index-only scans stay index-only after a day of awards."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="autovacuum: PostgreSQL"),
]


def options(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [table])
        (found,) = cursor.fetchone()
    return dict(option.split("=", 1) for option in found or [])


def test_the_ledger_is_vacuumed_every_hundredth_of_new_entries():
    assert options("portal_transaction")["autovacuum_vacuum_insert_scale_factor"] == "0.01"


@pytest.mark.parametrize(
    "table", ["portal_studentprofile", "portal_periodpoints", "portal_checkin", "portal_redemption"]
)
def test_the_tables_awards_change_are_vacuumed_every_fiftieth_of_their_rows(table):
    assert options(table)["autovacuum_vacuum_scale_factor"] == "0.02"
