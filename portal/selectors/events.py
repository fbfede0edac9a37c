"""Reads for event lists, the check-in screen and attendance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from portal.models import CheckIn, Event, EventReminder, Registration, Role, User
from portal.permissions import is_student, visible_events_with
from portal.prepared import Prepared, composed_once
from portal.selectors.counts import count_per_row
from portal.selectors.ledger import ANONYMOUS_NAME

Status = Event.Status


def checkin_count() -> Coalesce:
    """An event's standing check-ins as a correlated count. Count("checkins") would join and
    group every check-in of every matching event before the list's LIMIT; this is evaluated
    for the listed events only, from the partial (event, student) unique index."""
    return count_per_row(CheckIn.objects.standing(), link="event")


def list_events(
    viewer: User,
    *,
    when: str = "upcoming",
    query: str = "",
    category: int | None = None,
    organiser: int | None = None,
    related: tuple[str, ...] = ("organiser", "category"),
    with_counts: bool = True,
    now: datetime | None = None,
) -> QuerySet[Event]:
    """Events for the list page with their check-in count (`with_counts`: the list shows it
    to organisers only) and whether the viewer attended, in one query; `related`: the rows
    read with each event (the list's cards show neither organiser nor category)."""
    now = now or timezone.now()
    events = visible_events_with(viewer, related)
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
    if with_counts:
        # A correlated count per listed event: past events hold a hundred check-ins each.
        events = events.annotate(checkin_count=checkin_count())
    if is_student(viewer):
        mine = CheckIn.objects.standing().filter(event=OuterRef("pk"), student__user=viewer)
        events = events.annotate(viewer_checked_in=Exists(mine))
    return events


def published_event(pk: int) -> Event | None:
    """A published event, for the QR scan landing (which shows "expired" for anything else)."""
    return Event.objects.filter(pk=pk, status=Status.PUBLISHED).first()


def checkin_of(event: Event, user: User) -> CheckIn | None:
    """The signed-in student's check-in to the event: the standing one, else the one
    annulled last (the page says so), else None."""
    return (
        CheckIn.objects.filter(event=event, student__user=user)
        .order_by(F("annulled_at").desc(nulls_first=True), "-id")
        .first()
    )


def list_attendance(event: Event) -> QuerySet[CheckIn]:
    """Every check-in, annulled ones too (shown as annulled, with who and why): the columns the
    attendance page and its CSV show. Three user rows a check-in, read whole, were a third of
    the page's query (password hashes and settings nobody shows). Each page of it is composed
    once per process (`composed_once`: the SQL depends on the event's id alone)."""
    checkins = (
        CheckIn.objects.filter(event=event)
        .select_related("student__user", "student__department", "checked_in_by", "annulled_by")
        .only(
            "id",
            "event_id",
            "student_id",
            "method",
            "created_at",
            "annulled_at",
            "annul_reason",
            "checked_in_by__name",
            "annulled_by__name",
            "student__enrollment_number",
            "student__user__name",
            "student__department__code",
        )
    )
    return composed_once(checkins, ("attendance", event.pk))


def recent_arrivals(event: Event, *, limit: int) -> list[tuple[str, datetime]]:
    """The latest check-ins for the projector: (name, time), with students who hide their name
    from the leaderboard shown as "Anonymous student", as everywhere else in public."""
    rows = (
        CheckIn.objects.filter(event=event)
        .standing()
        .order_by("-created_at", "-id")
        .values_list("student__user__name", "student__show_on_leaderboard", "created_at")[:limit]
    )
    return [(name if shown else str(ANONYMOUS_NAME), at) for name, shown, at in rows]


def upcoming_for_student(viewer: User, *, limit: int = 4) -> list[Event]:
    """The student dashboard's next events, composed once per process (`portal.prepared`)."""
    if not is_student(viewer):
        return list(_upcoming(viewer, timezone.now(), limit))
    return _upcoming_for_student(limit).all(viewer.pk, timezone.now())


def _upcoming(viewer: User, now: datetime, limit: int) -> QuerySet[Event]:
    events = list_events(viewer, related=(), with_counts=False, now=now)
    return events.filter(status=Status.PUBLISHED)[:limit]


@cache
def _upcoming_for_student(limit: int) -> Prepared:
    def build(viewer_id: int, now: datetime) -> QuerySet[Event]:
        return _upcoming(User(pk=viewer_id, role=Role.STUDENT, is_active=True), now, limit)

    return Prepared(build, takes=(int, datetime))


def organised_by(viewer: User, *, limit: int = 5) -> list[Event]:
    """The organiser's current and next events with live counts, for the staff dashboards:
    only the columns their list shows (a whole event row is twenty columns). Composed once
    per process (`portal.prepared`)."""
    return _organised_by(limit).all(viewer.pk, timezone.now())


@cache
def _organised_by(limit: int) -> Prepared:
    def build(organiser_id: int, now: datetime) -> QuerySet[Event]:
        return (
            Event.objects.filter(organiser_id=organiser_id, ends_at__gt=now)
            .exclude(status=Status.CANCELLED)
            .only("title", "starts_at", "capacity", "status")
            .annotate(checkin_count=checkin_count())
            .order_by("starts_at")[:limit]
        )

    return Prepared(build, takes=(int, datetime))


def has_reminder(event: Event, viewer: User) -> bool:
    return EventReminder.objects.filter(event=event, student__user=viewer).exists()


@dataclass(frozen=True)
class RegistrationFigures:
    """An event's registration and attendance figures, from standing (not annulled)
    check-ins. `attended` counts registered students who checked in, `walk_ins` everyone else
    checked in, `excused` registered students the organiser excused and who did not come;
    `no_shows` (the registered rest) is only meaningful once the event has ended."""

    registered: int
    waitlisted: int
    attended: int
    walk_ins: int
    excused: int = 0

    @property
    def checked_in(self) -> int:
        return self.attended + self.walk_ins

    @property
    def no_shows(self) -> int:
        return self.registered - self.attended - self.excused


def registration_figures(event: Event) -> RegistrationFigures:
    """Two aggregate queries, whatever the number of registrations (one for an event that
    takes no registrations: nobody can be registered, excused or a no-show). Each is one
    event's group (no row when it has none), composed once per process (`portal.prepared`)."""
    regs = {"registered": 0, "waitlisted": 0, "excused": 0}
    if event.requires_registration:
        regs = _registration_counts.first(event.pk) or regs
    checkins = _checkin_counts.first(event.pk) or {"total": 0, "attended": 0}
    return RegistrationFigures(
        registered=regs["registered"],
        waitlisted=regs["waitlisted"],
        attended=checkins["attended"],
        walk_ins=checkins["total"] - checkins["attended"],
        excused=regs["excused"],
    )


def _registration_counts_of(event_id: int) -> QuerySet:
    Reg = Registration.Status
    came = CheckIn.objects.standing().filter(event_id=event_id, student=OuterRef("student"))
    return (
        Registration.objects.filter(event_id=event_id)
        .annotate(came=Exists(came))
        .order_by()
        .values("event_id")
        .annotate(
            registered=Count("pk", filter=Q(status=Reg.REGISTERED)),
            waitlisted=Count("pk", filter=Q(status=Reg.WAITLISTED)),
            excused=Count(
                "pk", filter=Q(status=Reg.REGISTERED, excused_at__isnull=False, came=False)
            ),
        )
    )


def _checkin_counts_of(event_id: int) -> QuerySet:
    was_registered = Registration.objects.filter(
        event_id=event_id, student=OuterRef("student"), status=Registration.Status.REGISTERED
    )
    return (
        CheckIn.objects.filter(event_id=event_id)
        .standing()
        .annotate(was_registered=Exists(was_registered))
        .order_by()
        .values("event_id")
        .annotate(total=Count("pk"), attended=Count("pk", filter=Q(was_registered=True)))
    )


_registration_counts = Prepared(_registration_counts_of)
_checkin_counts = Prepared(_checkin_counts_of)


def registration_of(event: Event, viewer: User) -> tuple[Registration | None, int | None]:
    """The viewer's registration and, when waitlisted, their position in the waitlist (1 is
    next): at most two queries."""
    registration = Registration.objects.filter(event=event, student__user=viewer).first()
    if registration is None or registration.status != Registration.Status.WAITLISTED:
        return registration, None
    ahead = Registration.objects.filter(
        Q(created_at__lt=registration.created_at)
        | Q(created_at=registration.created_at, pk__lt=registration.pk),
        event=event,
        status=Registration.Status.WAITLISTED,
    ).count()
    return registration, ahead + 1


def list_registrations(event: Event) -> QuerySet[Registration]:
    """The organiser's list: registered students first, then the waitlist in order, each with
    whether they checked in (and stayed so) and whether they were excused."""
    checked_in = CheckIn.objects.standing().filter(event=event, student=OuterRef("student"))
    return (
        Registration.objects.filter(event=event)
        .select_related("student__user", "student__department")
        .annotate(attended=Exists(checked_in))
        .order_by("status", "created_at", "id")
    )


# A subscription shows events from this long ago onwards, and at most this many.
CALENDAR_PAST = timedelta(days=60)
CALENDAR_LIMIT = 300


def calendar_events_for(user: User) -> list[Event]:
    """The events in the user's calendar subscription: those they registered or are
    waitlisted for, those of their clubs and those they organise (drafts only their own),
    from two months ago on. One query."""
    since = timezone.now() - CALENDAR_PAST
    mine = (
        Q(registrations__student__user=user) | Q(club__memberships__user=user) | Q(organiser=user)
    )
    ids = Event.objects.filter(mine, ends_at__gte=since).values("pk")
    return list(
        Event.objects.filter(pk__in=ids)
        .filter(~Q(status=Status.DRAFT) | Q(organiser=user))
        .order_by("starts_at", "id")[:CALENDAR_LIMIT]
    )
