"""The record of each academic year's close (services.year_end): one row per academic year, so
a second close of the same year is refused by the unique constraint."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AcademicYearClose(models.Model):
    academic_year = models.CharField(_("academic year"), max_length=7, unique=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(default=timezone.now)
    # The figures of the close as done (services.year_end.YearEndReport.as_dict).
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-closed_at"]

    def __str__(self) -> str:
        return f"Academic year {self.academic_year}"
