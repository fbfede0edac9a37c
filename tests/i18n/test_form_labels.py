"""Labels that forms render themselves come from `label=`; without one Django shows the field's
name ("Category"), which no catalogue translates. The pages whose forms are drawn from their
fields' labels are read in Arabic here, and no label may be left in English."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from portal.models import User
from tests.html import find, find_all, text

pytestmark = pytest.mark.django_db

# Words that are the same in Arabic pages (file types, the portal's name).
KEPT = {"PDF", "PNG", "JPEG", "CSV", "UPAS"}


def english_labels(html: bytes) -> list[str]:
    labels = [text(label) for label in find_all(find(html, "main"), "label")]
    return [
        label
        for label in labels
        if any(word not in KEPT for word in re.findall(r"[A-Za-z]{3,}", label))
    ]


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("student", "portal:claim-create"),
        ("faculty", "portal:reviews"),
        ("faculty", "portal:award-bulk"),
        ("faculty", "portal:history"),
        ("student", "portal:events"),
        ("student", "portal:rewards"),
        ("student", "portal:leaderboard"),
        ("faculty", "portal:award"),
        ("faculty", "portal:event-create"),
        ("admin", "portal:reward-create"),
        ("admin", "portal:category-create"),
        ("faculty", "portal:task-create"),
        ("admin", "portal:user-create"),
    ],
)
def test_form_labels_are_translated(request, client_as, category, who, url):
    user = request.getfixturevalue(who)
    user = user.user if not isinstance(user, User) else user
    User.objects.filter(pk=user.pk).update(language="ar")
    response = client_as(user).get(reverse(url))
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "ar"
    assert english_labels(response.content) == []


def test_every_field_a_form_declares_has_its_own_label():
    """Wherever a form draws its fields (crispy, the filter bar, a template's `field.label`),
    a field declared without `label=` shows its name in English in every language."""
    import importlib
    import inspect
    import pkgutil

    from django import forms

    import portal.filters
    import portal.forms

    unlabelled = []
    for package in (portal.forms, portal.filters):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for name, form in inspect.getmembers(module, inspect.isclass):
                if form.__module__ != module.__name__ or not issubclass(form, forms.BaseForm):
                    continue
                unlabelled += [
                    f"{module.__name__}.{name}.{field_name}"
                    for field_name, field in form.declared_fields.items()
                    if field.label is None and not field.widget.is_hidden
                ]
    assert unlabelled == []
