from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.filters.common import ListedModelChoiceField, QuickSelect
from portal.models import Category, Department, User
from portal.permissions import can_mentor
from portal.selectors.reviews import AGE_CHOICES, Kind, Mine, QueueStatus


class ReviewFilterForm(forms.Form):
    """The review queue's filters. A plain form rather than a FilterSet: the queue is a union of
    two models, which can only be filtered before the union (see `list_review_queue`)."""

    # QuickSelect and ListedModelChoiceField (portal.filters.common): the stock select renders
    # two templates per option, and the stock model field reads its list twice.
    kind = forms.ChoiceField(
        label=_("Type"),
        choices=[("", _("All")), *Kind.CHOICES],
        required=False,
        widget=QuickSelect,
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=QueueStatus.CHOICES, required=False, widget=QuickSelect
    )
    category = ListedModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.order_by("name"),
        shape="categories by name",
        required=False,
        empty_label=_("All"),
    )
    department = ListedModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.order_by("name"),
        shape="departments by name",
        required=False,
        empty_label=_("All"),
    )
    age = forms.ChoiceField(
        label=_("Age"), choices=[("", _("Any")), *AGE_CHOICES], required=False, widget=QuickSelect
    )
    mine = forms.ChoiceField(
        label=_("Students"),
        choices=[("", _("Everyone")), *Mine.CHOICES],
        required=False,
        widget=QuickSelect,
    )

    def __init__(self, *args: Any, reviewer: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only faculty have mentees and advise clubs: anyone else's queue is not ranked.
        self.reviewer = reviewer if can_mentor(reviewer) else None
        if self.reviewer is None:
            del self.fields["mine"]
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "input")

    def options(self) -> dict[str, Any]:
        """Arguments for `list_review_queue`; an invalid choice falls back to the default."""
        if not self.is_valid():
            return {"status": QueueStatus.WAITING, "reviewer": self.reviewer}
        data = self.cleaned_data
        department = data.get("department")
        return {
            "kind": data.get("kind") or "",
            "status": data.get("status") or QueueStatus.WAITING,
            "category": data.get("category"),
            "department_id": department.pk if department else None,
            "age": data.get("age") or "",
            "reviewer": self.reviewer,
            "mine": data.get("mine") or "",
        }
