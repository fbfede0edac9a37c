from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from portal.models import Category, Event, User
from portal.selectors.accounts import active_students

from .rewards import DateTimeInput


class EventForm(forms.ModelForm):
    attendance_points = forms.IntegerField(min_value=1, max_value=1000)
    capacity = forms.IntegerField(
        min_value=1, max_value=100_000, required=False, help_text=_("Empty means no limit.")
    )

    class Meta:
        model = Event
        fields = [
            "title",
            "description",
            "location",
            "starts_at",
            "ends_at",
            "category",
            "attendance_points",
            "capacity",
            "checkin_opens_at",
            "checkin_closes_at",
        ]
        labels = {
            "category": _("Points category"),
            "checkin_opens_at": _("Check-in opens"),
            "checkin_closes_at": _("Check-in closes"),
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "starts_at": DateTimeInput(),
            "ends_at": DateTimeInput(),
            "checkin_opens_at": DateTimeInput(),
            "checkin_closes_at": DateTimeInput(),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", _("The end must be after the start."))
        opens, closes = data.get("checkin_opens_at"), data.get("checkin_closes_at")
        if opens and closes and closes <= opens:
            self.add_error("checkin_closes_at", _("Check-in must close after it opens."))
        category, points = data.get("category"), data.get("attendance_points")
        if category and points and not category.min_points <= points <= category.max_points:
            self.add_error(
                "attendance_points",
                _("%(cat)s allows %(min)s to %(max)s points.")
                % {"cat": category.name, "min": category.min_points, "max": category.max_points},
            )
        return data


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=12,
        label=_("Code on the screen"),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "inputmode": "text",
            }
        ),
    )


class ManualCheckInForm(forms.Form):
    student = forms.ModelChoiceField(
        queryset=active_students(),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Search for a student and choose one."),
            "invalid_choice": _("Choose a student from the list."),
        },
    )


class AttendanceUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV of enrollment numbers"),
        help_text=_("One enrollment number per row (first column); at most 1 MB."),
    )


class EventFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label=_("Search"))
    when = forms.ChoiceField(
        choices=[("upcoming", _("Upcoming")), ("past", _("Past"))], required=False
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(), required=False, empty_label=_("All categories")
    )
    organiser = forms.ModelChoiceField(
        # Drafts are private to their organiser: list only people with public events.
        # A semi-join on the organiser index: DISTINCT over the join sorted ~3,000 wide rows.
        queryset=User.objects.filter(
            Exists(
                Event.objects.filter(
                    organiser=OuterRef("pk"), status__in=["published", "completed"]
                )
            )
        ).only("pk", "name", "email"),  # what __str__ shows
        required=False,
        empty_label=_("Any organiser"),
    )

    def options(self) -> dict[str, Any]:
        if not self.is_valid():
            return {"when": "upcoming", "query": "", "category": None, "organiser": None}
        d = self.cleaned_data
        return {
            "when": d.get("when") or "upcoming",
            "query": d.get("q") or "",
            "category": d["category"].pk if d.get("category") else None,
            "organiser": d["organiser"].pk if d.get("organiser") else None,
        }
