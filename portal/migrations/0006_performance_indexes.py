"""Indexes found by the scale benchmark (issue 9, bench/run.py at 50,000 students and 2,000,000
ledger entries). Raw SQL because three of them are partial or covering in ways Meta.indexes
cannot say portably, and they belong to the reads in portal/selectors rather than to the models:

- portal_user_unranked_idx: the few users who are not active students, so leaderboards and ranks
  can subtract them instead of joining every profile to its user (selectors.ledger.ranked_count;
  the student dashboard's rank went from ~80 ms to a few ms).
- tx_period_points_idx: period leaderboards sum `amount` per student over a date range of
  earning entries straight from the index (index-only on PostgreSQL).
- tx_amount_idx: the staff ledger sorted by points (a full sort of the ledger without it:
  ~8 s at 2,000,000 entries).
- redemption_open_queue_idx: the redemption queue (pending and approved, oldest first) without
  walking every fulfilled redemption in time order.
- portal_user_name_idx: the admin's people list (everyone, by name) reads 25 names in order
  instead of sorting 50,000 users (the (role, name) index serves it only with a role filter).

On PostgreSQL they are built CONCURRENTLY (so the migration does not block writes on a live
ledger), hence a non-atomic migration.
"""

from __future__ import annotations

from django.db import migrations

INDEXES = [
    ("portal_user_unranked_idx", "portal_user", "id", "NOT (is_active AND role = 'student')"),
    (
        "tx_period_points_idx",
        "portal_transaction",
        "created_at, student_id, amount",
        "counts_for_lifetime",
    ),
    ("tx_amount_idx", "portal_transaction", "amount", ""),
    ("portal_user_name_idx", "portal_user", "name", ""),
    (
        "redemption_open_queue_idx",
        "portal_redemption",
        "created_at",
        "status IN ('pending', 'approved')",
    ),
]


def create(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for name, table, columns, where in INDEXES:
        condition = f" WHERE {where}" if where else ""
        schema_editor.execute(
            f"CREATE INDEX {concurrently}IF NOT EXISTS {name} ON {table} ({columns}){condition}"
        )


def drop(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for name, _table, _columns, _where in INDEXES:
        schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("portal", "0005_draws_claims_tasks_notifications")]
    operations = [migrations.RunPython(create, drop)]
