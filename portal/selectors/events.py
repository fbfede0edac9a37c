"""Reads for event lists, the check-in screen and attendance."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from portal.models import CheckIn, Event, EventReminder, Role, User
from portal.selectors.counts import count_per_row

Status = Event.Status


def checkin_count() -> Coalesce:
    """An event's check-ins as a correlated count. Count("checkins") would join and group every
    check-in of every matching event before the list's LIMIT; this is evaluated for the listed
    events only, from the (event, student) unique index."""
    return count_per_row(CheckIn.objects.all(), link="event")


def visible_events(viewer: User) -> QuerySet[Event]:
    """Drafts only for their organiser and admins; everything else for everyone signed in."""
    events = Event.objects.all()
    if viewer.role == Role.ADMIN:
        return events
    return events.filter(~Q(status=Status.DRAFT) | Q(organiser=viewer))


def list_events(
    viewer: User,
    *,
    when: str = "upcoming",
    query: str = "",
    category: int | None = None,
    organiser: int | None = None,
) -> QuerySet[Event]:
    """Events for the list page with their check-in count and whether the viewer attended,
    in one query."""
    now = timezone.now()
    events = visible_events(viewer).select_related("organiser", "category")
    if when == "past":
        events = events.filter(ends_at__lte=now).order_by("-starts_at", "-id")
    else:
        events = events.filter(ends_at__gt=now).order_by("starts_at", "id")
    if query:
        events = events.filter(Q(title__icontains=query) | Q(location__icontains=query))
    if category:
        events = events.filter(category_id=category)
    if organiser:
        events = events.filter(organiser_id=organiser)
    events = events.annotate(checkin_count=checkin_count())
    if viewer.role == Role.STUDENT:
        mine = CheckIn.objects.filter(event=OuterRef("pk"), student__user=viewer)
        events = events.annotate(viewer_checked_in=Exists(mine))
    return events


def access_event(viewer: User, pk: int) -> Event:
    """An event the viewer may see (404 otherwise)."""
    return get_object_or_404(visible_events(viewer).select_related("organiser", "category"), pk=pk)


def access_event_for_organiser(viewer: User, pk: int) -> Event:
    """An event the viewer organises (or any, for admins); 404 for everyone else, so nobody
    learns about another organiser's check-in screen or its codes."""
    event = get_object_or_404(Event.objects.select_related("organiser", "category"), pk=pk)
    if viewer.role == Role.ADMIN:
        return event
    if viewer.role == Role.FACULTY and event.organiser_id == viewer.pk:
        return event
    raise Http404


def list_attendance(event: Event) -> QuerySet[CheckIn]:
    return CheckIn.objects.filter(event=event).select_related(
        "student__user", "student__department", "checked_in_by"
    )


def upcoming_for_student(viewer: User, *, limit: int = 4) -> list[Event]:
    return list(list_events(viewer).filter(status=Status.PUBLISHED)[:limit])


def organised_by(viewer: User, *, limit: int = 5) -> list[Event]:
    """The organiser's current and next events with live counts."""
    now = timezone.now()
    return list(
        Event.objects.filter(organiser=viewer, ends_at__gt=now)
        .exclude(status=Status.CANCELLED)
        .annotate(checkin_count=checkin_count())
        .order_by("starts_at")[:limit]
    )


def has_reminder(event: Event, viewer: User) -> bool:
    return EventReminder.objects.filter(event=event, student__user=viewer).exists()
