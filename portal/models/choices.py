"""`get_FOO_display` that looks a label up instead of rebuilding the choices.

Django's `Model._get_FIELD_display` builds a dict of every choice on each call, hashing each
lazy label (so translating every one of them) to show one: 115 µs for the ledger's ten kinds,
about 3 ms of a 25-row history page, and as much again on every other page that shows a status
per row. `ChoiceLabels` keeps each field's labels per language once translated; a value that is
not among the choices (or not hashable) takes Django's path, which shows it as it is."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.db import models
from django.utils.translation import get_language


@lru_cache(maxsize=512)
def choice_labels(field: models.Field, language: str | None) -> dict[Any, str]:
    """`field`'s labels in `language` (the active one when called), by stored value."""
    return {value: str(label) for value, label in field.flatchoices}


class ChoiceLabels:
    """Mixed into every portal model with a choices field, before `models.Model`: the model's
    `get_FOO_display` methods are bound to the `_get_FIELD_display` its class finds."""

    def _get_FIELD_display(self, field: models.Field) -> Any:
        value = getattr(self, field.attname)
        try:
            return choice_labels(field, get_language())[value]
        except (KeyError, TypeError):
            return super()._get_FIELD_display(field)  # type: ignore[misc]
