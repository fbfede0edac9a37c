"""Halls and bookings for tests, made through the services."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from portal.models import Hall, HallBooking, User
from portal.services import halls as hall_services


def at(days: int, hour: int, minute: int = 0) -> datetime:
    """`hour`:`minute` local time, `days` from today."""
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def make_hall(admin: User, **fields) -> Hall:
    values = {
        "name": "Turing Lecture Theatre",
        "building": "Science Block A",
        "capacity": 120,
        "equipment": "projector, microphones",
        "opens_at": time(8),
        "closes_at": time(22),
    }
    values.update(fields)
    return hall_services.save_hall(actor=admin, hall=Hall(**values))


def ask(
    actor: User,
    hall: Hall,
    *,
    days: int = 1,
    start: int = 10,
    end: int = 12,
    attendees: int = 50,
    purpose: str = "Guest lecture",
    event_id: int | None = None,
) -> HallBooking:
    return hall_services.request_booking(
        actor=actor,
        hall_id=hall.pk,
        starts_at=at(days, start),
        ends_at=at(days, end),
        purpose=purpose,
        attendees=attendees,
        event_id=event_id,
    )
