from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from portal.filters.common import (
    ListedModelChoiceFilter,
    QuickSelect,
    filter_by_student,
    filter_shape,
)
from portal.models import Redemption, Reward
from portal.prepared import composed_once


class QueueFilter(django_filters.FilterSet):
    """The admin redemption queue; by default what still needs action (pending and approved)."""

    OPEN = "open"

    status = django_filters.ChoiceFilter(
        choices=[(OPEN, _("Pending and approved")), *Redemption.Status.choices],
        empty_label=_("Any status"),
        method="filter_status",
        widget=QuickSelect,
    )
    reward = ListedModelChoiceFilter(
        queryset=Reward.objects.all(), empty_label=_("All rewards"), shape="queue rewards"
    )
    student = django_filters.CharFilter(
        label=_("Student"),
        method="filter_student",
        widget=forms.TextInput(attrs={"placeholder": _("Name or enrollment no.")}),
    )

    class Meta:
        model = Redemption
        fields = ["status", "reward", "student"]

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        if data is None or "status" not in data:
            data = {**(data.dict() if data is not None else {}), "status": self.OPEN}
        super().__init__(data, *args, **kwargs)
        for field in self.form.fields.values():
            field.widget.attrs.setdefault("class", "input")

    def shaped_qs(self) -> QuerySet[Redemption]:
        """`qs`, each page of it composed once per process (`portal.prepared.composed_once`)
        for its validated filters; not for a student search (its SQL holds the ids a read of
        the students matched) or invalid filters."""
        queryset = self.qs
        if not self.form.is_valid() or self.form.cleaned_data.get("student"):
            return queryset
        return composed_once(queryset, ("redemption queue", filter_shape(self.form.cleaned_data)))

    def filter_status(
        self, queryset: QuerySet[Redemption], name: str, value: str
    ) -> QuerySet[Redemption]:
        if value == self.OPEN:
            return queryset.filter(
                status__in=[Redemption.Status.PENDING, Redemption.Status.APPROVED]
            )
        return queryset.filter(status=value) if value else queryset

    def filter_student(
        self, queryset: QuerySet[Redemption], name: str, value: str
    ) -> QuerySet[Redemption]:
        return filter_by_student(queryset, value)
