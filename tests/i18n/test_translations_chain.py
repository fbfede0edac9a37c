"""The header-only English catalogues are out of the lookup chain (portal/translations.py), and
every string still translates exactly as through Django's unpruned chain."""

from __future__ import annotations

import gettext

import pytest
from django.conf import settings
from django.utils.translation import trans_real

from portal.translations import drop_empty_fallbacks, is_header_only


def chain(translation: gettext.NullTranslations) -> list[gettext.NullTranslations]:
    links = []
    while translation is not None:
        links.append(translation)
        translation = translation._fallback
    return links


def messages(translation: trans_real.DjangoTranslation) -> set[object]:
    """Every key of every catalogue Django merged for the language: strings, (string, plural
    form) pairs and context-prefixed strings, the portal's and the libraries'."""
    keys: set[object] = set()
    for link in chain(translation):
        catalogue = link._catalog
        for part in getattr(catalogue, "_catalogs", [catalogue]):
            keys.update(key for key in part if key != "")
    return keys


@pytest.mark.parametrize("code", [code for code, _name in settings.LANGUAGES])
def test_no_header_only_catalogue_is_left_in_the_chain(code):
    drop_empty_fallbacks()
    links = chain(trans_real.translation(code))
    assert not any(is_header_only(link) for link in links)
    assert isinstance(links[0], trans_real.DjangoTranslation)


def unpruned(code: str) -> trans_real.DjangoTranslation:
    """The language as Django loads it, with its fallbacks (Arabic's is English) loaded afresh
    too rather than taken from the process's pruned cache."""
    cached = trans_real._translations
    trans_real._translations = {}
    try:
        return trans_real.DjangoTranslation(code)
    finally:
        trans_real._translations = cached


def test_django_chains_header_only_catalogues_to_begin_with():
    # If a Django or library upgrade stops shipping them, the pruning can go.
    fresh = unpruned(settings.LANGUAGE_CODE)
    assert sum(is_header_only(link) for link in chain(fresh)) >= 1


@pytest.mark.parametrize("code", [code for code, _name in settings.LANGUAGES])
def test_every_string_translates_as_through_the_unpruned_chain(code):
    drop_empty_fallbacks()
    pruned = trans_real.translation(code)
    fresh = unpruned(code)
    assert sum(is_header_only(link) for link in chain(fresh)) >= 1
    keys = messages(fresh) | {"A string no catalogue has", ("A string no catalogue has", 1)}
    checked = 0
    for key in keys:
        if isinstance(key, tuple):  # a plural form: ask for it with counts 1, 2, 5 and 11
            msgid = key[0]
            for n in (1, 2, 5, 11):
                assert pruned.ngettext(msgid, msgid + " (plural)", n) == fresh.ngettext(
                    msgid, msgid + " (plural)", n
                )
        elif "\x04" in key:  # pgettext's context
            context, msgid = key.split("\x04", 1)
            assert pruned.pgettext(context, msgid) == fresh.pgettext(context, msgid)
        else:
            assert pruned.gettext(key) == fresh.gettext(key)
        checked += 1
    assert checked > 500
