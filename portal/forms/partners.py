from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.models import Company, Specialty


class CompanyForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=120)
    website = forms.URLField(
        label=_("Website"), required=False, assume_scheme="https", max_length=200
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PartnerInviteForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("Email address"))
    company = forms.ModelChoiceField(
        label=_("Company"),
        queryset=Company.objects.order_by("name"),
        empty_label=_("Choose a company"),
        error_messages={"invalid_choice": _("Choose a company from the list.")},
    )
    headline = forms.CharField(
        label=_("Headline"),
        required=False,
        max_length=160,
        help_text=_("One line students see, e.g. “Hiring manager, software”."),
    )
    specialties = forms.ModelMultipleChoiceField(
        label=_("Fields they review"),
        queryset=Specialty.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple(
            attrs={"class": "h-4 w-4 rounded border-slate-300 text-brand-600"}
        ),
        error_messages={"invalid_choice": _("Choose fields from the list.")},
    )


class PartnerDeactivateForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("Kept in the audit log and shown on their people page."),
    )
