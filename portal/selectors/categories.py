"""The active categories, which the award form lists and checks on every award: kept in the
shared cache, since they change a few times a term and an award should not read them each
time (a tenth of an award's CPU, issue 17)."""

from __future__ import annotations

from django.core.cache import cache

from portal.cache import shared_key
from portal.models import Category

ACTIVE_CATEGORIES_KEY = shared_key("categories:active:1")
# A change to a category clears the copy when it commits (portal/receivers.py); the lifetime
# bounds what a read racing that change (read before, stored after) can leave behind.
ACTIVE_CATEGORIES_SECONDS = 60


def active_categories() -> list[Category]:
    found = cache.get(ACTIVE_CATEGORIES_KEY)
    if found is None:
        found = list(Category.objects.filter(is_active=True))
        cache.set(ACTIVE_CATEGORIES_KEY, found, ACTIVE_CATEGORIES_SECONDS)
    return found


def forget_active_categories() -> None:
    cache.delete(ACTIVE_CATEGORIES_KEY)
