from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from portal.htmx import HtmxHttpRequest, render_page
from portal.models import Role
from portal.permissions import role_required, student_profile_of
from portal.selectors import activity as activity_selectors

DASHBOARD_ITEMS = 8


@role_required(Role.STUDENT)
@require_GET
def activity(request: HtmxHttpRequest) -> HttpResponse:
    """The student's activity feed; "Load more" asks for the `feed-items` partial after a
    cursor, and without JavaScript the same link loads the next page in full. `?compact=1`
    (htmx) is the dashboard's short list."""
    profile = student_profile_of(request.user)
    if request.htmx and request.GET.get("compact"):
        # The dashboard's "Recent activity" card, loaded after the page.
        return render_page(
            request,
            "portal/activity/feed.html",
            {"feed": activity_selectors.feed_page(profile, limit=DASHBOARD_ITEMS), "compact": True},
            partial="feed-list",
        )
    before = request.GET.get("before", "")
    page = activity_selectors.feed_page(profile, before=before)
    return render_page(
        request,
        "portal/activity/feed.html",
        {"feed": page, "is_later_page": bool(before)},
        partial="feed-items",
    )
