"""The demo's halls (called once from seed_demo): three halls, a week of approved bookings
around today, one pending and one rejected request, and one upcoming event held in a booked
hall. Requests and decisions still ahead go through the hall services; bookings already past
cannot be requested any more, so they are written as the approved rows they would be."""

from __future__ import annotations

import contextlib
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from portal.exceptions import PortalError
from portal.models import Event, Hall, HallBooking, User
from portal.services import halls as hall_services

HALLS = [
    # name, building, capacity, equipment, opens, closes
    ("Turing Lecture Theatre", "Science Block A", 220, "projector, microphones, recording", 8, 22),
    ("Seminar Room 2.14", "Humanities Building", 40, "screen, whiteboard", 8, 20),
    ("Main Auditorium", "Student Centre", 600, "stage, PA system, projector, lighting", 9, 23),
]
# (hall index, day offset from today, start hour, end hour, purpose), all approved.
WEEK = [
    (0, -3, 9, 11, "Algorithms lecture"),
    (0, -2, 14, 16, "Databases lecture"),
    (1, -2, 10, 12, "Thesis defence: M. Chen"),
    (2, -1, 18, 21, "Drama society rehearsal"),
    (0, 0, 9, 11, "Algorithms lecture"),
    (1, 0, 13, 15, "Reading group"),
    (0, 1, 14, 16, "Databases lecture"),
    (2, 1, 10, 13, "Careers fair set-up"),
    (1, 2, 9, 10, "Faculty meeting"),
    (0, 3, 9, 11, "Algorithms lecture"),
    (2, 3, 19, 22, "Open mic night"),
    (1, 4, 15, 17, "Study skills workshop"),
]


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def seed_halls(*, admin: User, organisers: list[User], quiet: Any) -> None:
    """Idempotent: does nothing once any hall exists."""
    if Hall.objects.exists():
        return
    with quiet, transaction.atomic():
        halls = []
        for name, building, capacity, equipment, opens, closes in HALLS:
            hall = Hall(
                name=name,
                building=building,
                capacity=capacity,
                equipment=equipment,
                opens_at=time(opens),
                closes_at=time(closes),
            )
            halls.append(hall_services.save_hall(actor=admin, hall=hall))
        today = timezone.localdate()
        for i, (index, offset, start, end, purpose) in enumerate(WEEK):
            day = today + timedelta(days=offset)
            HallBooking.objects.create(
                hall=halls[index],
                requested_by=organisers[i % len(organisers)],
                purpose=purpose,
                attendees=min(halls[index].capacity, 35 + 10 * i),
                starts_at=_at(day, start),
                ends_at=_at(day, end),
                status=HallBooking.Status.APPROVED,
                decided_by=admin,
                decided_at=_at(day, start) - timedelta(days=7),
            )
        # Still waiting: a workshop two days ahead in the seminar room.
        with contextlib.suppress(PortalError):
            hall_services.request_booking(
                actor=organisers[0],
                hall_id=halls[1].pk,
                starts_at=_at(today + timedelta(days=2), 14),
                ends_at=_at(today + timedelta(days=2), 16),
                purpose="Research methods workshop",
                attendees=30,
            )
        # Rejected: a party in the lecture theatre, clashing with a lecture.
        with contextlib.suppress(PortalError):
            party = hall_services.request_booking(
                actor=organisers[-1],
                hall_id=halls[0].pk,
                starts_at=_at(today + timedelta(days=3), 12),
                ends_at=_at(today + timedelta(days=3), 14),
                purpose="End-of-term party",
                attendees=150,
            )
            hall_services.reject_booking(
                actor=admin,
                booking_id=party.pk,
                reason="Lecture theatres are for teaching and talks; try the Student Centre.",
            )
        _event_in_hall(admin, organisers, halls[2])


def _event_in_hall(admin: User, organisers: list[User], hall: Hall) -> None:
    """The organisers' next event inside the hall's hours moves into the hall."""
    now = timezone.now()
    for event in Event.objects.filter(
        organiser__in=organisers,
        status=Event.Status.PUBLISHED,
        starts_at__gt=now + timedelta(hours=2),
    ).order_by("starts_at")[:10]:
        start, end = timezone.localtime(event.starts_at), timezone.localtime(event.ends_at)
        if start.date() != end.date() or start.time() < hall.opens_at:
            continue
        if end.time() > hall.closes_at:
            continue
        if event.capacity is None or event.capacity > hall.capacity:
            Event.objects.filter(pk=event.pk).update(capacity=min(hall.capacity, 300))
        try:
            booking = hall_services.request_booking(
                actor=event.organiser,
                hall_id=hall.pk,
                starts_at=event.starts_at,
                ends_at=event.ends_at,
                purpose="",
                attendees=min(hall.capacity, 300),
                event_id=event.pk,
            )
            hall_services.approve_booking(actor=admin, booking_id=booking.pk)
        except PortalError:
            continue
        return
