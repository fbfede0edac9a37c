"""The `{% char_counter %}` tag: what the length counter under a text field says and which
field it names, in both languages (static/js/app.js reads these attributes)."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from tests.html import find, text


def counter(source: str, **context: object) -> dict[str, str]:
    html = Template("{% load portal %}" + source).render(Context(context))
    node = find(html, tag="p")
    return {**dict(node.attributes), "text": text(node)}


def test_a_row_counter_joins_its_id_parts_and_names_itself_after_the_field():
    shown = counter('{% char_counter "comment" kind pk limit=500 %}', kind="claim", pk=12)
    assert shown["data-counter-for"] == "comment-claim-12"
    assert shown["id"] == "comment-claim-12-counter"
    assert shown["data-max"] == "500"
    assert shown["text"] == "Up to 500 characters"
    assert shown["data-left"] == "%(n)s characters left"
    assert shown["data-over"] == "%(n)s characters too many"


def test_a_form_field_counter_takes_the_id_it_is_given():
    shown = counter(
        "{% char_counter field_id limit=1500 counter_id=field_id|add:'_counter' %}",
        field_id="id_reason",
    )
    assert shown["id"] == "id_reason_counter"
    assert shown["text"] == "Up to 1,500 characters"


@pytest.mark.parametrize(
    ("code", "left", "up_to"),
    [("ar", "المتبقي: %(n)s حرف", "بحد أقصى 200 حرف"), ("en-gb", "%(n)s characters left", None)],
)
def test_the_texts_follow_the_active_language(code, left, up_to):
    # The texts are kept per language: Arabic after English must not show the English ones.
    counter('{% char_counter "x" limit=200 %}')
    with translation.override(code):
        shown = counter('{% char_counter "note" 3 limit=200 %}')
    assert shown["data-left"] == left
    assert shown["text"] == (up_to or "Up to 200 characters")


def test_ids_are_escaped():
    shown = counter("{% char_counter part limit=10 %}", part='"><script>')
    assert shown["data-counter-for"] == '"><script>'
