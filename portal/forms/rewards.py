from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.images import normalise_image
from portal.models import MAX_POINTS_PER_ENTRY, Redemption, Reward
from portal.selectors.rewards import Sort

from .ledger import IdempotentForm


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class RewardForm(forms.ModelForm):
    cost = forms.IntegerField(
        min_value=1, max_value=MAX_POINTS_PER_ENTRY, label=_("Cost in points")
    )
    stock = forms.IntegerField(
        label=_("Stock"),
        min_value=0,
        max_value=1_000_000,
        required=False,
        help_text=_("Units left; leave empty for unlimited."),
    )
    limit_per_student = forms.IntegerField(
        min_value=1,
        max_value=1000,
        required=False,
        label=_("Limit per student"),
        help_text=_("Leave empty for no limit."),
    )
    image = forms.ImageField(
        label=_("Image"),
        required=False,
        help_text=_("JPEG, PNG or WebP, at most 2 MB. It is resized to 1200 px."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    class Meta:
        model = Reward
        fields = [
            "name",
            "description",
            "category",
            "image",
            "cost",
            "stock",
            "limit_per_student",
            "sponsor",
            "available_from",
            "available_until",
        ]
        help_texts = {"sponsor": _("The partner company that pays for this reward, if any.")}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "available_from": DateTimeInput(),
            "available_until": DateTimeInput(),
        }

    def clean_image(self) -> Any:
        image = self.cleaned_data.get("image")
        # A new upload is re-encoded; an unchanged or cleared field passes through.
        if image and hasattr(image, "content_type"):
            return normalise_image(image)
        return image

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("available_from"), data.get("available_until")
        if start and end and start >= end:
            self.add_error("available_until", _("Must be after the start of the window."))
        return data


class RedeemForm(IdempotentForm):
    pass


class CatalogueFilterForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[("", _("All categories")), *Reward.Category.choices],
        required=False,
    )
    sort = forms.ChoiceField(label=_("Sort"), choices=Sort.CHOICES, required=False)
    affordable = forms.BooleanField(required=False, label=_("Only what I can afford"))
    in_stock = forms.BooleanField(required=False, label=_("In stock"))

    def options(self) -> dict[str, Any]:
        if not self.is_valid():
            return {"category": "", "sort": Sort.COST, "affordable": False, "in_stock": False}
        data = self.cleaned_data
        return {**data, "sort": data.get("sort") or Sort.COST}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Redemption.Decision.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class IdListField(forms.Field):
    """Several ids from checkboxes sharing one name (at most 500)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"required": _("Select at least one redemption.")}

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        if len(values) > 500:
            raise forms.ValidationError(_("Select at most 500 at a time."))
        if not all(str(v).isdigit() for v in values):
            raise forms.ValidationError(_("That selection is not valid; reload the page."))
        return [int(v) for v in values]


class BulkDecisionForm(DecisionForm):
    selected = IdListField()
