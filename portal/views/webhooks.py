"""The admin's webhook pages: the endpoints with a register form, and each endpoint's page
with its delivery log, "send again", a test ping, deactivation and a new secret."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.exceptions import PortalError
from portal.forms import add_portal_error
from portal.forms.webhooks import EndpointForm, ResendForm
from portal.htmx import HtmxHttpRequest, render_page
from portal.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from portal.permissions import (
    access_webhook_delivery,
    access_webhook_endpoint,
    webhooks_manager_required,
)
from portal.selectors import webhooks as webhook_selectors
from portal.services import webhooks as webhook_services

LIST = "portal/webhooks/list.html"
DETAIL = "portal/webhooks/detail.html"


def _no_store(response: HttpResponse) -> HttpResponse:
    # A page showing a secret must not stay in any cache (nor in the browser's history cache).
    response["Cache-Control"] = "private, no-store"
    return response


@webhooks_manager_required
@require_http_methods(["GET", "POST"])
def webhook_list(request: HtmxHttpRequest) -> HttpResponse:
    form = EndpointForm(request.POST if request.method == "POST" else None, auto_id="endpoint_%s")
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = webhook_services.register_endpoint(
                actor=request.user, **form.cleaned_data
            )
        except PortalError as exc:
            add_portal_error(form, exc)
        else:
            messages.success(request, _("Endpoint registered: %(url)s") % {"url": endpoint.url})
            return _no_store(
                render_page(request, DETAIL, _detail_context(request, endpoint, secret=secret))
            )
    if form.is_bound and "url" in form.cleaned_data and not form.has_error("url"):
        # Refused for its events only: say now whether the address would be refused too.
        try:
            webhook_services.check_url(form.cleaned_data["url"])
        except PortalError as exc:
            add_portal_error(form, exc)
    context = {"endpoints": webhook_selectors.list_endpoints(), "form": form}
    status = 422 if form.is_bound else 200
    return render_page(request, LIST, context, status=status)


def _detail_context(
    request: HtmxHttpRequest, endpoint: WebhookEndpoint, *, secret: str = ""
) -> dict[str, Any]:
    status = request.GET.get("status", "")
    status = status if status in WebhookDelivery.Status.values else ""
    labels = dict(WebhookEvent.choices)
    counts = webhook_selectors.endpoint_counts(endpoint)
    return {
        "endpoint": endpoint,
        "event_labels": [labels.get(kind, kind) for kind in endpoint.events],
        "secret": secret,
        "status": status,
        "statuses": [
            (value, label, counts[value]) for value, label in WebhookDelivery.Status.choices
        ],
        "page": webhook_selectors.delivery_log(
            endpoint, status=status, page=request.GET.get("page")
        ),
    }


@webhooks_manager_required
@require_GET
def webhook_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    endpoint = access_webhook_endpoint(request.user, pk)
    return render_page(request, DETAIL, _detail_context(request, endpoint), partial="delivery-log")


@webhooks_manager_required
@require_POST
def webhook_active(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    endpoint = access_webhook_endpoint(request.user, pk)
    active = request.POST.get("active") == "1"
    webhook_services.set_endpoint_active(actor=request.user, endpoint_id=endpoint.pk, active=active)
    if active:
        messages.success(request, _("The endpoint is active again; waiting deliveries go out."))
    else:
        messages.success(request, _("The endpoint is deactivated; nothing more is sent to it."))
    return redirect("portal:webhook-detail", pk=endpoint.pk)


@webhooks_manager_required
@require_POST
def webhook_roll_secret(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    endpoint = access_webhook_endpoint(request.user, pk)
    endpoint, secret = webhook_services.roll_secret(actor=request.user, endpoint_id=endpoint.pk)
    messages.success(request, _("A new secret is in use; the old one no longer signs."))
    return _no_store(
        render_page(request, DETAIL, _detail_context(request, endpoint, secret=secret))
    )


@webhooks_manager_required
@require_POST
def webhook_ping(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    endpoint = access_webhook_endpoint(request.user, pk)
    try:
        webhook_services.send_test_ping(actor=request.user, endpoint_id=endpoint.pk)
    except PortalError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("A test ping is on its way; its delivery is in the log."))
    return redirect("portal:webhook-detail", pk=endpoint.pk)


@webhooks_manager_required
@require_POST
def webhook_resend(request: HtmxHttpRequest, pk: int, delivery_pk: int) -> HttpResponse:
    """ "Send again" on one row of the log; htmx swaps the row, the form works without it."""
    delivery = access_webhook_delivery(request.user, pk, delivery_pk)
    form = ResendForm(request.POST)
    notice, error = "", ""
    if not form.is_valid():
        error = _("Reload the page and try again.")
    else:
        try:
            before = delivery.next_attempt_at
            delivery = webhook_services.resend_delivery(
                actor=request.user,
                delivery_id=delivery.pk,
                seen_attempts=form.cleaned_data["seen_attempts"],
            )
        except PortalError as exc:
            error = exc.message
        else:
            queued = delivery.next_attempt_at != before
            notice = _("Queued to send again.") if queued else _("Already on its way.")
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, notice)
        return redirect("portal:webhook-detail", pk=pk)
    delivery.refresh_from_db()  # what the worker did meanwhile (at once, in tests)
    context = {"d": delivery, "notice": notice, "error": error}
    return render_page(request, DETAIL, context, partial="delivery-row")
