"""Halls and their bookings. Admins keep the list of halls (name, building, capacity,
equipment, daily open hours); organisers (faculty, club officers, admins) request a hall for a
stretch of time, for one of their events or another purpose; an admin approves or rejects it.

One rule the database holds: two approved bookings of one hall never overlap. On PostgreSQL an
exclusion constraint (migration 0032, partial: `WHERE status = 'approved'`) refuses the second
one; on SQLite the service checks inside its transaction, which SQLite's single writer
serialises. Pending requests do not block a slot: approval re-checks it."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ChoiceLabels
from .events import Event

MAX_HALL_CAPACITY = 5000


class Hall(models.Model):
    name = models.CharField(max_length=120, unique=True, verbose_name=_("name"))
    building = models.CharField(max_length=120, verbose_name=_("building"))
    capacity = models.PositiveIntegerField(
        verbose_name=_("capacity"), help_text=_("Seated people it holds.")
    )
    equipment = models.CharField(
        max_length=300,
        blank=True,
        verbose_name=_("equipment"),
        help_text=_("For example “projector, microphones, whiteboard”."),
    )
    opens_at = models.TimeField(default=time(8, 0), verbose_name=_("opens at"))
    closes_at = models.TimeField(default=time(22, 0), verbose_name=_("closes at"))
    is_active = models.BooleanField(default=True, verbose_name=_("can be booked"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=MAX_HALL_CAPACITY),
                name="hall_capacity_in_range",
            ),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="hall_closes_after_opening"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def place(self) -> str:
        """What an event held here shows as its location."""
        return f"{self.name}, {self.building}"

    @property
    def equipment_list(self) -> list[str]:
        return [item.strip() for item in self.equipment.split(",") if item.strip()]


class HallBooking(ChoiceLabels, models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    hall = models.ForeignKey(
        Hall, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("hall")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="hall_bookings",
        verbose_name=_("requested by"),
    )
    event = models.ForeignKey(
        Event,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hall_bookings",
        verbose_name=_("event"),
    )
    purpose = models.CharField(max_length=200, verbose_name=_("purpose"))
    attendees = models.PositiveIntegerField(verbose_name=_("expected people"))
    starts_at = models.DateTimeField(verbose_name=_("starts"))
    ends_at = models.DateTimeField(verbose_name=_("ends"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True, verbose_name=_("reason"))
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="hall_booking_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "rejected", "cancelled"]),
                name="hall_booking_status_known",
            ),
            models.CheckConstraint(
                condition=Q(attendees__gte=1, attendees__lte=MAX_HALL_CAPACITY),
                name="hall_booking_attendees_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["hall", "starts_at"], name="hall_booking_hall_idx"),
            models.Index(fields=["status", "starts_at"], name="hall_booking_status_idx"),
            models.Index(fields=["requested_by", "starts_at"], name="hall_booking_owner_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.hall} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_live(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.APPROVED)
