"""Each period total carries its student's department (issue 17).

A department's board counted the rows above the viewer by matching every row of the period
above them (40,000 for a median student's term at 50,000 students) to a hash of the
department's students: 10 ms. With the department on the row, the count and the top rows walk
period_points_dept_rank_idx within the department alone.

The copy is written with the points, under the profile lock (services.period_points), and
filled here from the students. A trigger carries a change of department to the student's
rows, whatever made it (the account form, an import, the Django admin, SSO): it runs in the
transaction that changed the profile, whose row lock also waits for any award in progress."""

from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models

FILL = """
UPDATE portal_periodpoints SET department_id = (
    SELECT department_id FROM portal_studentprofile WHERE portal_studentprofile.id = student_id
)
"""

TRIGGER = "portal_period_points_follow_department"

# One statement each (SQLite runs one at a time).
CREATE = {
    "postgresql": [
        f"""CREATE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE portal_periodpoints SET department_id = NEW.department_id
            WHERE student_id = NEW.id;
            RETURN NULL;
        END
        $$""",
        f"""CREATE TRIGGER {TRIGGER} AFTER UPDATE OF department_id ON portal_studentprofile
        FOR EACH ROW WHEN (OLD.department_id IS DISTINCT FROM NEW.department_id)
        EXECUTE FUNCTION {TRIGGER}()""",
    ],
    "sqlite": [
        f"""CREATE TRIGGER {TRIGGER} AFTER UPDATE OF department_id ON portal_studentprofile
        FOR EACH ROW WHEN OLD.department_id IS NOT NEW.department_id
        BEGIN
            UPDATE portal_periodpoints SET department_id = NEW.department_id
            WHERE student_id = NEW.id;
        END""",
    ],
}
DROP = {
    "postgresql": [
        f"DROP TRIGGER IF EXISTS {TRIGGER} ON portal_studentprofile",
        f"DROP FUNCTION IF EXISTS {TRIGGER}()",
    ],
    "sqlite": [f"DROP TRIGGER IF EXISTS {TRIGGER}"],
}


def create_trigger(apps, schema_editor):
    for statement in CREATE.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def drop_trigger(apps, schema_editor):
    for statement in DROP.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0038_autovacuum_for_index_only_reads"),
    ]

    operations = [
        migrations.AddField(
            model_name="periodpoints",
            name="department",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="portal.department",
            ),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop, elidable=False),
        migrations.AddIndex(
            model_name="periodpoints",
            index=models.Index(
                fields=["period", "starts_at", "department", "-points", "student"],
                name="period_points_dept_rank_idx",
            ),
        ),
        migrations.RunPython(create_trigger, drop_trigger, elidable=False),
    ]
