"""Forms for resume reviews: the student's request and rating, the reviewer's slots and
feedback, the admins' reviewer form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from portal.models import Reviewer, Specialty
from portal.uploads import CheckedFile, check_evidence

from .rewards import DateTimeInput

PDF_MAGIC = b"%PDF-"


class ResumeField(forms.FileField):
    """A PDF of at most 5 MB, judged by its bytes (the evidence checks); cleans to a
    CheckedFile. Images, which evidence accepts, are refused: a resume is a PDF."""

    widget = forms.FileInput(attrs={"accept": "application/pdf"})

    def clean(self, data: Any, initial: Any = None) -> CheckedFile | None:
        upload: UploadedFile | None = super().clean(data, initial)
        if not upload:
            return None
        upload.seek(0)
        if upload.size and upload.read(len(PDF_MAGIC)) != PDF_MAGIC:
            upload.seek(0)
            if upload.size > 5 * 1024 * 1024:
                return check_evidence(upload)  # says how large it is
            raise ValidationError(_("This file is not a PDF. Upload your resume as a PDF."))
        return check_evidence(upload)


class ReviewRequestForm(forms.Form):
    target_role = forms.CharField(
        max_length=120,
        label=_("Target role"),
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Junior data analyst")}),
    )
    specialty = forms.ModelChoiceField(
        queryset=Specialty.objects.none(),
        label=_("Field"),
        empty_label=_("Choose a field"),
        error_messages={"invalid_choice": _("Choose a field from the list.")},
    )
    resume = ResumeField(
        label=_("Resume (PDF)"), help_text=_("A PDF of at most 5 MB. Only your reviewer sees it.")
    )
    preferred_times = forms.CharField(
        max_length=300,
        required=False,
        label=_("Preferred times"),
        help_text=_("For example “weekday afternoons”. The reviewer sees this."),
    )
    notes = forms.CharField(
        max_length=2000,
        required=False,
        label=_("Notes for the reviewer"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, specialties: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["specialty"]
        field.queryset = specialties if specialties is not None else Specialty.objects.all()

    def ask_for_the_file_again(self) -> None:
        upload = self.files.get(self.add_prefix("resume"))
        if self.errors and upload is not None and "resume" not in self.errors:
            self.add_error(
                "resume",
                _("Choose your file (%(name)s) again: a form with errors cannot keep it.")
                % {"name": upload.name[:80]},
            )


SCORE_CHOICES = [(n, str(n)) for n in range(1, 6)]


def score_field(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        choices=SCORE_CHOICES,
        coerce=int,
        label=label,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose from 1 to 5.")},
    )


class RatingForm(forms.Form):
    rating = score_field(_("Your rating"))
    comment = forms.CharField(
        max_length=500, required=False, label=_("Comment"), widget=forms.TextInput()
    )


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False, label=_("Reason (optional)"))


class SlotForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DateTimeInput())


class DeclineForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False, label=_("Reason (optional)"))


class FeedbackForm(forms.Form):
    score_content = score_field(_("Content"))
    score_format = score_field(_("Layout and format"))
    score_impact = score_field(_("Impact for the target role"))
    strengths = forms.CharField(
        max_length=2000, label=_("Strengths"), widget=forms.Textarea(attrs={"rows": 4})
    )
    improvements = forms.CharField(
        max_length=2000, label=_("What to improve"), widget=forms.Textarea(attrs={"rows": 4})
    )


class ReviewerForm(forms.Form):
    email = forms.EmailField(label=_("Email of a faculty member or admin"))
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (Reviewer.Kind.FACULTY, Reviewer.Kind.FACULTY.label),
            (Reviewer.Kind.CAREER_STAFF, Reviewer.Kind.CAREER_STAFF.label),
        ],
    )
    headline = forms.CharField(max_length=160, required=False, label=_("Headline"))
    specialties = forms.ModelMultipleChoiceField(
        queryset=Specialty.objects.all(),
        label=_("Specialties"),
        widget=forms.CheckboxSelectMultiple,
    )
