from __future__ import annotations

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from portal.models import Department, Role, StudentProfile, User
from portal.services.accounts import register_student


class StudentSignupForm(forms.Form):
    """Extra sign-up fields; allauth calls `signup()` after it has saved the user."""

    name = forms.CharField(label=_("Full name"), max_length=150)
    enrollment_number = forms.CharField(
        label=_("Enrollment number"), max_length=32, help_text=_("As printed on your student card.")
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(), required=False, empty_label=_("Choose your department")
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
    role = forms.ChoiceField(choices=[(Role.FACULTY, _("Faculty")), (Role.ADMIN, _("Admin"))])


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class UserFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    role = forms.ChoiceField(choices=[("", _("All roles")), *Role.choices], required=False)
