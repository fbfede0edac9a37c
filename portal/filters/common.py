"""Pieces the filter sets share: the "student" search box (ledger and redemption queue) and a
choice field for short lists of objects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import django_filters
from django import forms
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connection
from django.db.models import Exists, F, Model, Q, QuerySet
from django.db.models.lookups import In
from django.forms.models import ModelChoiceIterator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from portal.models import StudentProfile
from portal.prepared import composed_once
from portal.tables.fast import escaped

M = TypeVar("M", bound=Model)

# A search matching more students than this is a common name fragment: the rows it selects are
# dense in any list (one in 50 at 50,000 students), so the plain join below finds a page of them
# within a few hundred rows. Up to this many, an `IN` list lets the database read each student's
# rows from its (student, date) index, or walk the dates testing each row's student against the
# list as a hash (PostgreSQL 14+). With 300 here, a surname matching 512 of 50,000 students
# took the join: 9,282 entries walked, each joined to its student and user, 20 ms; as a list of
# ids, the same walk took 4-8 ms, and the history page 35 ms instead of 50. From about 1,000
# matches on, the list and the join took the same time (issue 17).
STUDENT_MATCH_CAP = 1000


def matching_student_ids(value: str, *, cap: int | None = None) -> list[int] | None:
    """Ids of the student whose enrollment number is `value` (any case) or else of those whose
    name contains it; None when more than `cap` match. One query: the enrollment number through
    its unique index (numbers are stored upper case); only when no number matches, the names,
    with one scan of the users (a one-time filter in the plan, so a number costs under 1 ms).
    `cap` defaults to `STUDENT_MATCH_CAP`, read when called."""
    cap = STUDENT_MATCH_CAP if cap is None else cap
    by_number = StudentProfile.objects.filter(enrollment_number__in={value, value.upper()})
    by_name = StudentProfile.objects.filter(user__name__icontains=value).filter(~Exists(by_number))
    names = by_name.order_by().values_list("pk", flat=True)
    if connection.features.supports_slicing_ordering_in_compound:
        # The cap inside the names' branch too (PostgreSQL; SQLite allows no LIMIT there), so
        # the plan stops at cap + 1: from the name index through each profile. With the cap
        # only outside the UNION, PostgreSQL planned every match (a surname matching 2,541
        # of 50,000 students: 8-13 ms, with or without a parallel worker, against 2.7 ms).
        names = names[: cap + 1]
    ids = list(by_number.order_by().values_list("pk", flat=True).union(names, all=True)[: cap + 1])
    return None if len(ids) > cap else ids


class InOneArray(In):
    """Django's `In`, but PostgreSQL gets the list as one array parameter, `= ANY(%s::bigint[])`,
    instead of a placeholder per value: Django prepares and psycopg quotes each value of an
    `IN` list, about 5 µs apiece (the history of a search matching 500 students: 10.4 -> 7.0 ms
    in one process, 1,000 students: 11.8 -> 7.1; issue 17). The cast matters: psycopg sends
    small integers as `int4[]`, and PostgreSQL hashes no `= ANY` across two types, so it would
    test every element on every row. Other databases get Django's `IN`."""

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, tuple]:
        if not self.rhs_is_direct_value():  # a subquery: Django's `IN (SELECT ...)`
            return self.as_sql(compiler, connection)
        values = [value for value in self.rhs if value is not None]
        if not values:
            raise EmptyResultSet  # as `In`: NULL equals nothing, and no list matches nothing
        lhs, lhs_params = self.process_lhs(compiler, connection)
        array_type = self.lhs.output_field.db_type(connection)
        return f"{lhs} = ANY(%s::{array_type}[])", (*lhs_params, values)


def filter_shape(cleaned_data: dict[str, Any]) -> tuple:
    """A filter form's validated values as part of a `ComposedOnce` shape: a row by its model
    and id, a date range (`slice`) as its ends."""

    def part(value: Any) -> Any:
        if isinstance(value, Model):
            return (value._meta.label, value.pk)
        if isinstance(value, slice):
            return ("range", value.start, value.stop)
        return value

    return tuple((name, part(value)) for name, value in sorted(cleaned_data.items()))


def filter_by_student(queryset: QuerySet[M], value: str) -> QuerySet[M]:
    """`queryset` (of a model with a `student` foreign key) narrowed to the students the search
    box names. Joining the rows to every user with the name test instead made PostgreSQL walk
    the whole ledger in date order for a rare match: 3.5 s for one enrollment number at 50,000
    students (issue 9)."""
    value = value.strip()
    if not value:
        return queryset
    ids = matching_student_ids(value)
    if ids is not None:
        return queryset.filter(InOneArray(F("student_id"), ids))
    return queryset.filter(
        Q(student__enrollment_number__iexact=value) | Q(student__user__name__icontains=value)
    )


def _attrs(attrs: dict[str, Any]) -> SafeString:
    """What django/forms/widgets/attrs.html writes: True as a bare name, False left out."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False
        ),
    )


class QuickSelect(forms.Select):
    """A Select that writes the same HTML as Django's templates, in Python. The stock widget
    renders two templates per option: the ledger's "By" list (250 staff at 50,000 students)
    cost more than the table of entries under it (issue 9). The options are written straight
    from the choices, as `Select.optgroups` marks them (the first matching value selected),
    without its dict per option: 140 of them were 2 ms of a history page (issue 17)."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        values = self.format_value(value)
        selected_one = False
        parts = [
            format_html('<select name="{}"{}>', name, _attrs(self.build_attrs(self.attrs, attrs)))
        ]
        for group_value, group_label in self.choices:
            grouped = isinstance(group_label, (list, tuple))
            # As Select.optgroups: a group without a name has no <optgroup>, and only a
            # top-level None is the empty value.
            labelled = grouped and bool(group_value)
            if labelled:
                parts.append(f'\n  <optgroup label="{escaped(group_value)}">')
            if grouped:
                options = group_label
            else:
                options = [("" if group_value is None else group_value, group_label)]
            for option_value, label in options:
                option = str(option_value)
                selected = not selected_one and option in values
                selected_one |= selected
                parts.append(
                    f'\n  <option value="{escaped(option)}"{" selected" if selected else ""}>'
                    f"{escaped(label)}</option>"
                )
            if labelled:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return SafeString("".join(parts))


class _ListedChoices(ModelChoiceIterator):
    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        label_from_values = self.field.label_from_values
        for obj in self.field.listed():
            yield (obj["pk"], label_from_values(obj)) if label_from_values else self.choice(obj)

    def __len__(self) -> int:
        return len(self.field.listed()) + (self.field.empty_label is not None)


class ListedModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField for a short list (categories, staff) that reads it once per form: the
    options and the check of the chosen value come from the same rows. The stock field runs one
    query for the options and another for the chosen value, and on PostgreSQL reads the options
    through a server-side cursor (three round trips)."""

    iterator = _ListedChoices
    widget = QuickSelect

    def __init__(
        self,
        queryset: QuerySet | None,
        *,
        shape: str = "",
        values: tuple[str, ...] = (),
        label_from_values: Callable[[dict[str, Any]], str] | None = None,
        **kwargs: Any,
    ) -> None:
        """`shape` names a queryset fixed where the field is declared (no clock, no request):
        its SQL is then composed once per process (`portal.prepared.composed_once`), not on
        every form (about 0.45 ms a list).

        `values`, with `label_from_values`: the columns the options need, read as plain values
        rather than as model rows, each option labelled from its values. The chosen option is
        then a model instance holding only those columns. For a long list: the ledger's 250
        staff at 50,000 students took 3.6 ms as rows and 1.2 ms as values (issue 17)."""
        super().__init__(queryset, **kwargs)
        self._shape = shape
        self._values = ("pk", *values) if values else ()
        self.label_from_values = label_from_values if values else None

    def _set_queryset(self, queryset: QuerySet | None) -> None:
        self._listed: list[Any] | None = None  # model rows, or dicts with `values`
        self._shape = ""  # another queryset than the declared one: composed as Django does
        super()._set_queryset(queryset)

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def __deepcopy__(self, memo: dict[int, Any]) -> ListedModelChoiceField:
        copied = super().__deepcopy__(memo)  # a copy of the same declared queryset
        copied._shape = self._shape
        return copied

    def listed(self) -> list[Any]:
        if self._listed is None:
            queryset = self.queryset
            if self._shape:
                shape = ("listed choices", self._shape, self._values)
                queryset = composed_once(queryset, shape)
                if self._values:
                    queryset = queryset.values(*self._values).shaped(shape)
            elif self._values:
                queryset = queryset.values(*self._values)
            self._listed = list(queryset)
        return self._listed

    def to_python(self, value: Any) -> Model | None:
        if value in self.empty_values:
            return None
        for option in self.listed():
            if self._values and str(option["pk"]) == str(value):
                return self.queryset.model(**option)  # a row holding the listed columns
            if not self._values and str(getattr(option, self.to_field_name or "pk")) == str(value):
                return option
        raise ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )


# A long list of users read as values (`ListedModelChoiceField(values=...)`): the columns
# User.__str__ shows, and its label from them.
USER_LABEL_VALUES = ("name", "email")


def user_label(values: dict[str, Any]) -> str:
    return values["name"] or values["email"]


class ListedModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = ListedModelChoiceField


REVERSED_RANGE = _("“From” is after “To”, so no date can match: swap the two dates.")


class DateRangeCheckForm(forms.Form):
    """A filter form whose date range must run forwards: a reversed range is an error the page
    shows beside the results, instead of an empty list that looks like "nothing happened".
    `date_range` names the range field, or the (from, to) pair of fields."""

    date_range: str | tuple[str, str] = "date"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if isinstance(self.date_range, str):
            span = data.get(self.date_range)
            start, end = (span.start, span.stop) if span else (None, None)
        else:
            start, end = (data.get(name) for name in self.date_range)
        if start and end and start > end:
            raise ValidationError(REVERSED_RANGE, code="reversed_range")
        return data
