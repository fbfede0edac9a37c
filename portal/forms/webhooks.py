"""The admin's webhook forms. The service checks the URL (https, public address) and the
events again; these give the fields their labels and first checks."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.models import WebhookEvent


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("Receiver URL"),
        max_length=500,
        strip=True,
        help_text=_("An https:// address on a public network, e.g. https://lms.example.edu/upas."),
        widget=forms.URLInput(
            attrs={"placeholder": "https://", "autocomplete": "off", "dir": "ltr"}
        ),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=200,
        help_text=_("Who runs the receiver and what it is for."),
    )


class ResendForm(forms.Form):
    # The attempt count the page showed: a second click of the same button sends nothing more.
    seen_attempts = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
