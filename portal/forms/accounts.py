from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.forms.ledger import IdempotentForm
from portal.images import normalise_image
from portal.models import Department, Role, StudentProfile, User
from portal.models.accounts import LEADERBOARD_NAME_MAX
from portal.services.accounts import register_student


class StudentSignupForm(forms.Form):
    """Extra sign-up fields; allauth calls `signup()` after it has saved the user."""

    name = forms.CharField(label=_("Full name"), max_length=150)
    enrollment_number = forms.CharField(
        label=_("Enrollment number"), max_length=32, help_text=_("As printed on your student card.")
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.all(),
        required=False,
        empty_label=_("Choose your department"),
    )
    year = forms.TypedChoiceField(
        label=_("Year of study"), choices=[(i, str(i)) for i in range(1, 8)], coerce=int, initial=1
    )

    field_order = [
        "name",
        "email",
        "enrollment_number",
        "department",
        "year",
        "password1",
        "password2",
    ]

    def clean_enrollment_number(self) -> str:
        number = self.cleaned_data["enrollment_number"].strip().upper()
        if StudentProfile.objects.filter(enrollment_number=number).exists():
            raise forms.ValidationError(_("This enrollment number is already registered."))
        return number

    def signup(self, request: HttpRequest, user: User) -> None:
        """Keep what was typed until the address is verified; nothing is reserved before."""
        user.name = self.cleaned_data["name"].strip()
        user.save(update_fields=["name"])
        register_student(
            user=user,
            enrollment_number=self.cleaned_data["enrollment_number"],
            department=self.cleaned_data["department"],
            year=self.cleaned_data["year"],
        )


class StaffUserForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(
        label=_("Role"), choices=[(Role.FACULTY, _("Faculty")), (Role.ADMIN, _("Admin"))]
    )


# The roles an admin may pick on the people page. Partners are made only by an invitation
# (services.partners), which also makes their reviewer row and ties them to a company.
ASSIGNABLE_ROLES = [c for c in Role.choices if c[0] != Role.PARTNER]


class RoleForm(forms.Form):
    # Alumni are made only by the year-end close (services.year_end), which records the year.
    role = forms.ChoiceField(
        label=_("Role"), choices=[c for c in ASSIGNABLE_ROLES if c[0] != Role.ALUMNUS]
    )


class UserFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    role = forms.ChoiceField(
        label=_("Role"), choices=[("", _("All roles")), *Role.choices], required=False
    )


# --- account administration (the person page) -------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the audit log; the person does not see it."),
    )
    ends_at = forms.DateField(
        label=_("Suspended until"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "The account opens again at the start of this day. Empty: until an admin "
            "reactivates it."
        ),
    )

    def clean_ends_at(self) -> datetime | None:
        """The start of the chosen day in the portal's time zone."""
        day = self.cleaned_data.get("ends_at")
        if day is None:
            return None
        return timezone.make_aware(datetime.combine(day, time.min))


class WarningForm(IdempotentForm):
    reason = forms.CharField(
        label=_("Warning"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The person reads this on their settings page and in a notification."),
    )


class CorrectDetailsForm(forms.Form):
    """Name for everyone; enrollment number, department and year for students (the view
    drops those fields for staff)."""

    name = forms.CharField(label=_("Full name"), max_length=150)
    enrollment_number = forms.CharField(label=_("Enrollment number"), max_length=32)
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.all(),
        required=False,
        empty_label=_("No department"),
    )
    year = forms.TypedChoiceField(
        label=_("Year of study"), choices=[(i, str(i)) for i in range(1, 11)], coerce=int
    )
    leaderboard_name = forms.CharField(
        label=_("Name on the leaderboard"),
        max_length=LEADERBOARD_NAME_MAX,
        required=False,
        help_text=_("Chosen by the student; empty it to show their full name instead."),
    )

    def __init__(self, *args: object, student: bool = True, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not student:
            for name in ("enrollment_number", "department", "year", "leaderboard_name"):
                del self.fields[name]


class ErasureRequestForm(forms.Form):
    note = forms.CharField(
        label=_("Anything the admin should know (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    understood = forms.BooleanField(
        label=_(
            "I understand that my account closes for good: I cannot sign in again, and my "
            "points, history and evidence are gone for me."
        ),
    )


class EraseForm(forms.Form):
    # No max_length: a character counter would only distract; the service compares it exactly.
    confirm = forms.CharField(
        label=_("Type the account's email address to confirm"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class RefuseErasureForm(forms.Form):
    answer = forms.CharField(
        label=_("Why (the student reads this)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AdminLimitForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Administers"),
        queryset=Department.objects.all(),
        required=False,
        empty_label=_("Everyone (no department limit)"),
        help_text=_(
            "A department admin manages only that department's students' accounts: the people "
            "list, this page and its actions, and their erasure requests."
        ),
    )


class ProfileForm(forms.Form):
    """What a person changes about themself; `name` only where the university allows it."""

    name = forms.CharField(label=_("Full name"), max_length=150)
    # A FileField, not an ImageField: portal.images checks the content and says what is wrong.
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("A JPEG, PNG or WebP picture of you, up to 2 MB."),
    )
    remove_photo = forms.BooleanField(label=_("Remove my photo"), required=False)

    def __init__(
        self, *args: Any, name_editable: bool = True, has_photo: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not name_editable:
            del self.fields["name"]
        if not has_photo:
            del self.fields["remove_photo"]

    def clean_photo(self) -> Any:
        upload = self.cleaned_data.get("photo")
        return normalise_image(upload, max_side=PHOTO_SIDE) if upload else None


# Photos are shown small (the header, the person page): 400 px is plenty for a retina avatar.
PHOTO_SIDE = 400
