"""On PostgreSQL the database itself refuses UPDATE and DELETE on ledger rows, behind the
model-level guard, so a raw SQL mistake cannot rewrite history. TRUNCATE (test flushes) is
unaffected. SQLite keeps the model-level guard only: its test flush deletes rows one by one."""

from __future__ import annotations

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION portal_ledger_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are immutable; record a reversal instead';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER portal_transaction_immutable
    BEFORE UPDATE OR DELETE ON portal_transaction
    FOR EACH ROW EXECUTE FUNCTION portal_ledger_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS portal_transaction_immutable ON portal_transaction;
DROP FUNCTION IF EXISTS portal_ledger_immutable();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
