from __future__ import annotations

from django import forms


def first_error(form: forms.Form) -> str:
    """The first message of an invalid form, for answers that show one line (bulk bars,
    redirects with a message)."""
    return next(iter(form.errors.values()))[0]
