"""`{% stamp %}`: a row's buttons and forms drawn once per page and copied per row."""

from __future__ import annotations

import pytest
from django.template import Context, Engine, TemplateSyntaxError
from django.test import override_settings

ENGINE = Engine(
    libraries={"portal": "portal.templatetags.portal"}, builtins=["django.templatetags.i18n"]
)

ROWS = [
    {"pk": 1, "name": "Aisha <Khan> & “Co”"},
    {"pk": 8_589_934_583, "name": "zqstamp0qz"},  # a row holding the stand-ins themselves
    {"pk": 42, "name": "8589934583 zqstamp1qz"},
    {"pk": 7, "name": None},
]
BODY = (
    '<a href="/checkins/{{ pk }}/" title="{{ name }}">{% blocktranslate with who=name %}'
    "Annul {{ who }}{% endblocktranslate %}</a> {{ page }}"
)


def render(body: str, rows: list[dict], autoescape: bool = True) -> str:
    template = ENGINE.from_string(
        "{% load portal %}{% for r in rows %}{% stamp pk=r.pk name=r.name %}"
        + body
        + "{% endstamp %}|{% endfor %}"
    )
    return template.render(Context({"rows": rows, "page": 3}, autoescape=autoescape))


def drawn_in_full(body: str, rows: list[dict], autoescape: bool = True) -> str:
    template = ENGINE.from_string(
        "{% for r in rows %}{% with pk=r.pk name=r.name %}" + body + "{% endwith %}|{% endfor %}"
    )
    return template.render(Context({"rows": rows, "page": 3}, autoescape=autoescape))


@pytest.mark.parametrize("check", [False, True])
def test_copies_equal_the_rows_drawn_in_full(check):
    with override_settings(STAMP_CHECK=check):
        stamped = render(BODY, ROWS)
    assert stamped == drawn_in_full(BODY, ROWS)
    assert "Aisha &lt;Khan&gt; &amp; “Co”" in stamped
    assert 'href="/checkins/42/" title="8589934583 zqstamp1qz"' in stamped
    assert 'href="/checkins/8589934583/" title="zqstamp0qz"' in stamped


def test_the_check_catches_a_body_that_reads_the_row():
    body = "{{ pk }} {{ r.name }}"  # r.name changes between rows but is not stamped
    with override_settings(STAMP_CHECK=False):
        assert render(body, ROWS[:2]) != drawn_in_full("{{ pk }} {{ r.name }}", ROWS[:2])
    with override_settings(STAMP_CHECK=True), pytest.raises(TemplateSyntaxError, match="unlike"):
        render(body, ROWS[:2])


def test_the_check_catches_a_filter_on_a_stamped_value():
    with override_settings(STAMP_CHECK=True), pytest.raises(TemplateSyntaxError, match="unlike"):
        render("{{ name|upper }}", ROWS[:1])


@pytest.mark.parametrize("tag", ["{% stamp %}", "{% stamp r.pk %}", "{% stamp pk=r.pk r.name %}"])
def test_takes_name_value_pairs_only(tag):
    with pytest.raises(TemplateSyntaxError, match="name=value"):
        ENGINE.from_string("{% load portal %}" + tag + "{% endstamp %}")


def test_an_empty_value_draws_its_row_in_full():
    rows = [{"pk": 1, "name": "a"}, {"pk": 2, "name": None}, {"pk": 3, "name": ""}]
    body = "{% if name %}yes{% else %}no{% endif %}{{ name|default:'-' }}"
    with override_settings(STAMP_CHECK=False):
        assert render(body, rows) == drawn_in_full(body, rows) == "yesa|no-|no-|"


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_value_is_written_as_the_template_writes_it(language):
    from datetime import UTC, datetime
    from decimal import Decimal

    from django.utils import translation

    rows = [
        {"pk": 1, "name": Decimal("1.5")},
        {"pk": 2, "name": datetime(2026, 1, 1, 12, 0, tzinfo=UTC)},
        {"pk": 3, "name": "<b>"},
    ]
    with translation.override(language), override_settings(STAMP_CHECK=False):
        assert render(BODY, rows) == drawn_in_full(BODY, rows)
        # A page drawn without autoescaping (a plain-text email) writes the values as they are.
        assert render(BODY, rows, autoescape=False) == drawn_in_full(BODY, rows, autoescape=False)
