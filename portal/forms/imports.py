from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from portal.domain import student_import as imports
from portal.exceptions import PortalError


class StudentImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 CSV with a header row; at most 5 MB and 20,000 students."),
        # `accept` only steers the browser's file picker; the service judges the bytes.
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    invite = forms.BooleanField(
        label=_("Email new students an invitation to choose a password"),
        required=False,
        help_text=format_lazy(
            _("Only new students get one; at most {} per import from this page."),
            imports.PAGE_INVITE_LIMIT,
        ),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        # Refuse by the declared size before anything reads the file into memory.
        try:
            imports.check_size(upload.size or 0)
        except PortalError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc
        return upload
