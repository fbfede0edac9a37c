"""Halls and bookings: every write.

Rules (docs/HALLS.md):
- a request is for an active hall, in the future, inside one day's open hours, for at most the
  hall's capacity; for an event, the requester must manage the event, the event must fit in
  the hall and the booking must cover the event's time;
- a pending request does not block the slot (several may wait for one), but a slot already
  approved cannot be requested, and approving re-checks: two approved bookings of one hall
  never overlap. PostgreSQL's exclusion constraint (migration 0032) is the last line; on
  SQLite the check below runs under the write lock;
- the hall row is locked (`select_for_update`) by every request and decision, so writers on
  one hall queue; lock order: hall, then event, then the booking;
- approving a booking for an event makes the hall the event's location;
- cancelling an event cancels its live bookings (`release_event_bookings`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.exceptions import PortalError
from portal.models import Event, Hall, HallBooking, Notification, User
from portal.permissions import (
    can_book_halls,
    can_cancel_booking,
    can_manage_event,
    can_manage_halls,
    require,
)

from .audit import record_audit, save_audited
from .notifications import in_language_of, notify
from .reminders import tell_moved

Status = HallBooking.Status
LIVE = (Status.PENDING, Status.APPROVED)
HALL_FIELDS = ("name", "building", "capacity", "equipment", "opens_at", "closes_at", "is_active")
# How far ahead a hall can be asked for.
BOOKING_HORIZON = timedelta(days=365)
REMIND_AHEAD = timedelta(hours=24)
BATCH = 500


class HallError(PortalError):
    pass


def _when(starts: datetime, ends: datetime) -> str:
    """ "Thu 3 Dec, 10:00–12:00" (a booking never spans two days)."""
    start = timezone.localtime(starts)
    return f"{date_format(start, 'D j M, H:i')}–{date_format(timezone.localtime(ends), 'H:i')}"


# --- halls --------------------------------------------------------------------------------------


@transaction.atomic
def save_hall(*, actor: User, hall: Hall) -> Hall:
    """Create or update a hall from the validated form. Audited. An update locks the hall.
    Raises HallError: forbidden, bookings_conflict (a smaller capacity, shorter hours or
    switching the hall off leaves out approved bookings to come)."""
    require(can_manage_halls(actor), HallError, _("Only admins manage halls."))
    if hall.pk:
        current = _lock_hall(hall.pk)
        _check_hall_change(current, hall)
    return save_audited(actor=actor, instance=hall, fields=HALL_FIELDS, name="hall")


def _check_hall_change(current: Hall, hall: Hall) -> None:
    """Approved bookings not yet over stay valid (the caller holds the hall lock): a smaller
    capacity, shorter hours or switching the hall off is refused while any of them would no
    longer fit; the admin cancels those bookings first."""
    if (
        hall.capacity >= current.capacity
        and hall.opens_at <= current.opens_at
        and hall.closes_at >= current.closes_at
        and (hall.is_active or not current.is_active)
    ):
        return
    upcoming = (
        HallBooking.objects.filter(hall=current, status=Status.APPROVED, ends_at__gt=timezone.now())
        .select_related("event")
        .order_by("starts_at", "id")
    )
    checks = (
        (
            "is_active",
            lambda b: not hall.is_active,
        ),
        (
            "capacity",
            lambda b: (
                b.attendees > hall.capacity
                or (b.event is not None and (b.event.capacity or 0) > hall.capacity)
            ),
        ),
        (
            "opens_at",
            lambda b: timezone.localtime(b.starts_at).time() < hall.opens_at,
        ),
        (
            "closes_at",
            lambda b: timezone.localtime(b.ends_at).time() > hall.closes_at,
        ),
    )
    bookings = list(upcoming)
    for field, conflicts in checks:
        clashing = [b for b in bookings if conflicts(b)]
        if clashing:
            n, first = len(clashing), clashing[0]
            raise HallError(
                "bookings_conflict",
                ngettext(
                    "%(n)s approved booking to come no longer fits (the first %(when)s): "
                    "cancel it first.",
                    "%(n)s approved bookings to come no longer fit (the first %(when)s): "
                    "cancel them first.",
                    n,
                )
                % {"n": n, "when": _when(first.starts_at, first.ends_at)},
                field=field,
            )


# --- checks -------------------------------------------------------------------------------------


def _lock_hall(hall_id: int) -> Hall:
    hall = Hall.objects.select_for_update().filter(pk=hall_id).first()
    if hall is None:
        raise HallError("no_hall", _("That hall does not exist."), field="hall")
    return hall


def _check_times(hall: Hall, starts_at: datetime, ends_at: datetime, *, now: datetime) -> None:
    if ends_at <= starts_at:
        raise HallError("bad_times", _("The end must be after the start."), field="ends_at")
    if starts_at <= now:
        raise HallError("past", _("A booking must start in the future."), field="starts_at")
    if starts_at > now + BOOKING_HORIZON:
        raise HallError("too_far", _("Halls can be booked up to a year ahead."), field="starts_at")
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    if start.date() != end.date() or start.time() < hall.opens_at or end.time() > hall.closes_at:
        raise HallError(
            "outside_hours",
            _("%(hall)s is open from %(opens)s to %(closes)s: book within one day's hours.")
            % {
                "hall": hall.name,
                "opens": hall.opens_at.strftime("%H:%M"),
                "closes": hall.closes_at.strftime("%H:%M"),
            },
            field="starts_at",
        )


def _overlapping(hall: Hall, starts_at: datetime, ends_at: datetime):
    return HallBooking.objects.filter(hall=hall, starts_at__lt=ends_at, ends_at__gt=starts_at)


def _refuse_if_taken(hall: Hall, starts_at: datetime, ends_at: datetime, *, exclude=None) -> None:
    taken = _overlapping(hall, starts_at, ends_at).filter(status=Status.APPROVED)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    clash = taken.first()
    if clash is not None:
        raise HallError(
            "taken",
            _("%(hall)s is already booked %(when)s.")
            % {"hall": hall.name, "when": _when(clash.starts_at, clash.ends_at)},
            field="starts_at",
        )


def _check_event(actor: User, hall: Hall, event_id: int, starts_at, ends_at) -> Event:
    event = Event.objects.select_for_update().filter(pk=event_id).first()
    if event is None or not can_manage_event(actor, event):
        raise HallError("not_your_event", _("Choose one of your own events."), field="event")
    _check_event_fits(
        hall,
        event,
        starts_at,
        ends_at,
        too_big=_("%(hall)s holds %(n)s people: give the event a capacity of at most %(n)s first."),
    )
    if event.hall_bookings.filter(status__in=[Status.PENDING, Status.APPROVED]).exists():
        raise HallError(
            "event_has_hall",
            _("That event already has a hall booked or requested."),
            field="event",
        )
    return event


def _check_event_fits(hall: Hall, event: Event, starts_at, ends_at, *, too_big: str) -> None:
    """The event (locked by the caller) is still open, fits in the hall and inside the
    booking's time: checked when asking and again when approving (it may have changed)."""
    if event.status in (Event.Status.CANCELLED, Event.Status.COMPLETED):
        raise HallError("event_closed", _("That event is over or cancelled."), field="event")
    if event.capacity is None or event.capacity > hall.capacity:
        raise HallError(
            "event_too_big", too_big % {"hall": hall.name, "n": hall.capacity}, field="event"
        )
    if starts_at > event.starts_at or ends_at < event.ends_at:
        raise HallError(
            "event_outside_booking",
            _("The booking must cover the event's time (%(when)s).")
            % {"when": _when(event.starts_at, event.ends_at)},
            field="starts_at",
        )


def lock_hall_of_event(event_id: int) -> None:
    """Lock the hall of the event's live booking, if it has one: whoever then locks the event
    keeps the lock order (hall, then event, then booking). One query."""
    list(
        Hall.objects.select_for_update(of=("self",))
        .filter(bookings__event_id=event_id, bookings__status__in=LIVE)
        .values_list("pk", flat=True)
    )


def check_event_change(current: Event, event: Event) -> None:
    """An event with a live booking (the caller holds its hall, then the event) keeps within
    it: its capacity at most the hall's, and when its time changes, inside the booking's time.
    Raises HallError: capacity_above_hall, event_outside_booking. One query."""
    booking = (
        HallBooking.objects.filter(event_id=current.pk, status__in=LIVE)
        .select_related("hall")
        .order_by("status")  # "approved" sorts before "pending"
        .first()
    )
    if booking is None:
        return
    hall = booking.hall
    if event.capacity is None or event.capacity > hall.capacity:
        raise HallError(
            "capacity_above_hall",
            _("%(hall)s holds %(n)s people: the capacity can be at most %(n)s.")
            % {"hall": hall.name, "n": hall.capacity},
            field="capacity",
        )
    moved = (event.starts_at, event.ends_at) != (current.starts_at, current.ends_at)
    if moved and (event.starts_at < booking.starts_at or event.ends_at > booking.ends_at):
        raise HallError(
            "event_outside_booking",
            _(
                "This event's hall booking covers %(when)s; cancel the booking or request "
                "the new time first."
            )
            % {"when": _when(booking.starts_at, booking.ends_at)},
            field="starts_at",
        )


# --- requests and decisions ---------------------------------------------------------------------


@transaction.atomic
def request_booking(
    *,
    actor: User,
    hall_id: int,
    starts_at: datetime,
    ends_at: datetime,
    purpose: str,
    attendees: int,
    event_id: int | None = None,
) -> HallBooking:
    """Ask for a hall. Locks the hall (then the event). Audited; the request waits for an admin.
    Raises HallError: forbidden, no_hall, hall_inactive, bad_times, past, too_far,
    outside_hours, too_many_people, not_your_event, event_closed, event_too_big,
    event_outside_booking, event_has_hall, taken (an approved booking holds the time),
    duplicate (the actor already asked for this hall at this time)."""
    require(
        can_book_halls(actor), HallError, _("Only faculty, admins and club officers book halls.")
    )
    hall = _lock_hall(hall_id)
    if not hall.is_active:
        raise HallError("hall_inactive", _("This hall cannot be booked at the moment."))
    now = timezone.now()
    _check_times(hall, starts_at, ends_at, now=now)
    if not 1 <= attendees <= hall.capacity:
        raise HallError(
            "too_many_people",
            _("%(hall)s holds %(n)s people.") % {"hall": hall.name, "n": hall.capacity},
            field="attendees",
        )
    purpose = purpose.strip()
    event = _check_event(actor, hall, event_id, starts_at, ends_at) if event_id else None
    if not purpose:
        purpose = event.title[:200] if event else ""
    if not purpose:
        raise HallError("purpose_required", _("Say what the hall is for."), field="purpose")
    _refuse_if_taken(hall, starts_at, ends_at)
    mine = _overlapping(hall, starts_at, ends_at).filter(requested_by=actor, status=Status.PENDING)
    if mine.exists():
        raise HallError(
            "duplicate", _("You have already asked for this hall at this time."), field="starts_at"
        )
    booking = HallBooking.objects.create(
        hall=hall,
        requested_by=actor,
        event=event,
        purpose=purpose,
        attendees=attendees,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    record_audit(
        actor=actor,
        action="hall_booking.request",
        target=booking,
        after={
            "hall": hall.pk,
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
            "event": event_id,
        },
    )
    return booking


def _lock_booking(booking_id: int) -> tuple[Hall, HallBooking]:
    """Lock the booking's hall, its event if it has one, then the booking: the order every
    writer uses (an event's cancellation holds the event and then takes its bookings)."""
    ids = HallBooking.objects.filter(pk=booking_id).values_list("hall_id", "event_id").first()
    if ids is None:
        raise HallError("no_booking", _("That booking does not exist."))
    hall = _lock_hall(ids[0])
    event = Event.objects.select_for_update().get(pk=ids[1]) if ids[1] else None
    booking = HallBooking.objects.select_for_update().get(pk=booking_id)
    booking.hall = hall
    booking.event = event
    return hall, booking


def _tell_requester(booking: HallBooking, message) -> None:
    user = booking.requested_by
    with in_language_of(user):
        notify(
            user,
            kind=Notification.Kind.HALL,
            message=message(),
            link=reverse("portal:my-bookings"),
        )


def _decide(booking: HallBooking, actor: User, status: str, reason: str) -> str:
    before = booking.status
    booking.status = status
    booking.decided_by = actor
    booking.decided_at = timezone.now()
    booking.reason = reason
    booking.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    return before


@transaction.atomic
def approve_booking(*, actor: User, booking_id: int) -> HallBooking:
    """Approve a pending request: its time is then the hall's. Locks the hall, then the booking.
    A booking for an event makes the hall the event's location (its audience hears of a move).
    Raises HallError: forbidden, no_booking, not_pending, past, hall_inactive, event_closed,
    event_too_big, event_outside_booking (the event has moved or closed since the request),
    taken (an approved booking overlaps; the exclusion constraint says the same on
    PostgreSQL)."""
    require(can_manage_halls(actor), HallError, _("Only admins decide hall requests."))
    hall, booking = _lock_booking(booking_id)
    if booking.status != Status.PENDING:
        raise HallError("not_pending", _("This request was already decided or withdrawn."))
    if booking.starts_at <= timezone.now():
        raise HallError("past", _("This request's time has passed: reject it instead."))
    if not hall.is_active:
        raise HallError("hall_inactive", _("This hall cannot be booked at the moment."))
    _refuse_if_taken(hall, booking.starts_at, booking.ends_at, exclude=booking.pk)
    event = booking.event
    if event is not None:  # locked: it may have moved or been cancelled since the request
        _check_event_fits(
            hall,
            event,
            booking.starts_at,
            booking.ends_at,
            too_big=_("The event's capacity is larger than %(hall)s holds (%(n)s)."),
        )
    try:
        with transaction.atomic():  # a savepoint: the constraint's refusal leaves us usable
            before = _decide(booking, actor, Status.APPROVED, "")
    except IntegrityError as exc:
        raise HallError(
            "taken", _("%(hall)s was booked for this time meanwhile.") % {"hall": hall.name}
        ) from exc
    if event is not None and event.location != hall.place:
        moved = {"starts_at": event.starts_at, "ends_at": event.ends_at, "location": event.location}
        event.location = hall.place
        event.save(update_fields=["location"])
        if event.status == Event.Status.PUBLISHED:
            tell_moved(event, before=moved)
    record_audit(
        actor=actor,
        action="hall_booking.approve",
        target=booking,
        before={"status": before},
        after={"status": booking.status},
    )
    _tell_requester(
        booking,
        lambda: (
            _("Your booking of %(hall)s for %(when)s was approved.")
            % {"hall": hall.name, "when": _when(booking.starts_at, booking.ends_at)}
        ),
    )
    return booking


@transaction.atomic
def reject_booking(*, actor: User, booking_id: int, reason: str) -> HallBooking:
    """Reject a pending request, saying why (the requester reads it). Audited.
    Raises HallError: forbidden, no_booking, not_pending, reason_required."""
    require(can_manage_halls(actor), HallError, _("Only admins decide hall requests."))
    reason = reason.strip()
    if not reason:
        raise HallError("reason_required", _("Say why the request is rejected."), field="reason")
    hall, booking = _lock_booking(booking_id)
    if booking.status != Status.PENDING:
        raise HallError("not_pending", _("This request was already decided or withdrawn."))
    before = _decide(booking, actor, Status.REJECTED, reason[:300])
    record_audit(
        actor=actor,
        action="hall_booking.reject",
        target=booking,
        before={"status": before},
        after={"status": booking.status, "reason": booking.reason},
    )
    _tell_requester(
        booking,
        lambda: (
            _("Your request for %(hall)s (%(when)s) was rejected: %(reason)s")
            % {
                "hall": hall.name,
                "when": _when(booking.starts_at, booking.ends_at),
                "reason": booking.reason,
            }
        ),
    )
    return booking


@transaction.atomic
def cancel_booking(*, actor: User, booking_id: int, reason: str = "") -> HallBooking:
    """Withdraw a request or give up a booking (its requester), or cancel one (an admin, who
    should say why); the time is free again. Only before the booking ends. Audited; the
    requester hears of an admin's cancellation.
    Raises HallError: no_booking, forbidden, not_live, over."""
    hall, booking = _lock_booking(booking_id)
    require(
        can_cancel_booking(actor, booking),
        HallError,
        _("You can only withdraw your own requests."),
    )
    if not booking.is_live:
        raise HallError("not_live", _("This booking was already rejected or cancelled."))
    if booking.ends_at <= timezone.now():
        raise HallError("over", _("This booking is over."))
    before = _decide(booking, actor, Status.CANCELLED, reason.strip()[:300])
    record_audit(
        actor=actor,
        action="hall_booking.cancel",
        target=booking,
        before={"status": before},
        after={"status": booking.status, "reason": booking.reason},
    )
    if actor.pk != booking.requested_by_id:
        _tell_requester(
            booking,
            lambda: (
                _("Your booking of %(hall)s for %(when)s was cancelled. %(reason)s")
                % {
                    "hall": hall.name,
                    "when": _when(booking.starts_at, booking.ends_at),
                    "reason": booking.reason,
                }
            ),
        )
    return booking


def release_event_bookings(*, actor: User, event: Event) -> int:
    """The event was cancelled (inside `set_event_status`'s transaction, which holds the event
    lock): its pending and approved bookings are cancelled, so the halls are free again. Takes
    no hall lock (freeing time cannot make an overlap). Returns how many."""
    live = HallBooking.objects.select_for_update().filter(
        event=event, status__in=[Status.PENDING, Status.APPROVED]
    )
    bookings = list(live.order_by("pk"))
    for booking in bookings:
        before = _decide(booking, actor, Status.CANCELLED, _("The event was cancelled."))
        record_audit(
            actor=actor,
            action="hall_booking.cancel",
            target=booking,
            before={"status": before},
            after={"status": booking.status, "reason": booking.reason},
        )
    return len(bookings)


# --- reminders ----------------------------------------------------------------------------------


def send_due_booking_reminders(
    *, now: datetime | None = None, ahead: timedelta = REMIND_AHEAD
) -> int:
    """Remind each requester of their approved booking in the day before it starts, once, by
    notification and email (the worker's `send_hall_reminders` job, like event reminders): the
    booking rows are locked (SKIP LOCKED), notified and marked in one transaction, so two
    workers never remind twice. Returns how many were reminded."""
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic():
            due = list(
                HallBooking.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(
                    reminded_at__isnull=True,
                    status=Status.APPROVED,
                    starts_at__gt=now,
                    starts_at__lte=now + ahead,
                )
                .select_related("hall", "requested_by")
                .order_by("id")[:BATCH]
            )
            for booking in due:
                _tell_requester(
                    booking,
                    lambda b=booking: (
                        _("Reminder: you have %(hall)s (%(place)s) %(when)s.")
                        % {
                            "hall": b.hall.name,
                            "place": b.hall.building,
                            "when": _when(b.starts_at, b.ends_at),
                        }
                    ),
                )
            HallBooking.objects.filter(pk__in=[b.pk for b in due]).update(reminded_at=now)
        total += len(due)
        if len(due) < BATCH:
            return total
