from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from portal.filters.common import DateRangeCheckForm
from portal.models import AuditLog, Role, User


class AuditFilterForm(DateRangeCheckForm):
    date_range = ("since", "until")


class AuditFilter(django_filters.FilterSet):
    """The audit log: who, what kind of action, on what, when."""

    actor = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(role__in=(Role.ADMIN, Role.FACULTY)).order_by("name"),
        empty_label=_("Anyone"),
        label=_("Who"),
    )
    action = django_filters.CharFilter(
        label=_("Action"),
        method="filter_action",
        widget=forms.TextInput(attrs={"placeholder": _("e.g. draw, reward.update")}),
    )
    target = django_filters.CharFilter(
        label=_("About"),
        method="filter_target",
        widget=forms.TextInput(attrs={"placeholder": _("Name of what changed")}),
    )
    since = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label=_("To"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditLog
        fields = ["actor", "action", "target", "since", "until"]
        form = AuditFilterForm

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            field.widget.attrs.setdefault("class", "input")

    def filter_action(self, queryset: QuerySet[AuditLog], name: str, value: str) -> QuerySet:
        # "draw" finds draw.create, draw.perform ...; "reward.update" finds exactly that.
        value = value.strip().lower()
        return queryset.filter(action__startswith=value) if value else queryset

    def filter_target(self, queryset: QuerySet[AuditLog], name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(target_repr__icontains=value) if value else queryset
