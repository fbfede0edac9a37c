"""The admin's certificate forms: one certificate for anything, a bulk issue for an event, a
revocation. The services check everything again; these only give the fields their labels."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Event
from portal.models.certificates import CODE_LENGTH

from .ledger import IdempotentForm

TITLE_LENGTH = 200


class IssueCertificateForm(IdempotentForm):
    enrollment_number = forms.CharField(
        label=_("Student's enrollment number"), max_length=32, strip=True
    )
    title = forms.CharField(
        label=_("What it certifies"),
        max_length=TITLE_LENGTH,
        help_text=_("As it will read on the certificate, e.g. “Volunteer of the month, May”."),
    )
    activity_date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=timezone.localdate,
    )
    description = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class BatchForm(forms.Form):
    event = forms.ModelChoiceField(
        label=_("Event"),
        queryset=Event.objects.none(),
        help_text=_("Everyone checked in who has no certificate for it yet gets one."),
    )

    def __init__(self, *args: object, events: list[Event] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["event"]
        field.queryset = Event.objects.filter(pk__in=[e.pk for e in events or []])
        field.choices = [("", "—")] + [
            (e.pk, f"{e.title} · {timezone.localtime(e.starts_at):%d %b %Y}") for e in events or []
        ]


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Shown on the public verification page and sent to the student."),
    )


class FindCertificateForm(forms.Form):
    q = forms.CharField(
        label=_("Code, name or enrollment number"), required=False, max_length=CODE_LENGTH + 32
    )
