"""Autovacuum sooner on the tables the pages count and list from their indexes alone (issue 17).

Those reads (the rank counts, the dashboards' trend figures, the history, the leaderboards)
are index-only scans, which skip the table only for pages the visibility map marks all
visible, and only VACUUM marks them. With PostgreSQL's defaults the ledger (2,000,000 rows at
50,000 students) was vacuumed for its inserts only every 400,000 new entries, so the recent
entries, the ones the dashboards read, were never all visible; the profiles and period totals,
updated by every award, were vacuumed every 20% of their rows. After one benchmark load at
10,000 students the admin dashboard's SQL took 88 ms, 30 once vacuumed; the student
dashboard's 13 ms, 5 once vacuumed. These settings vacuum the ledger every 1% of new entries
(its rows never change, so a vacuum only marks pages and is cheap) and the profiles, period
totals, check-ins and redemptions every 2% of changed rows. SQLite has no such thing."""

from __future__ import annotations

from django.db import migrations

SETTINGS = {
    "portal_transaction": {
        "autovacuum_vacuum_insert_scale_factor": "0.01",
        "autovacuum_analyze_scale_factor": "0.02",
    },
    "portal_studentprofile": {"autovacuum_vacuum_scale_factor": "0.02"},
    "portal_periodpoints": {"autovacuum_vacuum_scale_factor": "0.02"},
    "portal_checkin": {
        "autovacuum_vacuum_scale_factor": "0.02",
        "autovacuum_vacuum_insert_scale_factor": "0.02",
    },
    "portal_redemption": {
        "autovacuum_vacuum_scale_factor": "0.02",
        "autovacuum_vacuum_insert_scale_factor": "0.02",
    },
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, options in SETTINGS.items():
        values = ", ".join(f"{name} = {value}" for name, value in options.items())
        schema_editor.execute(f"ALTER TABLE {table} SET ({values})")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, options in SETTINGS.items():
        schema_editor.execute(f"ALTER TABLE {table} RESET ({', '.join(options)})")


class Migration(migrations.Migration):
    dependencies = [("portal", "0037_actor_index_covers_trend_columns")]
    operations = [migrations.RunPython(forwards, backwards)]
