"""Every word a template shows is marked for translation (issue 18, item 5): text between tags
and the attributes people read (alt, title, placeholder, aria-label) may hold only template
variables, translated text, numbers and symbols. Read with Django's own template lexer, so
`{% translate %}` and `{% blocktranslate %}...{% endblocktranslate %}` are what Django sees."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
SPOKEN_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label", "aria-description"}
# Words that are the same in every language: the product's name and file formats.
SAME_IN_EVERY_LANGUAGE = {"UPAS", "PDF", "CSV", "PNG", "JPEG", "QR", "SHA", "UTC", "JSON"}
# Blocks that hold attribute values (CSS classes), not words.
CLASS_BLOCKS = {"main_class"}
# Templates whose markup is built by template tags (a tag name chosen by `{% if %}`), which an
# HTML reader cannot follow; they hold no words of their own.
BUILT_MARKUP = {"allauth/elements/button.html"}
WORD = re.compile(r"[A-Za-z]{2,}")
HOLE = "\x00"
CODE_TAGS = ("script", "style", "svg", "code", "kbd")  # where a template tag or variable was


def _shown_source(source: str) -> str:
    """The template with every tag, variable and translated block replaced by a hole."""
    out, depth, blocks = [], 0, []
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            bits = token.contents.split() or [""]
            if bits[0] in ("blocktranslate", "blocktrans", "comment", "verbatim"):
                depth += 1
            elif bits[0] in ("endblocktranslate", "endblocktrans", "endcomment", "endverbatim"):
                depth -= 1
            elif bits[0] == "block":
                skipped = len(bits) > 1 and bits[1] in CLASS_BLOCKS
                blocks.append(skipped)
                depth += skipped
            elif bits[0] == "endblock" and blocks:
                depth -= blocks.pop()
            out.append(HOLE)
        elif token.token_type == TokenType.TEXT and depth == 0:
            out.append(token.contents)
        else:
            out.append(HOLE)
    return "".join(out)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0  # inside <script>, <style>, <svg> or <code>: code, not words

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in CODE_TAGS:
            self._skip += 1
        for name, value in attrs:
            if name in SPOKEN_ATTRIBUTES and value:
                self._check(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in CODE_TAGS and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._check(data)

    def _check(self, text: str) -> None:
        words = [
            w for w in WORD.findall(text.replace(HOLE, " ")) if w not in SAME_IN_EVERY_LANGUAGE
        ]
        if words:
            self.found.append(" ".join(text.replace(HOLE, "…").split())[:80])


def _unmarked(path: Path) -> list[str]:
    reader = _Reader()
    reader.feed(_shown_source(path.read_text()))
    reader.close()
    return reader.found


def test_every_template_word_is_marked_for_translation():
    found = {
        str(path.relative_to(TEMPLATES)): words
        for path in sorted(TEMPLATES.rglob("*.html"))
        if str(path.relative_to(TEMPLATES)) not in BUILT_MARKUP and (words := _unmarked(path))
    }
    assert not found, "Text not marked for translation:\n" + "\n".join(
        f"  {name}: {text!r}" for name, texts in found.items() for text in texts
    )


def test_the_check_finds_an_unmarked_word():
    """The reader above is not blind: plain words, a title attribute and text after a tag are
    found; translated text, variables and symbols are not."""
    reader = _Reader()
    reader.feed(
        _shown_source(
            '{% load i18n %}<p>Hello</p><a title="Open it">{% translate "Fine" %}</a>'
            "<span>{{ n }} · 12 %</span>{% blocktranslate %}Also fine{% endblocktranslate %}"
            '<a href="{% url "x" %}">Back</a><svg><title>x</title><text>Skip</text></svg>'
            "{% block main_class %}px-4 text-white{% endblock %}<code>enrollment_no</code>"
        )
    )
    assert reader.found == ["Hello", "Open it", "Back"]
