"""The Arabic catalogue is complete and the compiled one is what the portal loads (issue 18,
item 5). The strings are extracted the way `makemessages` does (Django's `templatize` for
templates, the same gettext keywords), read with Babel, so the check needs no GNU gettext."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_python
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parents[2]
LOCALES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
# makemessages' keywords (django/core/management/commands/makemessages.py).
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdf]|\{(\w+)\}")


def _sources() -> list[bytes]:
    python = [
        p
        for folder in ("portal", "config")
        for p in sorted((ROOT / folder).rglob("*.py"))
        if "migrations" not in p.parts
    ]
    found = [p.read_bytes() for p in python]
    for p in sorted((ROOT / "templates").rglob("*.html")):
        # templatize keeps the template's lines (text blanked out as X): unindented, they are
        # tokens the Python extractor reads like xgettext does.
        code = templatize(p.read_text(), origin=str(p))
        found.append("\n".join(line.lstrip() for line in code.splitlines()).encode())
    return found


def extracted() -> dict[tuple[str | None, str], tuple[str, ...]]:
    """(context, msgid) -> every form's msgid, for each marked string of the portal."""
    messages = {}
    for source in _sources():
        for _line, _func, message, _comments in extract_python(
            io.BytesIO(source), KEYWORDS, [], {"encoding": "utf-8"}
        ):
            context = None
            if isinstance(message, tuple) and len(message) >= 2 and _func.startswith(("pg", "npg")):
                context, message = message[0], message[1:]
            forms = message if isinstance(message, tuple) else (message,)
            if not forms or not forms[0]:
                continue
            messages[(context, forms[0])] = tuple(f for f in forms if f)
    return messages


def _catalogue(locale: str):
    with open(ROOT / "locale" / locale / "LC_MESSAGES" / "django.po", "rb") as f:
        return read_po(f, locale=locale)


@pytest.fixture(scope="module")
def strings():
    return extracted()


@pytest.mark.parametrize("locale", LOCALES)
def test_every_marked_string_is_translated(locale, strings):
    catalogue = _catalogue(locale)
    missing, untranslated = [], []
    for context, msgid in strings:
        entry = catalogue.get(msgid, context=context)
        if entry is None:
            missing.append(msgid)
            continue
        translations = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if entry.fuzzy or not all(translations):
            untranslated.append(msgid)
    assert not missing, f"{len(missing)} strings are not in the {locale} catalogue (run make "
    f"messages): {missing[:20]}"
    assert not untranslated, f"{len(untranslated)} strings have no {locale} translation: " + (
        repr(untranslated[:20])
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_every_placeholder(locale):
    """A translation that drops or renames `%(points)s` would fail at run time (KeyError) or
    show the wrong number."""
    wrong = []
    for entry in _catalogue(locale):
        if not entry.id:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = {m for text in ids for m in PLACEHOLDER.findall(text)}
        for text in strings:
            if text and not set(PLACEHOLDER.findall(text)) <= wanted:
                wrong.append((ids[0], text))
    assert not wrong, wrong[:10]


@pytest.mark.parametrize("locale", LOCALES)
def _key(message) -> tuple:
    ids = message.id
    return (message.context, ids[0] if isinstance(ids, (list, tuple)) else ids)


def _text(message) -> tuple:
    text = message.string
    return tuple(text) if isinstance(text, (list, tuple)) else (text,)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_compiled_catalogue_is_up_to_date(locale):
    """locale/*/django.mo is committed (a fresh machine needs no GNU gettext): it must hold what
    the .po says. `make messages` rebuilds both."""
    with open(ROOT / "locale" / locale / "LC_MESSAGES" / "django.mo", "rb") as f:
        compiled = {_key(m): _text(m) for m in read_mo(f) if m.id}
    written = {_key(m): _text(m) for m in _catalogue(locale) if m.id and not m.fuzzy}
    stale = [key[1] for key, text in written.items() if compiled.get(key) != text]
    assert not stale, f"{len(stale)} entries differ from the .mo (run make messages): {stale[:5]}"


def test_the_extraction_finds_the_portal_strings(strings):
    """The extraction is not empty-handed: a template string, a plural and a service message."""
    assert (None, "Skip to content") in strings
    assert any(len(forms) == 2 for forms in strings.values())
    assert (None, "Choose one of the languages offered.") in strings
