from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.models import MAX_POINTS_PER_ENTRY, Category


def _points_field(**kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(min_value=1, max_value=MAX_POINTS_PER_ENTRY, **kwargs)


class CategoryForm(forms.ModelForm):
    default_points = _points_field(
        label=_("Default points"), help_text=_("Pre-filled in the award form.")
    )
    min_points = _points_field(label=_("Minimum per award"))
    max_points = _points_field(label=_("Maximum per award"))
    yearly_cap = _points_field(
        required=False, label=_("Yearly cap per student"), help_text=_("Leave empty for no cap.")
    )

    class Meta:
        model = Category
        fields = [
            "name",
            "description",
            "default_points",
            "min_points",
            "max_points",
            "yearly_cap",
            "issues_certificate",
        ]

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        clash = Category.objects.filter(name__iexact=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("A category with this name already exists."))
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        low, high, default = (
            data.get("min_points"),
            data.get("max_points"),
            data.get("default_points"),
        )
        if low is None or high is None:
            return data
        cap = data.get("yearly_cap")
        if cap is not None and cap < low:
            self.add_error(
                "yearly_cap",
                _("A cap below the minimum award (%(min)s) would refuse every award.")
                % {"min": low},
            )
        if low > high:
            self.add_error(
                "max_points",
                _("The maximum must be at least the minimum (%(min)s).") % {"min": low},
            )
        elif default is not None and not low <= default <= high:
            self.add_error("default_points", _("Must lie between the minimum and the maximum."))
        return data
