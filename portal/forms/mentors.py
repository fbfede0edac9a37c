"""The admins' mentor forms: one student at a time, or a CSV file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from portal.domain import student_import as imports
from portal.exceptions import PortalError
from portal.selectors.mentors import mentor_choices


class MentorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.email})"


class AssignMentorForm(forms.Form):
    student = forms.CharField(
        label=_("Student's enrollment number"), max_length=32, widget=forms.TextInput()
    )
    mentor = MentorChoiceField(
        label=_("Mentor"),
        queryset=mentor_choices(),
        required=False,
        empty_label=_("No mentor"),
        help_text=_("Only active faculty members can be mentors."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mentor"].queryset = mentor_choices()


class MentorImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Columns enrollment_number and mentor_email, with a header row."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        try:
            imports.check_size(upload.size or 0)
        except PortalError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc
        return upload
