"""Webhooks: who registers receivers and reads their delivery logs."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from portal.models import User, WebhookDelivery, WebhookEndpoint

from .accounts import administers_everyone


def can_manage_webhooks(user: User | None) -> bool:
    """Register, deactivate and resend webhooks: admins without a department limit (a receiver
    hears about every department's students)."""
    return administers_everyone(user)


def webhooks_manager_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The door of the webhook pages: anonymous visitors go to the login page, anyone who may
    not manage webhooks gets 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_manage_webhooks(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def access_webhook_endpoint(viewer: User, pk: int) -> WebhookEndpoint:
    """An endpoint for its admin page; 404 for anyone else and for unknown ids."""
    if not can_manage_webhooks(viewer):
        raise PermissionDenied
    return get_object_or_404(WebhookEndpoint, pk=pk)


def access_webhook_delivery(viewer: User, endpoint_id: int, pk: int) -> WebhookDelivery:
    """One delivery of that endpoint (404 if it belongs to another)."""
    endpoint = access_webhook_endpoint(viewer, endpoint_id)
    return get_object_or_404(WebhookDelivery, pk=pk, endpoint=endpoint)
