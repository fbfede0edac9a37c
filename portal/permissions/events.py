"""Events: who organises, who sees which event, who runs an event's check-in."""

from __future__ import annotations

import copy
import time
from functools import cache

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from portal.models import (
    AttendanceDispute,
    CheckIn,
    ClubMembership,
    Event,
    Registration,
    Role,
    User,
)
from portal.prepared import Prepared

from .clubs import OFFICER, is_club_officer, is_officer_of
from .roles import is_admin, is_staff, is_student


def can_organise_events(user: User | None) -> bool:
    """Create events (the creator organises them): faculty and admins, and club officers for
    their own clubs (`portal.services.events.save_event` holds them to those clubs)."""
    return is_staff(user) or is_club_officer(user)


def can_manage_event(user: User | None, event: Event) -> bool:
    """Edit, publish, cancel, run check-in and attendance: its organiser while faculty, any
    admin, and the officers of the event's club (a query, asked only for a club's event)."""
    if is_admin(user):
        return True
    if is_staff(user) and event.organiser_id == user.pk:
        return True
    return is_officer_of(user, event.club_id)


def managed_events(user: User | None) -> QuerySet[Event]:
    """The events `can_manage_event` says yes to, as a queryset (the dispute queue): every
    event for admins; those they organise for faculty; their clubs' events for officers."""
    if is_admin(user):
        return Event.objects.all()
    if user is None or not user.is_authenticated or not user.is_active:
        return Event.objects.none()
    mine = Q(club_id__in=ClubMembership.objects.filter(user=user, position=OFFICER).values("club"))
    if is_staff(user):
        mine |= Q(organiser=user)
    return Event.objects.filter(mine)


def can_check_in(user: User | None) -> bool:
    """Check oneself in, ask for reminders: students."""
    return is_student(user)


def has_door_pass(user: User | None) -> bool:
    """A personal door pass that organisers scan to check one in: students."""
    return is_student(user)


def visible_events(viewer: User) -> QuerySet[Event]:
    """Drafts only for their organiser and admins; everything else for everyone signed in."""
    events = Event.objects.all()
    if is_admin(viewer):
        return events
    return events.filter(~Q(status=Event.Status.DRAFT) | Q(organiser=viewer))


def visible_events_with(viewer: User, related: tuple[str, ...]) -> QuerySet[Event]:
    """`visible_events` read with the `related` rows (none when empty: select_related() with
    no names would follow every foreign key)."""
    events = visible_events(viewer)
    return events.select_related(*related) if related else events


def access_event(
    viewer: User, pk: int, *, related: tuple[str, ...] = ("organiser", "category", "club")
) -> Event:
    """An event the viewer may see (404 otherwise), with the `related` rows its page shows.
    The read is `visible_events_with`, composed once per process for each kind of viewer
    (admin or not) and `related` (`portal.prepared`: the check-in reads it on every scan).
    Every caller is behind a sign-in, so the viewer has an id."""
    if is_admin(viewer):
        event = _event_read_for_admins(related).first(pk)
    else:
        event = _event_read(related).first(viewer.pk, pk)
    if event is None:
        raise Http404
    return event


@cache
def _event_read(related: tuple[str, ...]) -> Prepared:
    """`visible_events_with` for a viewer who is not an admin, by the viewer's id."""

    def build(viewer_id: int, pk: int) -> QuerySet[Event]:
        viewer = User(pk=viewer_id, role=Role.STUDENT, is_active=True)
        return visible_events_with(viewer, related).filter(pk=pk)

    return Prepared(build, takes=(int, int))


@cache
def _event_read_for_admins(related: tuple[str, ...]) -> Prepared:
    """`visible_events_with` for an admin (every event)."""
    admin = User(role=Role.ADMIN, is_active=True)
    return Prepared(lambda pk: visible_events_with(admin, related).filter(pk=pk))


def may_see_event(viewer: User, event: Event) -> bool:
    """`visible_events`, asked of one event already read."""
    return is_admin(viewer) or event.status != Event.Status.DRAFT or event.organiser_id == viewer.pk


# The events the check-in's POST read lately in this process, by id: (read at, event with its
# category). A hall checking in sends a burst of check-ins to one event; each reads the event
# again only every CHECKIN_COPY_SECONDS per process. A copy can be that old: the check-in
# writes only while the event's row still equals it, and reads the event again otherwise
# (`services.events._checked_in_on_copy`).
CHECKIN_COPY_SECONDS = 15.0
CHECKIN_COPIES_KEPT = 256
_checkin_copies: dict[int, tuple[float, Event]] = {}


def access_event_for_checkin(viewer: User, pk: int) -> Event:
    """`access_event` with the category, for the check-in's POST: from this process's copy
    read in the last CHECKIN_COPY_SECONDS, else read (and kept). Not for showing the event:
    only for a check-in, whose write compares the copy with the event's row."""
    kept = _checkin_copies.get(pk)
    fresh = kept is not None and time.monotonic() - kept[0] < CHECKIN_COPY_SECONDS
    if fresh and may_see_event(viewer, kept[1]):
        return copy.copy(kept[1])  # each request its own instance of the shared copy
    event = access_event(viewer, pk, related=("category",))
    if len(_checkin_copies) >= CHECKIN_COPIES_KEPT:
        _checkin_copies.clear()
    _checkin_copies[pk] = (time.monotonic(), copy.copy(event))
    return event


def forget_checkin_copies() -> None:
    """Drop this process's copies (between tests)."""
    _checkin_copies.clear()


def access_event_for_organiser(viewer: User, pk: int) -> Event:
    """An event the viewer manages (`can_manage_event`); 404 for everyone else, so nobody
    learns about another organiser's check-in screen or its codes. The read is composed once
    per process (`portal.prepared`): every organiser page and the check-in screen's refresh
    make it."""
    event = _organised_event_read.first(pk)
    if event is not None and can_manage_event(viewer, event):
        return event
    raise Http404


_organised_event_read = Prepared(
    lambda pk: Event.objects.select_related("organiser", "category", "club").filter(pk=pk)
)


def access_checkin_for_organiser(viewer: User, pk: int) -> CheckIn:
    """A check-in to an event the viewer manages (to annul it); 404 for anyone else."""
    checkin = get_object_or_404(CheckIn.objects.select_related("event", "student__user"), pk=pk)
    if can_manage_event(viewer, checkin.event):
        return checkin
    raise Http404


def access_registration_for_organiser(viewer: User, pk: int) -> Registration:
    """A registration to an event the viewer manages (to excuse the student); 404 otherwise."""
    registration = get_object_or_404(
        Registration.objects.select_related("event", "student__user"), pk=pk
    )
    if can_manage_event(viewer, registration.event):
        return registration
    raise Http404


def access_dispute_for_organiser(viewer: User, pk: int) -> AttendanceDispute:
    """A dispute about an event the viewer manages (to decide it); 404 for anyone else."""
    dispute = get_object_or_404(
        AttendanceDispute.objects.select_related("event", "student__user"), pk=pk
    )
    if can_manage_event(viewer, dispute.event):
        return dispute
    raise Http404
