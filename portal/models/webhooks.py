"""Webhooks: the endpoints admins register, and the outbox of deliveries the worker sends.

A delivery row is written in the same transaction as the change it announces, so a change that
rolls back announces nothing and a committed one is never lost (the worker retries it, and the
periodic job picks up what a dead worker left). See docs/WEBHOOKS.md and services/webhooks.py."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ChoiceLabels


class WebhookEvent(models.TextChoices):
    """The kinds an endpoint can subscribe to (the `X-UPAS-Event` header)."""

    POINTS_AWARDED = "points.awarded", _("Points awarded")
    POINTS_DEDUCTED = "points.deducted", _("Points deducted")
    POINTS_REVERSED = "points.reversed", _("Entry reversed")
    REDEMPTION_DECIDED = "redemption.decided", _("Redemption decided")
    CHECKIN_CREATED = "checkin.created", _("Check-in")
    DRAW_PERFORMED = "draw.performed", _("Draw performed")
    CERTIFICATE_ISSUED = "certificate.issued", _("Certificate issued")


# Sent by "Send a test ping" only; nobody subscribes to it.
PING = "ping"


class WebhookEndpoint(models.Model):
    """A receiver of signed POSTs.

    The secret: the portal must *sign* with it, so unlike a password or an API token it cannot
    be stored as a hash. It is stored encrypted (Fernet, with a key derived from SECRET_KEY; see
    `portal.services.webhooks.seal`), so a database dump or backup alone does not let anyone
    forge deliveries; whoever also holds SECRET_KEY could sign anyway. The plain secret is shown
    to the admin once, when the endpoint is registered or its secret rolled, and never again.
    """

    url = models.URLField(max_length=500, verbose_name=_("URL"))
    description = models.CharField(max_length=200, blank=True, verbose_name=_("description"))
    events = models.JSONField(default=list, verbose_name=_("events"))
    secret_sealed = models.TextField(editable=False)
    is_active = models.BooleanField(default=True, verbose_name=_("active"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    secret_rolled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(ChoiceLabels, models.Model):
    """One event for one endpoint: the outbox row, and the delivery log the admin reads."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_kind = models.CharField(max_length=32)
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The periodic job's question: which pending deliveries are due?
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_due_idx",
                condition=models.Q(status="pending"),
            ),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_log_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_kind} → {self.endpoint_id} ({self.status})"
