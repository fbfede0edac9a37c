"""The one place that decides between a full page and an htmx partial."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def render_page(
    request: HtmxHttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render `template`, or only its named partial for a (non-boosted) htmx request."""
    # A history restore (Back after htmx pushed a URL, with the cache missed) needs the whole page.
    if (
        partial
        and request.htmx
        and not request.htmx.boosted
        and not request.htmx.history_restore_request
    ):
        template = f"{template}#{partial}"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])  # the browser cache must not mix the two
    return response
