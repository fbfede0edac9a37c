from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.models import Club

# Addresses taken by the clubs pages themselves.
RESERVED_SLUGS = {"new"}


class ClubForm(forms.ModelForm):
    class Meta:
        model = Club
        fields = ["name", "slug", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].lower()
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(_("This address is reserved; choose another."))
        return slug


class OfficerForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("A student or faculty member: they run this club's events."),
        max_length=254,
    )


class AdviserForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("A faculty member: they review this club's members' claims."),
        max_length=254,
    )
