"""Reads for the webhook pages: endpoints with their delivery figures, and a delivery log."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, Q, QuerySet

from portal.models import WebhookDelivery, WebhookEndpoint

Status = WebhookDelivery.Status
LOG_PAGE_SIZE = 25


def list_endpoints() -> QuerySet[WebhookEndpoint]:
    """Every endpoint, active first, each with its pending and failed counts and its last
    delivery time (one query)."""
    return WebhookEndpoint.objects.annotate(
        pending=Count("deliveries", filter=Q(deliveries__status=Status.PENDING)),
        failed=Count("deliveries", filter=Q(deliveries__status=Status.FAILED)),
        last_delivery_at=Max("deliveries__created_at"),
    ).order_by("-is_active", "-created_at", "-id")


def delivery_log(endpoint: WebhookEndpoint, *, status: str, page: str | int | None) -> Page:
    """One page of the endpoint's deliveries, newest first, optionally of one status (two
    queries: the count and the page, whatever the page size)."""
    deliveries = endpoint.deliveries.order_by("-created_at", "-id")
    if status in Status.values:
        deliveries = deliveries.filter(status=status)
    return Paginator(deliveries, LOG_PAGE_SIZE).get_page(page)


def endpoint_counts(endpoint: WebhookEndpoint) -> dict[str, int]:
    """{status: number of deliveries} for the filter's labels (one query)."""
    rows = endpoint.deliveries.values("status").annotate(n=Count("id")).order_by()
    counts = dict.fromkeys(Status.values, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    return counts
