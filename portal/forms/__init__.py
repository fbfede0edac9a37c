from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.exceptions import PortalError
from portal.models import MAX_POINTS_PER_ENTRY


def first_error(form: forms.Form) -> str:
    """The first message of an invalid form, for answers that show one line (bulk bars,
    redirects with a message)."""
    return next(iter(form.errors.values()))[0]


def add_portal_error(form: forms.Form, exc: PortalError) -> None:
    """Put a service's refusal next to the field it is about, or above the form when the form
    has no such field (`PortalError.field`)."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def points_field(**kwargs: object) -> forms.IntegerField:
    """A number of points. Its bounds are checked by the form's `clean` with `check_points`,
    so the error names the chosen category's own bounds ("Volunteering awards between 5 and
    50 points"), not the ledger's 1 to 100,000 that no category allows."""
    # Lazy: a form class calls this when it is defined, before any request's language.
    kwargs.setdefault("label", gettext_lazy("Points"))
    kwargs.setdefault(
        "error_messages", {"invalid": gettext_lazy("Enter a whole number of points.")}
    )
    return forms.IntegerField(**kwargs)  # type: ignore[arg-type]


def check_points(
    form: forms.Form,
    field: str,
    category: Any,
    message: str,
    *,
    most: int = MAX_POINTS_PER_ENTRY,
) -> None:
    """Add `message` (with %(cat)s, %(min)s and %(max)s) to `field` when its points are outside
    the category's bounds, or outside 1 to `most` when no category is chosen."""
    points = form.cleaned_data.get(field)
    if points is None:
        return
    if category is not None:
        low, high = category.min_points, min(category.max_points, most)
        if not low <= points <= high:
            form.add_error(field, message % {"cat": category.name, "min": low, "max": high})
    elif not 1 <= points <= most:
        form.add_error(
            field,
            _("Enter between 1 and %(max)s points.") % {"max": f"{most:,}"},
        )
