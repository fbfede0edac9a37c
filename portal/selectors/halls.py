"""Reads for the hall pages: the hall list, a hall's week, the free-slot search, one's own
requests and the admins' queue. Each is a fixed number of queries whatever the data size."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from portal.models import Event, Hall, HallBooking, User
from portal.permissions import bookings_visible_to, is_admin

Status = HallBooking.Status
LIVE = (Status.PENDING, Status.APPROVED)
PUBLIC_EVENT = (Event.Status.PUBLISHED, Event.Status.COMPLETED)


@dataclass(frozen=True)
class Gap:
    """A free stretch of a hall's open hours."""

    starts_at: datetime
    ends_at: datetime

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


@dataclass
class Day:
    date: date
    is_today: bool
    is_past: bool
    bookings: list[HallBooking] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)


@dataclass
class Week:
    hall: Hall
    starts: date
    days: list[Day]
    previous: date
    next: date

    @property
    def ends(self) -> date:
        return self.starts + timedelta(days=6)


@dataclass
class FreeHall:
    hall: Hall
    gaps: list[Gap]


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _at(day: date, moment: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, moment))


def _next_quarter(moment: datetime) -> datetime:
    """`moment` rounded up to the next quarter hour (a free stretch starting now starts there)."""
    rounded = moment.replace(second=0, microsecond=0)
    extra = -rounded.minute % 15
    if extra == 0 and rounded < moment:
        extra = 15
    return rounded + timedelta(minutes=extra)


def free_gaps(
    hall: Hall,
    day: date,
    taken: list[HallBooking],
    *,
    start: time | None = None,
    end: time | None = None,
    min_minutes: int = 30,
    now: datetime | None = None,
) -> list[Gap]:
    """The stretches of `day` within the hall's open hours (narrowed to `start`-`end`) that no
    booking in `taken` covers and that are still ahead, each at least `min_minutes` long."""
    now = now or timezone.now()
    opens = _at(day, max(hall.opens_at, start) if start else hall.opens_at)
    closes = _at(day, min(hall.closes_at, end) if end else hall.closes_at)
    cursor = max(opens, _next_quarter(now))
    gaps = []
    for booking in sorted(taken, key=lambda b: b.starts_at):
        if booking.ends_at <= cursor or booking.starts_at >= closes:
            continue
        if booking.starts_at > cursor:
            gaps.append(Gap(cursor, booking.starts_at))
        cursor = max(cursor, booking.ends_at)
    if cursor < closes:
        gaps.append(Gap(cursor, closes))
    return [gap for gap in gaps if gap.minutes >= min_minutes]


def list_halls(*, active_only: bool = False) -> QuerySet[Hall]:
    halls = Hall.objects.all()
    return halls.filter(is_active=True) if active_only else halls


def hall_week(hall: Hall, *, viewer: User, week_of: date) -> Week:
    """The hall's seven days from the Monday of `week_of`: approved bookings for everyone, the
    viewer's own pending requests (every pending request for admins), and the free gaps
    between approved bookings. Each booking is marked `purpose_hidden` when it is another
    organiser's for an event that is not public (a draft's title). One query."""
    starts = monday_of(week_of)
    first, after = _at(starts, time.min), _at(starts + timedelta(days=7), time.min)
    shown = Q(status=Status.APPROVED) | Q(
        status=Status.PENDING, pk__in=bookings_visible_to(viewer).values("pk")
    )
    rows = list(
        HallBooking.objects.filter(shown, hall=hall, starts_at__lt=after, ends_at__gt=first)
        .select_related("requested_by", "event")
        .order_by("starts_at", "id")
    )
    # Another organiser's booking for an event not yet public shows as "Booked": its purpose
    # defaults to the event's title.
    sees_all = is_admin(viewer)
    for b in rows:
        b.purpose_hidden = not (
            sees_all
            or b.requested_by_id == viewer.pk
            or b.event is None
            or b.event.status in PUBLIC_EVENT
        )
    today = timezone.localdate()
    now = timezone.now()
    days = []
    for offset in range(7):
        day = starts + timedelta(days=offset)
        of_day = [b for b in rows if timezone.localdate(b.starts_at) == day]
        approved = [b for b in of_day if b.status == Status.APPROVED]
        gaps = free_gaps(hall, day, approved, now=now) if hall.is_active else []
        days.append(
            Day(date=day, is_today=day == today, is_past=day < today, bookings=of_day, gaps=gaps)
        )
    return Week(
        hall=hall,
        starts=starts,
        days=days,
        previous=starts - timedelta(days=7),
        next=starts + timedelta(days=7),
    )


def find_free_halls(
    *, people: int, day: date, start: time, end: time, min_minutes: int
) -> list[FreeHall]:
    """Active halls holding `people` that are free for at least `min_minutes` between `start`
    and `end` on `day`, smallest fitting hall first, with their free stretches. Two queries."""
    halls = list(
        Hall.objects.filter(is_active=True, capacity__gte=people).order_by("capacity", "name")
    )
    window_start, window_end = _at(day, start), _at(day, end)
    taken = list(
        HallBooking.objects.filter(
            hall__in=halls,
            status=Status.APPROVED,
            starts_at__lt=window_end,
            ends_at__gt=window_start,
        )
    )
    found = []
    for hall in halls:
        gaps = free_gaps(
            hall,
            day,
            [b for b in taken if b.hall_id == hall.pk],
            start=start,
            end=end,
            min_minutes=min_minutes,
        )
        if gaps:
            found.append(FreeHall(hall=hall, gaps=gaps))
    return found


def bookings_of(user: User) -> QuerySet[HallBooking]:
    """The user's own requests, newest first (the "My hall bookings" page)."""
    return (
        HallBooking.objects.filter(requested_by=user)
        .select_related("hall", "event", "decided_by")
        .order_by("-starts_at", "-id")
    )


def pending_queue() -> QuerySet[HallBooking]:
    """Pending requests, soonest first, each marked `clashes` when an approved booking holds
    part of its time already (approving it would fail)."""
    clash = HallBooking.objects.filter(
        hall=OuterRef("hall"),
        status=Status.APPROVED,
        starts_at__lt=OuterRef("ends_at"),
        ends_at__gt=OuterRef("starts_at"),
    )
    return (
        HallBooking.objects.filter(status=Status.PENDING, ends_at__gt=timezone.now())
        .select_related("hall", "requested_by", "event")
        .annotate(clashes=Exists(clash))
        .order_by("starts_at", "id")
    )


def pending_count(viewer: User) -> int:
    """The admins' menu badge (no query for anyone else)."""
    if not is_admin(viewer):
        return 0
    return HallBooking.objects.filter(status=Status.PENDING, ends_at__gt=timezone.now()).count()


def live_hall_of(event_id: int | None) -> Hall | None:
    """The hall an event has booked or requested, if any."""
    if event_id is None:
        return None
    booking = (
        HallBooking.objects.filter(event_id=event_id, status__in=LIVE)
        .select_related("hall")
        .order_by("status")  # "approved" sorts before "pending"
        .first()
    )
    return booking.hall if booking else None


def upcoming_approved() -> QuerySet[HallBooking]:
    """Approved bookings not yet over, soonest first (an admin may cancel one)."""
    return (
        HallBooking.objects.filter(status=Status.APPROVED, ends_at__gt=timezone.now())
        .select_related("hall", "requested_by", "event")
        .order_by("starts_at", "id")
    )
