from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import cached_property
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.forms import check_points, points_field
from portal.models import Category, Department, StudentProfile
from portal.selectors.accounts import active_students
from portal.selectors.categories import active_categories
from portal.selectors.periods import Period


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class IdempotentForm(forms.Form):
    """A form that moves points: it carries a key minted when the form is rendered, so the
    same submission sent twice (double click, back button, retry) is applied once."""

    idempotency_key = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", new_idempotency_key())
        super().__init__(*args, **kwargs)


class ActiveCategoryField(forms.ModelChoiceField):
    """The active categories, checked against the list the form has already read for drawing
    its select (`AwardForm.categories`): one query for both, where ModelChoiceField would ask
    again to validate."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Category.objects.filter(is_active=True), **kwargs)
        self.loaded: Callable[[], list[Category]] = lambda: list(self.queryset)

    def to_python(self, value: Any) -> Category | None:
        if value in self.empty_values:
            return None
        for category in self.loaded():
            if str(category.pk) == str(value):
                return category
        raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")


class AwardForm(IdempotentForm):
    """The award/deduct form. It reads the active categories once (`categories`), both to check
    the chosen one and to draw the select, and leaves the student to the service: the service
    reads the profile under its lock anyway, so checking it here too would read it twice."""

    AWARD = "award"
    DEDUCT = "deduct"
    CATEGORY_GONE = _("This category is no longer in use; choose another.")
    UNKNOWN_STUDENT = _("Choose a student from the list.")

    action = forms.ChoiceField(
        label=_("Action"),
        choices=[(AWARD, _("Award")), (DEDUCT, _("Deduct"))],
        initial=AWARD,
        widget=forms.RadioSelect,
    )
    # A profile id; `ledger.award_points`/`deduct_points` refuse an unknown or inactive student
    # with the same message (code "unknown_student"), and `redisplay_student` says so when
    # another field stopped the form before the service.
    student = forms.IntegerField(
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Search for a student and choose one."),
            "invalid": UNKNOWN_STUDENT,
            "min_value": UNKNOWN_STUDENT,
        },
    )
    # One of `categories` (the template draws the select from that list), or None.
    category = ActiveCategoryField(
        label=_("Category"), required=False, error_messages={"invalid_choice": CATEGORY_GONE}
    )
    points = points_field()
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": _("e.g. Winning the regional hackathon")}
        ),
        help_text=_("The student sees this in their history."),
    )

    def __init__(self, *args: Any, categories: list[Category] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if categories is not None:
            self.__dict__["categories"] = categories
        self.fields["category"].loaded = lambda: self.categories

    @cached_property
    def categories(self) -> list[Category]:
        """The active categories (from the shared cache); pass `categories=` to use others."""
        return active_categories()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        category: Category | None = data.get("category")
        if data.get("action") == self.AWARD and category is None:
            if "category" not in self.errors:
                self.add_error("category", _("Choose a category."))
            return data
        # A deduction is bounded by the ledger only, whatever its category.
        bounded_by = category if data.get("action") == self.AWARD else None
        check_points(
            self, "points", bounded_by, _("%(cat)s awards between %(min)s and %(max)s points.")
        )
        return data

    @classmethod
    def initial_from(cls, entry: Any) -> dict[str, Any]:
        """The form's values for doing `entry` (an award or deduction) again."""
        return {
            "action": cls.AWARD if entry.amount > 0 else cls.DEDUCT,
            "student": entry.student_id,
            "category": str(entry.category_id or ""),
            "points": abs(entry.amount),
            "reason": entry.reason,
        }

    def redisplay_student(self) -> StudentProfile | None:
        """The chosen student, to show the choice again on a form going back to the user with
        errors. An unknown or inactive one gets the field error the service would have given."""
        student_id = self.cleaned_data.get("student") if hasattr(self, "cleaned_data") else None
        if student_id is None:
            return None
        chosen = active_students().filter(pk=student_id).first()
        if chosen is None and "student" not in self.errors:
            self.add_error("student", self.UNKNOWN_STUDENT)
        return chosen


class BulkAwardForm(IdempotentForm):
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True),
        empty_label=_("Choose a category"),
        error_messages={"invalid_choice": _("This category is no longer in use; choose another.")},
    )
    points = points_field(help_text=_("For every line without its own points."))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown to every student."),
    )
    enrollment_numbers = forms.CharField(
        label=_("Students"),
        max_length=200_000,
        widget=forms.Textarea(
            attrs={
                "rows": 8,
                "placeholder": "CS2024001\nCS2024002, 15\nEE2023017",
                "spellcheck": "false",
            }
        ),
        help_text=_(
            "One enrollment number per line, optionally followed by a comma and that "
            "student's points. "
            "Paste from a spreadsheet, or add students with the search above."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        check_points(
            self,
            "points",
            data.get("category"),
            _("%(cat)s awards between %(min)s and %(max)s points."),
        )
        return data


class ReverseForm(IdempotentForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("Why reverse it?")}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Rendered beside the award form, the default "id_%s" would repeat
        # id_idempotency_key on the page. Pass auto_id=f"reverse-{pk}-%s" for ids; field names
        # stay, the reverse view reads them. (The recent awards' rows carry only a fresh key.)
        kwargs.setdefault("auto_id", False)
        super().__init__(*args, **kwargs)


class LeaderboardForm(forms.Form):
    """Query-string filters; invalid values fall back to the defaults."""

    TOP_CHOICES = [(10, _("Top 10")), (20, _("Top 20")), (50, _("Top 50"))]

    top = forms.TypedChoiceField(
        label=_("Top"), choices=TOP_CHOICES, coerce=int, required=False, empty_value=10
    )
    period = forms.ChoiceField(label=_("Period"), choices=Period.choices, required=False)
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.all(),
        required=False,
        empty_label=_("All departments"),
    )

    def cleaned_or_default(self) -> dict[str, Any]:
        defaults = {"top": 10, "period": Period.ALL, "department": None}
        if not self.is_valid():
            return defaults
        return {key: self.cleaned_data.get(key) or default for key, default in defaults.items()}
