"""The date range of the admin reports, and the ready-made ranges offered beside it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.selectors.periods import local_midnight, term_start

MAX_RANGE_DAYS = 5 * 366
# A report may end in the near future (the end of this term, say), never years ahead.
MAX_DAYS_AHEAD = 366


@dataclass(frozen=True)
class DateRange:
    """Whole days from `first` to `last`, both included, in the portal's time zone."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return local_midnight(self.first)

    @property
    def end(self) -> datetime:
        """Exclusive: midnight at the start of the day after `last`."""
        return local_midnight(self.last + timedelta(days=1))


def today() -> date:
    return timezone.localdate(timezone=timezone.get_default_timezone())


def this_term(day: date | None = None) -> DateRange:
    """From the start of the current term to `day` (today by default)."""
    day = day or today()
    return DateRange(_term_start(day), day)


def _term_start(day: date) -> date:
    return term_start(datetime.combine(day, time.max)).date()


def quick_ranges(day: date | None = None) -> list[tuple[str, DateRange]]:
    """The shortcuts beside the form: this week (from Monday), this month, this term, last term."""
    day = day or today()
    current_term = _term_start(day)
    previous_term = _term_start(current_term - timedelta(days=1))
    return [
        (_("This week"), DateRange(day - timedelta(days=day.weekday()), day)),
        (_("This month"), DateRange(day.replace(day=1), day)),
        (_("This term"), DateRange(current_term, day)),
        (_("Last term"), DateRange(previous_term, current_term - timedelta(days=1))),
    ]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d", attrs={"class": "input"})


class ReportRangeForm(forms.Form):
    """`?from=YYYY-MM-DD&to=YYYY-MM-DD`, both days included. The fields are `start` and `end`
    in Python (`from` is a keyword) and `from`/`to` in the URL, through `add_prefix`."""

    PARAMETERS = {"start": "from", "end": "to"}

    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("To (included)"), widget=DateInput())

    def add_prefix(self, field_name: str) -> str:
        return super().add_prefix(self.PARAMETERS.get(field_name, field_name))

    def clean_start(self) -> date:
        first = self.cleaned_data["start"]
        if first > today():
            raise forms.ValidationError(_("The report cannot start in the future."))
        return first

    def clean_end(self) -> date:
        last = self.cleaned_data["end"]
        if last > today() + timedelta(days=MAX_DAYS_AHEAD):
            raise forms.ValidationError(_("Choose an end date less than a year from today."))
        return last

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, last = data.get("start"), data.get("end")
        if first and last:
            if first > last:
                self.add_error("end", _("The end date is before the start date."))
            elif (last - first).days >= MAX_RANGE_DAYS:
                self.add_error("start", _("Choose a range of at most five years."))
        return data

    @property
    def date_range(self) -> DateRange:
        """The validated range; call only after is_valid()."""
        return DateRange(self.cleaned_data["start"], self.cleaned_data["end"])
