"""iCalendar (RFC 5545) files, written with the `icalendar` library: an event as one VEVENT,
its times in the portal's time zone (TIME_ZONE) with that zone's VTIMEZONE included, so a
calendar shows the event at the same wall-clock time as the portal does."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Event, ReviewRequest

PRODID = "-//UPAS//University points portal//EN"
STATUS = {
    Event.Status.PUBLISHED: "CONFIRMED",
    Event.Status.COMPLETED: "CONFIRMED",
    Event.Status.CANCELLED: "CANCELLED",
    Event.Status.DRAFT: "TENTATIVE",
}


def event_uid(event: Event) -> str:
    """Stable for the event's lifetime, so a calendar updates it instead of adding a copy."""
    return f"event-{event.pk}@upas"


def event_component(event: Event, *, url: str) -> icalendar.Event:
    zone = ZoneInfo(settings.TIME_ZONE)
    return icalendar.Event.new(
        uid=event_uid(event),
        summary=event.title,
        description=event.description or None,
        location=event.location,
        start=timezone.localtime(event.starts_at, zone),
        end=timezone.localtime(event.ends_at, zone),
        stamp=timezone.now(),
        created=event.created_at,
        status=STATUS[event.status],
        url=url,
    )


def calendar_response(events: list[icalendar.Event], *, filename: str) -> HttpResponse:
    calendar = icalendar.Calendar.new(prodid=PRODID, subcomponents=events)
    if events:
        # The zone's rules around these events only (its whole history would be ~5 kB each).
        calendar.add_missing_timezones(
            first_date=min(e.start for e in events).date() - timedelta(days=1),
            last_date=max(e.end for e in events).date() + timedelta(days=366),
        )
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def session_uid(review: ReviewRequest) -> str:
    return f"resume-review-{review.pk}@upas"


def session_component(review: ReviewRequest, *, url: str) -> icalendar.Event:
    zone = ZoneInfo(settings.TIME_ZONE)
    return icalendar.Event.new(
        uid=session_uid(review),
        summary=_("Resume review: %(student)s with %(reviewer)s")
        % {"student": review.student.name, "reviewer": review.reviewer.user.name},
        description=_("Target role: %(role)s (%(field)s)")
        % {"role": review.target_role, "field": review.specialty.name},
        start=timezone.localtime(review.slot.starts_at, zone),
        end=timezone.localtime(review.slot.ends_at, zone),
        stamp=timezone.now(),
        created=review.created_at,
        status="CONFIRMED",
        url=url,
    )
