from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.models import MAX_TOKEN_DAYS, ApiScope, Department, User


class ApiTokenForm(forms.Form):
    """A new integration token (the admin page)."""

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What uses it, e.g. “Moodle sync”; it appears in the audit log."),
    )
    owner = forms.EmailField(
        label=_("Acts as"),
        help_text=_("The email of the account it acts as: it can do what that person can."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=ApiScope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[ApiScope.READ],
    )
    department = forms.ModelChoiceField(
        label=_("Only the students of"),
        queryset=Department.objects.all(),
        required=False,
        empty_label=_("Every department"),
    )
    days = forms.IntegerField(
        label=_("Expires after (days)"),
        min_value=1,
        max_value=MAX_TOKEN_DAYS,
        required=False,
        help_text=_("Leave empty for a token that does not expire."),
    )

    def clean_owner(self) -> User:
        email = self.cleaned_data["owner"]
        owner = User.objects.filter(email__iexact=email, is_active=True).first()
        if owner is None:
            raise forms.ValidationError(_("No active account has this email address."))
        return owner

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "owner": data["owner"],
            "scopes": data["scopes"],
            "department": data["department"],
            "days": data["days"],
        }
