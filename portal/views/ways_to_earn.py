from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from portal.htmx import HtmxHttpRequest, render_page
from portal.selectors.ways_to_earn import ways_to_earn as read_ways_to_earn


@login_required
@require_GET
def ways_to_earn(request: HtmxHttpRequest) -> HttpResponse:
    """Every way to earn points in one place; the bot's /ways-to-earn reads the same."""
    return render_page(
        request, "portal/ways_to_earn.html", {"ways": read_ways_to_earn(request.user)}
    )
