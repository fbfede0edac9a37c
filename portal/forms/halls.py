"""Hall forms: the admins' hall form, a booking request, the free-slot search, an admin's
decision and a cancellation. Rules that need the database (overlaps, open hours, the event)
are the service's (`portal.services.halls`); the forms check shapes and bounds."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import MAX_HALL_CAPACITY, Event, Hall, User
from portal.permissions import managed_events


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class HallForm(forms.ModelForm):
    capacity = forms.IntegerField(
        min_value=1,
        max_value=MAX_HALL_CAPACITY,
        label=_("Capacity"),
        help_text=_("Seated people it holds."),
    )

    class Meta:
        model = Hall
        fields = ["name", "building", "capacity", "equipment", "opens_at", "closes_at", "is_active"]
        widgets = {"opens_at": TimeInput(), "closes_at": TimeInput()}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The hall must close after it opens."))
        return data


class BookingRequestForm(forms.Form):
    """A request for one hall on one day, from a start to an end time."""

    event = forms.ModelChoiceField(
        queryset=Event.objects.none(),
        required=False,
        label=_("For the event"),
        empty_label=_("No event (another purpose)"),
        help_text=_("The hall becomes the event's location when the booking is approved."),
    )
    purpose = forms.CharField(
        max_length=200,
        required=False,
        label=_("Purpose"),
        help_text=_("For example “Thesis defence” (the event's title when empty)."),
    )
    attendees = forms.IntegerField(
        min_value=1, max_value=MAX_HALL_CAPACITY, label=_("Expected people")
    )
    day = forms.DateField(label=_("Day"), widget=DateInput())
    start = forms.TimeField(label=_("From"), widget=TimeInput())
    end = forms.TimeField(label=_("To"), widget=TimeInput())

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event"].queryset = (
            managed_events(user)
            .filter(
                status__in=[Event.Status.DRAFT, Event.Status.PUBLISHED],
                starts_at__gt=timezone.now(),
            )
            .order_by("starts_at", "id")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        day, start, end = data.get("day"), data.get("start"), data.get("end")
        if day and start and end:
            if end <= start:
                self.add_error("end", _("The end must be after the start."))
            else:
                data["starts_at"] = timezone.make_aware(datetime.combine(day, start))
                data["ends_at"] = timezone.make_aware(datetime.combine(day, end))
        return data


PARTS_OF_DAY = {
    "morning": (time(8, 0), time(12, 0)),
    "afternoon": (time(12, 0), time(17, 0)),
    "evening": (time(17, 0), time(22, 0)),
    "day": (time(0, 0), time(23, 59)),
}


class FreeSlotForm(forms.Form):
    """“A hall for 80 people on Thursday afternoon.”"""

    people = forms.IntegerField(min_value=1, max_value=MAX_HALL_CAPACITY, label=_("People"))
    day = forms.DateField(label=_("Day"), widget=DateInput())
    part = forms.ChoiceField(
        label=_("When"),
        choices=[
            ("morning", _("Morning (8–12)")),
            ("afternoon", _("Afternoon (12–17)")),
            ("evening", _("Evening (17–22)")),
            ("day", _("Any time")),
        ],
        initial="afternoon",
    )
    length = forms.TypedChoiceField(
        label=_("For at least"),
        coerce=int,
        choices=[
            (30, _("30 minutes")),
            (60, _("1 hour")),
            (90, _("1½ hours")),
            (120, _("2 hours")),
            (180, _("3 hours")),
        ],
        initial=60,
    )

    def clean_day(self) -> date:
        day = self.cleaned_data["day"]
        today = timezone.localdate()
        if day < today:
            raise forms.ValidationError(_("Choose today or a later day."))
        if day > today + timedelta(days=365):
            raise forms.ValidationError(_("Halls can be booked up to a year ahead."))
        return day

    def options(self) -> dict[str, Any]:
        d = self.cleaned_data
        start, end = PARTS_OF_DAY[d["part"]]
        return {
            "people": d["people"],
            "day": d["day"],
            "start": start,
            "end": end,
            "min_minutes": d["length"],
        }


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))]
    )
    reason = forms.CharField(required=False, max_length=300, label=_("Reason"))


class CancelForm(forms.Form):
    reason = forms.CharField(required=False, max_length=300, label=_("Reason"))
