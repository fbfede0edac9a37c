from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from portal.filters.common import (
    DateRangeCheckForm,
    ListedModelChoiceFilter,
    QuickSelect,
    filter_by_student,
)
from portal.models import Category, Transaction, User
from portal.permissions import STAFF, sees_everyones_history


class DateInput(forms.DateInput):
    input_type = "date"


class HistoryFilter(django_filters.FilterSet):
    """Filters for the ledger table. Students get the same set without `student` and `actor`."""

    student = django_filters.CharFilter(
        label=_("Student"),
        method="filter_student",
        widget=forms.TextInput(attrs={"placeholder": _("Name or enrollment no.")}),
    )
    category = ListedModelChoiceFilter(
        queryset=Category.objects.all(), empty_label=_("All categories")
    )
    kind = django_filters.ChoiceFilter(
        choices=Transaction.Kind.choices, empty_label=_("All kinds"), widget=QuickSelect
    )
    actor = ListedModelChoiceFilter(
        label=_("By"),
        queryset=User.objects.filter(role__in=STAFF),
        empty_label=_("Anyone"),
    )
    date = django_filters.DateFromToRangeFilter(
        field_name="created_at",
        label=_("Date range"),
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )

    class Meta:
        model = Transaction
        fields = ["student", "category", "kind", "actor", "date"]
        form = DateRangeCheckForm

    def __init__(self, *args: Any, viewer: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not sees_everyones_history(viewer):
            del self.filters["student"]
            del self.filters["actor"]
        for field in self.form.fields.values():
            field.widget.attrs.setdefault("class", "input")

    def filter_student(
        self, queryset: QuerySet[Transaction], name: str, value: str
    ) -> QuerySet[Transaction]:
        return filter_by_student(queryset, value)
