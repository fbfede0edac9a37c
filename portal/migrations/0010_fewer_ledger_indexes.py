"""Four fewer index insertions per ledger write (bench/README, "Ledger writes carry 19
indexes"): student, category and actor lose their single-column indexes, which the
(x, -created_at) indexes already serve, and tx_lifetime_period_idx goes, superseded by
tx_period_points_idx (0006) and, for leaderboards, by the period rollup (0009).

SQLite alters a column by rebuilding the table, which drops indexes no model declares, so the
raw indexes of 0006 are created again there (PostgreSQL drops only the named index)."""

from importlib import import_module

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def recreate_raw_indexes_on_sqlite(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        import_module("portal.migrations.0006_performance_indexes").create(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0009_period_points"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="transaction",
            name="tx_lifetime_period_idx",
        ),
        migrations.AlterField(
            model_name="transaction",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                help_text="Who did it; empty for the system.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="actions",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="transaction",
            name="category",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="transactions",
                to="portal.category",
            ),
        ),
        migrations.AlterField(
            model_name="transaction",
            name="student",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="transactions",
                to="portal.studentprofile",
            ),
        ),
        migrations.RunPython(recreate_raw_indexes_on_sqlite, migrations.RunPython.noop),
    ]
