from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.forms import check_points, points_field
from portal.images import normalise_image
from portal.models import (
    MAX_CLAIM_AGE_DAYS,
    Category,
    ReviewDecision,
    Task,
)
from portal.selectors.reviews import Kind
from portal.uploads import CheckedFile, check_evidence

from .ledger import IdempotentForm
from .rewards import DateTimeInput

EVIDENCE_ACCEPT = "application/pdf,image/png,image/jpeg"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class EvidenceField(forms.FileField):
    """A PDF, PNG or JPEG of at most 5 MB, judged by its content; cleans to a CheckedFile."""

    widget = forms.FileInput(attrs={"accept": EVIDENCE_ACCEPT})

    def clean(self, data: Any, initial: Any = None) -> CheckedFile | None:
        upload: UploadedFile | None = super().clean(data, initial)
        return check_evidence(upload) if upload else None


class ClaimForm(IdempotentForm):
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True),
        empty_label=_("Choose a category"),
        error_messages={"invalid_choice": _("This category is no longer in use; choose another.")},
    )
    points = points_field()
    activity_date = forms.DateField(label=_("Date of the activity"), widget=DateInput())
    description = forms.CharField(
        label=_("Description"),
        max_length=2000,
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "placeholder": _("e.g. Volunteered at the open day as a campus guide"),
            }
        ),
        help_text=_("What you did, where, and who can confirm it."),
    )
    evidence = EvidenceField(
        label=_("Evidence"),
        help_text=_("A certificate, letter or photo: PDF, PNG or JPEG, at most 5 MB."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["activity_date"].widget.attrs["max"] = timezone.localdate().isoformat()

    def ask_for_the_file_again(self) -> None:
        """A form that comes back with errors cannot keep the chosen file (browsers never fill
        a file input in), so when the file itself was fine, say on its field that it must be
        chosen again, naming it, rather than leave an empty field that looks accepted."""
        upload = self.files.get(self.add_prefix("evidence"))
        if self.errors and upload is not None and "evidence" not in self.errors:
            self.add_error(
                "evidence",
                _("Choose your file (%(name)s) again: a form with errors cannot keep it.")
                % {"name": upload.name},
            )

    def clean_activity_date(self) -> Any:
        day = self.cleaned_data["activity_date"]
        today = timezone.localdate()
        if day > today:
            raise forms.ValidationError(_("The activity date cannot be in the future."))
        if day < today - timedelta(days=MAX_CLAIM_AGE_DAYS):
            raise forms.ValidationError(_("Claims are for activities in the last 12 months."))
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        category: Category | None = data.get("category")
        check_points(
            self, "points", category, _("%(cat)s claims are between %(min)s and %(max)s points.")
        )
        return data


class TaskForm(forms.ModelForm):
    points = points_field()
    max_claimants = forms.IntegerField(
        min_value=1,
        max_value=1000,
        label=_("Places"),
        help_text=_("How many students can take this task."),
    )
    image = forms.ImageField(
        label=_("Image"),
        required=False,
        help_text=_("JPEG, PNG or WebP, at most 2 MB. It is resized to 1200 px."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    class Meta:
        model = Task
        fields = [
            "title",
            "description",
            "category",
            "points",
            "max_claimants",
            "deadline",
            "image",
            "is_active",
        ]
        labels = {"category": _("Points category"), "is_active": _("Open to students")}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "deadline": DateTimeInput(),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        self.held = getattr(self.instance, "held", 0) if self.instance.pk else 0
        if self.held:
            # Students took it for these points; changing them would move the goalposts.
            self.fields["points"].disabled = True
            self.fields["points"].help_text = _("Fixed once a student has taken the task.")

    def clean_image(self) -> Any:
        image = self.cleaned_data.get("image")
        if image and hasattr(image, "content_type"):
            return normalise_image(image)
        return image

    def clean_deadline(self) -> Any:
        deadline = self.cleaned_data["deadline"]
        changed = not self.instance.pk or "deadline" in self.changed_data
        if changed and deadline <= timezone.now():
            raise forms.ValidationError(_("The deadline must be in the future."))
        return deadline

    def clean_max_claimants(self) -> int:
        places = self.cleaned_data["max_claimants"]
        if places < self.held:
            raise forms.ValidationError(
                ngettext(
                    "%(n)s student already holds a place; keep at least that many.",
                    "%(n)s students already hold a place; keep at least that many.",
                    self.held,
                )
                % {"n": self.held}
            )
        return places

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.fields["points"].disabled:
            check_points(
                self,
                "points",
                data.get("category"),
                _("%(cat)s awards between %(min)s and %(max)s points."),
            )
        return data


class SubmitTaskForm(forms.Form):
    text = forms.CharField(
        label=_("What you did"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    file = EvidenceField(
        required=False,
        label=_("File"),
        help_text=_("Optional: PDF, PNG or JPEG, at most 5 MB."),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=ReviewDecision.choices)
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)


class ReviewItemsField(forms.Field):
    """Checked queue rows, each "claim:<id>" or "task:<id>" (at most 200 at a time)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"required": _("Tick at least one row.")}

    def to_python(self, value: Any) -> list[tuple[str, int]]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        if len(values) > 200:
            raise forms.ValidationError(_("Decide at most 200 at a time."))
        items = []
        for raw in values:
            kind, _sep, pk = str(raw).partition(":")
            if kind not in (Kind.CLAIM, Kind.TASK) or not pk.isdigit():
                raise forms.ValidationError(_("That selection is not valid; reload the page."))
            items.append((kind, int(pk)))
        return items


class BulkReviewForm(DecisionForm):
    selected = ReviewItemsField()
