"""The one place that decides between a full page and an htmx partial."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
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
    """Render `template`, or only its named partial for an htmx request (`wants_partial`)."""
    if partial and wants_partial(request):
        template = f"{template}#{partial}"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])  # the browser cache must not mix the two
    return response


def wants_partial(request: HtmxHttpRequest) -> bool:
    """An htmx request for part of a page: not a boosted link, nor a history restore (Back
    after htmx pushed a URL, with the cache missed), which need the whole page."""
    return bool(
        request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request
    )


def dashboard_instead(request: HtmxHttpRequest) -> HttpResponse | None:
    """Dashboard partials are for htmx; a plain visit (a bookmark, a reload of a pushed URL)
    gets the whole dashboard, with its query."""
    if wants_partial(request):
        return None
    query = request.GET.urlencode()
    return HttpResponseRedirect(reverse("portal:dashboard") + (f"?{query}" if query else ""))


def answer_in_panel(
    request: HtmxHttpRequest,
    template: str,
    partial: str,
    context: Callable[[], dict[str, Any]],
    *,
    done: str,
    error: str,
    back: str,
) -> HttpResponse:
    """The answer to a small form that lives in a panel of a page (join a club, register for an
    event): htmx redraws the panel (`context()` is read only then); a plain post gets the
    message on the page at `back`."""
    if request.htmx:
        return render_page(request, template, context(), partial=partial)
    if error:
        messages.error(request, error)
    elif done:
        messages.success(request, done)
    return redirect(back)
