"""Registration for events that require it, with a capacity and a waitlist.

One service per state change (`register`, `unregister`, and `promote_waitlisted` for the
organiser's capacity changes), each in one transaction holding the event's row lock: the
places taken are counted, and the waitlist is served, under that lock, so 40 students asking
at once for 5 places get exactly 5 places and a waitlist in the order they were served. The
(event, student) unique constraint is the last line: a double submit makes one row.

A promoted student is told at once (notification and email, in their language)."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.exceptions import PortalError
from portal.models import Event, Notification, Registration, StudentProfile, User
from portal.permissions import can_check_in, refuse_alumni, require

from .notifications import in_language_of, notify

Status = Registration.Status


class RegistrationError(PortalError):
    pass


def _lock_event(event_id: int) -> Event:
    event = Event.objects.select_for_update().filter(pk=event_id).first()
    if event is None:
        raise RegistrationError("not_found", _("This event does not exist."))
    return event


def _own_profile(actor: User) -> StudentProfile:
    refuse_alumni(actor, RegistrationError)
    require(can_check_in(actor), RegistrationError, _("Only students register for events."))
    profile = StudentProfile.objects.filter(user=actor).first()
    if profile is None:
        raise RegistrationError("forbidden", _("Only students register for events."))
    return profile


def registered_count(event: Event) -> int:
    return Registration.objects.filter(event=event, status=Status.REGISTERED).count()


@transaction.atomic
def register(*, actor: User, event_id: int) -> Registration:
    """Register the acting student for the event, or put them on its waitlist when every place
    is taken. Registering again returns their existing row (nothing changes).
    Locks the event. Raises RegistrationError: forbidden, not_found, no_registration,
    not_open, registration_closed."""
    profile = _own_profile(actor)
    event = _lock_event(event_id)
    existing = Registration.objects.filter(event=event, student=profile).first()
    if existing is not None:
        return existing
    if not event.requires_registration:
        raise RegistrationError(
            "no_registration", _("This event needs no registration: just come and check in.")
        )
    if event.status != Event.Status.PUBLISHED:
        raise RegistrationError("not_open", _("This event is not open for registration."))
    if timezone.now() >= event.registration_deadline:
        raise RegistrationError("registration_closed", _("Registration for this event has closed."))
    full = event.capacity is not None and registered_count(event) >= event.capacity
    return Registration.objects.create(
        event=event,
        student=profile,
        status=Status.WAITLISTED if full else Status.REGISTERED,
        created_at=timezone.now(),  # taken under the lock: the waitlist's order
    )


@transaction.atomic
def unregister(*, actor: User, event_id: int) -> bool:
    """Give up the acting student's place (or their place in the waitlist) before the event
    starts; the first on the waitlist takes a freed place at once and is told. True when there
    was something to give up. Locks the event. Raises RegistrationError: forbidden, not_found,
    started."""
    profile = _own_profile(actor)
    event = _lock_event(event_id)
    registration = Registration.objects.filter(event=event, student=profile).first()
    if registration is None:
        return False
    if timezone.now() >= event.starts_at:
        raise RegistrationError(
            "started", _("The event has started: your registration can no longer change.")
        )
    registration.delete()
    if registration.status == Status.REGISTERED:
        _promote(event)
    return True


def promote_waitlisted(event_id: int) -> list[Registration]:
    """Fill the places a larger capacity opened (or an organiser freed) from the waitlist, in
    order. The caller's transaction is used; locks the event."""
    with transaction.atomic():
        return _promote(_lock_event(event_id))


def _promote(event: Event) -> list[Registration]:
    """Caller holds the event's lock. Promotes until the places are taken (all of the waitlist
    when there is no capacity any more) and tells each promoted student."""
    if event.starts_at <= timezone.now():
        return []  # nobody is promoted into an event that has begun
    if event.capacity is None:
        free = None
    else:
        free = event.capacity - registered_count(event)
        if free <= 0:
            return []
    waiting = (
        Registration.objects.filter(event=event, status=Status.WAITLISTED)
        .select_related("student__user")
        .order_by("created_at", "id")
    )
    promoted = list(waiting if free is None else waiting[:free])
    now = timezone.now()
    for registration in promoted:
        registration.status = Status.REGISTERED
        registration.promoted_at = now
        registration.save(update_fields=["status", "promoted_at"])
        user = registration.student.user
        with in_language_of(user):
            notify(
                user,
                kind=Notification.Kind.REGISTRATION,
                message=_("A place opened up: you are now registered for %(title)s.")
                % {"title": event.title},
                link=reverse("portal:event-detail", args=[event.pk]),
            )
    return promoted
