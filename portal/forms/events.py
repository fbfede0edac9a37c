from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from portal.filters.common import (
    USER_LABEL_VALUES,
    ListedModelChoiceField,
    QuickSelect,
    user_label,
)
from portal.forms import check_points, points_field
from portal.models import Category, Club, Event, User
from portal.permissions import clubs_run_by, is_staff
from portal.selectors.accounts import active_students
from portal.selectors.halls import live_hall_of

from .rewards import DateTimeInput

MAX_ATTENDANCE_POINTS = 1000


class EventForm(forms.ModelForm):
    attendance_points = points_field(label=_("Attendance points"))
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=1,
        max_value=100_000,
        required=False,
        help_text=_("Empty means no limit."),
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
            "club",
            "requires_registration",
            "registration_closes_at",
            "offers_certificate",
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
            "registration_closes_at": DateTimeInput(),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        # The clubs this user runs (every club for admins); a club officer who is not faculty
        # organises only for their clubs, so for them the club is required.
        clubs: Any = clubs_run_by(user)
        current = self.instance.club_id if self.instance.pk else None
        if current is not None:
            clubs = Club.objects.filter(pk__in=clubs.values("pk")) | Club.objects.filter(pk=current)
        self.fields["club"].queryset = clubs.order_by("name")
        self.fields["club"].required = not is_staff(user)
        self.fields["club"].empty_label = _("No club")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", _("The end must be after the start."))
        deadline = data.get("registration_closes_at")
        if start and deadline and deadline > start:
            self.add_error(
                "registration_closes_at", _("Registration must close by the start at the latest.")
            )
        opens, closes = data.get("checkin_opens_at"), data.get("checkin_closes_at")
        if opens and closes and closes <= opens:
            self.add_error("checkin_closes_at", _("Check-in must close after it opens."))
        check_points(
            self,
            "attendance_points",
            data.get("category"),
            _("%(cat)s allows %(min)s to %(max)s points."),
            most=MAX_ATTENDANCE_POINTS,
        )
        hall = live_hall_of(self.instance.pk)
        capacity = data.get("capacity")
        if hall is not None and (capacity is None or capacity > hall.capacity):
            self.add_error(
                "capacity",
                _("%(hall)s holds %(n)s people: the capacity can be at most %(n)s.")
                % {"hall": hall.name, "n": hall.capacity},
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


class PassCodeForm(forms.Form):
    """A student's door pass: what the camera read, or the code typed from under the QR code."""

    code = forms.CharField(
        max_length=64,
        label=_("Pass code"),
        help_text=_("The code under the QR code on the student's pass, e.g. 1234-ABCD2345."),
        error_messages={"required": _("Type the code under the QR code on the student's pass.")},
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
        label=_("CSV or Excel file of enrollment numbers"),
        help_text=_(
            "One enrollment number per row, in the first column (of the first sheet); .csv or "
            ".xlsx, at most 1 MB."
        ),
        widget=forms.FileInput(
            attrs={
                "accept": ".csv,.xlsx,text/csv,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )


class AnnulForm(forms.Form):
    """Lengths and emptiness are the service's to refuse (`attendance.annul_checkin`)."""

    reason = forms.CharField(label=_("Reason"), required=False, max_length=1000)


class DisputeForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)


class DisputeDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("accept", _("Accept")), ("reject", _("Reject"))]
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=1000)


class EventFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label=_("Search"))
    when = forms.ChoiceField(
        label=_("When"), choices=[("upcoming", _("Upcoming")), ("past", _("Past"))], required=False
    )
    # Both lists are read once per form and written in Python (`ListedModelChoiceField`): the
    # template's own loop asked the bound field for its value once per option, and the
    # organisers grow with the staff (about 250 at 50,000 students).
    category = ListedModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.all(),
        shape="event categories",
        required=False,
        empty_label=_("All categories"),
        widget=QuickSelect(attrs={"class": "input"}),
    )
    organiser = ListedModelChoiceField(
        label=_("Organiser"),
        # Drafts are private to their organiser: list only people with public events.
        # A semi-join on the organiser index: DISTINCT over the join sorted ~3,000 wide rows.
        queryset=User.objects.filter(
            Exists(
                Event.objects.filter(
                    organiser=OuterRef("pk"), status__in=["published", "completed"]
                )
            )
        ),
        values=USER_LABEL_VALUES,  # read as values, not rows (ListedModelChoiceField)
        label_from_values=user_label,
        shape="public organisers",
        required=False,
        empty_label=_("Any organiser"),
        widget=QuickSelect(attrs={"class": "input"}),
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
