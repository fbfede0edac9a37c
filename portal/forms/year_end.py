from __future__ import annotations

import hashlib

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


def list_digest(text: str) -> str:
    """A fingerprint of a graduates list, so a close goes ahead only with the list whose dry
    run the admin saw (an edited list must be previewed again)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


class YearEndForm(forms.Form):
    """An optional list of graduates to preview, and the typed confirmation "close 2026/27"
    for the year the page shows (required only to close)."""

    graduates = forms.CharField(
        label=gettext_lazy("Graduating students"),
        help_text=gettext_lazy(
            "Enrollment numbers, one a line, to graduate exactly these students instead of "
            "everyone in the final year. Preview the list to see the dry run with it."
        ),
        required=False,  # bounded by DATA_UPLOAD_MAX_MEMORY_SIZE and MAX_ROWS numbers
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
    )
    previewed = forms.CharField(required=False, widget=forms.HiddenInput)
    confirmation = forms.CharField(
        label=gettext_lazy("Type the words shown above to confirm"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args: object, academic_year: str, closing: bool = False, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.academic_year = academic_year
        self.closing = closing

    def full_clean(self) -> None:
        # Required to close, not to preview a list; shown as required either way.
        field = self.fields["confirmation"]
        field.required = self.closing
        super().full_clean()
        field.required = True

    @property
    def expected(self) -> str:
        return f"close {self.academic_year}"

    def clean_confirmation(self) -> str:
        typed = " ".join(self.cleaned_data["confirmation"].split()).lower()
        if self.closing and typed != self.expected:
            raise forms.ValidationError(
                _("Type “%(words)s” exactly to close the year.") % {"words": self.expected},
                code="confirmation",
            )
        return typed

    def clean(self) -> dict:
        data = super().clean()
        graduates = data.get("graduates") or ""
        if self.closing and data.get("previewed", "") != list_digest(graduates):
            self.add_error(
                "graduates",
                _("The list changed since its dry run: preview it, check the figures, then close."),
            )
        return data
