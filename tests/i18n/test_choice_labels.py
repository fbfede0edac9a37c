"""`get_FOO_display` through `portal.models.choices.ChoiceLabels` shows what Django's own
`Model._get_FIELD_display` shows, for every choice of every portal model, in every language."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import translation

from portal.models import Redemption, Transaction
from portal.models.choices import ChoiceLabels


def choice_fields() -> list[tuple[type[models.Model], models.Field]]:
    return [
        (model, field)
        for model in apps.get_app_config("portal").get_models()
        for field in model._meta.concrete_fields
        if field.choices
    ]


def test_every_portal_model_with_choices_looks_its_labels_up():
    fields = choice_fields()
    assert len(fields) > 20
    missing = sorted(
        {model.__name__ for model, _f in fields if not issubclass(model, ChoiceLabels)}
    )
    assert missing == [], "add ChoiceLabels to these models' bases"


@pytest.mark.parametrize("code", [code for code, _name in settings.LANGUAGES] + [None])
def test_every_label_matches_djangos_in_every_language(code):
    compared = 0
    with translation.override(code):
        for model, field in choice_fields():
            for value, _label in field.flatchoices:
                row = model(**{field.attname: value})
                shown = getattr(row, f"get_{field.name}_display")()
                assert shown == models.Model._get_FIELD_display(row, field), (model, value)
                assert type(shown) is str
                compared += 1
    assert compared > 60


def test_labels_follow_the_active_language():
    entry = Transaction(kind=Transaction.Kind.REVERSAL)
    with translation.override("en-gb"):
        english = entry.get_kind_display()
    with translation.override("ar"):
        arabic = entry.get_kind_display()
    assert english == "Reversal"
    assert arabic != english
    with translation.override("ar"):
        assert arabic == str(Transaction.Kind.REVERSAL.label)


def test_a_value_outside_the_choices_shows_as_it_is():
    assert Redemption(status="no-such-status").get_status_display() == "no-such-status"
    assert Transaction(kind=None).get_kind_display() is None
