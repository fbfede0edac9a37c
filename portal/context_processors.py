from __future__ import annotations

import operator
from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject, new_method_proxy

from portal.permissions.abilities import abilities_of
from portal.selectors.rewards import pending_count


class LazyCount(SimpleLazyObject):
    """A count queried only when a template shows it, usable as a plural count: Arabic's plural
    rule computes `n % 100`, which SimpleLazyObject does not pass on."""

    __int__ = new_method_proxy(int)
    __index__ = new_method_proxy(operator.index)
    __mod__ = new_method_proxy(operator.mod)


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the signed-in user may do (`can`), for the navigation and the buttons pages show.
    Data is guarded in views, not here."""
    can = abilities_of(request)
    context: dict[str, Any] = {"can": can}
    if can.manage_catalogue:
        # Lazy: evaluated only when the navigation renders (one COUNT on an indexed column).
        context["nav_pending"] = LazyCount(pending_count)
    return context
