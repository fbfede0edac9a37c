"""The period rollup behind the week, month and term leaderboards (issue 9), filled for the
current periods: the only ones a page reads. Rows for later periods are written by the ledger
service as entries are posted."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Sum

from portal.selectors.periods import period_start


def fill_current_periods(apps, schema_editor):
    Transaction = apps.get_model("portal", "Transaction")
    PeriodPoints = apps.get_model("portal", "PeriodPoints")
    for period in ("week", "month", "term"):
        start = period_start(period)
        totals = (
            Transaction.objects.filter(counts_for_lifetime=True, created_at__gte=start)
            .order_by()
            .values("student")
            .annotate(points=Sum("amount"))
            .values_list("student", "points")
        )
        PeriodPoints.objects.bulk_create(
            [
                PeriodPoints(student_id=student, period=period, starts_at=start, points=points)
                for student, points in totals
            ],
            batch_size=2000,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0008_event_reminders"),
    ]

    operations = [
        migrations.CreateModel(
            name="PeriodPoints",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("period", models.CharField(max_length=5)),
                (
                    "starts_at",
                    models.DateTimeField(help_text="When the period began, in TIME_ZONE."),
                ),
                ("points", models.IntegerField(default=0)),
                (
                    "student",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="period_points",
                        to="portal.studentprofile",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["period", "starts_at", "-points", "student"],
                        name="period_points_rank_idx",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("student", "period", "starts_at"), name="period_points_unique"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("period__in", ["week", "month", "term"])),
                        name="period_points_period",
                    ),
                ],
            },
        ),
        migrations.RunPython(fill_current_periods, migrations.RunPython.noop),
    ]
