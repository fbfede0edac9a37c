"""The bell in the header and the notifications page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from portal.htmx import HtmxHttpRequest, render_page
from portal.models import Notification
from portal.permissions import access_own_notification
from portal.services import notifications as notification_services

PAGE_SIZE = 25


@login_required
@require_GET
def notification_list(request: HtmxHttpRequest) -> HttpResponse:
    notifications = Notification.objects.filter(user=request.user).only(
        "kind", "message", "link", "created_at", "read_at"
    )
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(
        request,
        "portal/notifications/list.html",
        {"page": page, "unread": notification_services.unread_count(request.user)},
    )


@login_required
@require_GET
def notification_bell(request: HtmxHttpRequest) -> HttpResponse:
    """The header bell: loaded after the page and refreshed while it stays open."""
    return render_page(
        request,
        "portal/notifications/bell.html",
        {"unread": notification_services.unread_count(request.user)},
    )


@login_required
@require_POST
def notification_open(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Mark one of your notifications read and go to what it is about."""
    notification = access_own_notification(request.user, pk)
    notification_services.mark_read(request.user, notification.pk)
    target = notification.link
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        target = "portal:notifications"
    return redirect(target)


@login_required
@require_POST
def notification_read_all(request: HtmxHttpRequest) -> HttpResponse:
    notification_services.mark_read(request.user)
    return redirect("portal:notifications")
