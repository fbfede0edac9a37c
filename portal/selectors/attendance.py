"""Reads for correcting attendance: refused check-in attempts, registered students who did not
come (and who was excused), and disputes ("I was there"): the organiser's queue and what a
student may still ask."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import (
    AttendanceDispute,
    CheckIn,
    CheckInAttempt,
    Event,
    Registration,
    StudentProfile,
    User,
)
from portal.permissions import managed_events
from portal.prepared import composed_once

# A student may say "I was there" from the opening of check-in until this long after the end.
DISPUTE_WINDOW = timedelta(days=14)

Open = AttendanceDispute.Status.OPEN


def _standing(event_ref: str = "event", student_ref: str = "student") -> QuerySet[CheckIn]:
    return CheckIn.objects.standing().filter(
        event=OuterRef(event_ref), student=OuterRef(student_ref)
    )


def list_attempts(event: Event) -> QuerySet[CheckInAttempt]:
    """The event's refused check-ins, newest first, each with whether the student is checked in
    now (a wrong code, then the right one): one query per page, composed once per process
    (`composed_once`: the SQL depends on the event's id alone)."""
    attempts = (
        CheckInAttempt.objects.filter(event=event)
        .select_related("student__user", "student__department")
        .annotate(checked_in_now=Exists(_standing()))
        .order_by("-created_at", "-id")
    )
    return composed_once(attempts, ("attempts", event.pk))


def list_absentees(event: Event) -> QuerySet[Registration]:
    """Registered students without a standing check-in, in registration order: after the
    event, the no-shows and the excused (`excused_at` set). Composed once per process, as the
    attempts are."""
    absentees = (
        Registration.objects.filter(event=event, status=Registration.Status.REGISTERED)
        .filter(~Exists(_standing()))
        .select_related("student__user", "student__department", "excused_by")
        .order_by("created_at", "id")
    )
    return composed_once(absentees, ("absentees", event.pk))


# --- disputes ------------------------------------------------------------------------------------


def open_disputes(viewer: User) -> QuerySet[AttendanceDispute]:
    """The open disputes about events `viewer` manages, oldest first, each with what the
    organiser needs to judge it: the student's last refused attempt, how many there were,
    whether they registered, and why a check-in of theirs was annulled. One query per page."""
    attempts = CheckInAttempt.objects.filter(event=OuterRef("event"), student=OuterRef("student"))
    annulled = CheckIn.objects.annulled().filter(
        event=OuterRef("event"), student=OuterRef("student")
    )
    registered = Registration.objects.filter(
        event=OuterRef("event"),
        student=OuterRef("student"),
        status=Registration.Status.REGISTERED,
    )
    return (
        AttendanceDispute.objects.filter(status=Open, event__in=managed_events(viewer))
        .select_related("event", "student__user", "student__department")
        .annotate(
            last_refusal=Subquery(attempts.order_by("-created_at", "-id").values("reason")[:1]),
            last_refusal_at=Subquery(
                attempts.order_by("-created_at", "-id").values("created_at")[:1]
            ),
            refusals=Coalesce(
                Subquery(attempts.order_by().values("event").annotate(n=Count("id")).values("n")),
                0,
            ),
            registered=Exists(registered),
            annul_reason=Subquery(
                annulled.order_by("-annulled_at", "-id").values("annul_reason")[:1]
            ),
        )
        .order_by("created_at", "id")
    )


def open_dispute_count(viewer: User) -> int:
    """How many disputes wait for `viewer` (the navigation's count)."""
    return AttendanceDispute.objects.filter(status=Open, event__in=managed_events(viewer)).count()


def reason_label(code: str) -> str:
    """A refusal code as the organiser reads it (the code itself when unknown)."""
    try:
        return str(CheckInAttempt.Reason(code).label)
    except ValueError:
        return code


@dataclass(frozen=True)
class DisputeState:
    """What a student's event page shows about disputing: their latest dispute (any state)
    and why they may not file one now ("" when they may)."""

    latest: AttendanceDispute | None
    refusal: str

    @property
    def can_file(self) -> bool:
        return not self.refusal


def _dispute_flags(event: Event, profile: StudentProfile) -> dict[str, bool]:
    """Everything the dispute rules ask about the student at the event, in one query."""
    mine = {"event": event, "student": profile}
    return (
        StudentProfile.objects.filter(pk=profile.pk)
        .annotate(
            checked_in=Exists(CheckIn.objects.standing().filter(**mine)),
            annulled=Exists(CheckIn.objects.annulled().filter(**mine)),
            refused=Exists(CheckInAttempt.objects.filter(**mine)),
            registered=Exists(
                Registration.objects.filter(**mine, status=Registration.Status.REGISTERED)
            ),
            disputing=Exists(AttendanceDispute.objects.filter(**mine, status=Open)),
            disputed=Exists(AttendanceDispute.objects.filter(**mine)),
        )
        .values("checked_in", "annulled", "refused", "registered", "disputing", "disputed")
        .get()
    )


def _timing_refusal(event: Event, now: datetime) -> tuple[str, str] | None:
    if event.status == Event.Status.CANCELLED:
        return "cancelled", _("This event was cancelled.")
    if event.status == Event.Status.DRAFT:
        return "not_published", _("This event is not open for check-in.")
    if now < event.opens_at:
        return "too_early", _("You can say you were there once check-in has opened.")
    if now > event.ends_at + DISPUTE_WINDOW:
        return "too_late", _(
            "Attendance can be disputed for two weeks after the event; ask the organiser."
        )
    return None


def _refusal(event: Event, flags: dict[str, bool], now: datetime) -> tuple[str, str] | None:
    if flags["checked_in"]:
        return "already_checked_in", _("You are checked in to this event.")
    if flags["disputing"]:
        return "already_disputed", _("The organiser has your dispute and will answer it.")
    # A registered student who has not checked in yet can still do so while check-in is
    # open; refused or annulled, they may say so at once.
    check_in_over = now >= event.closes_at or event.status == Event.Status.COMPLETED
    if not (flags["annulled"] or flags["refused"] or (flags["registered"] and check_in_over)):
        return "not_eligible", _(
            "Only students whose check-in was refused or annulled, or who registered and "
            "were not checked in, can dispute their attendance. Ask the organiser."
        )
    return None


def dispute_refusal(
    event: Event, profile: StudentProfile, *, now: datetime | None = None
) -> tuple[str, str] | None:
    """Why `profile` may not dispute their attendance at `event` now, as (code, message), or
    None when they may: the event took place (check-in opened, not cancelled) at most
    DISPUTE_WINDOW ago, they are not checked in and have no open dispute, and their check-in
    was refused or annulled, or they registered and check-in is over. One query (none when
    the timing alone refuses)."""
    now = now or timezone.now()
    return _timing_refusal(event, now) or _refusal(event, _dispute_flags(event, profile), now)


def dispute_state(event: Event, profile: StudentProfile) -> DisputeState:
    """The student's latest dispute about `event` and whether they may file one now: no
    query before check-in opens, one while nothing was disputed, two after."""
    now = timezone.now()
    timing = _timing_refusal(event, now)
    if timing is not None and timing[0] != "too_late":
        return DisputeState(latest=None, refusal=timing[0])
    flags = _dispute_flags(event, profile)
    latest = None
    if flags["disputed"]:
        latest = (
            AttendanceDispute.objects.filter(event=event, student=profile)
            .order_by("-created_at", "-id")
            .first()
        )
    refusal = timing or _refusal(event, flags, now)
    return DisputeState(latest=latest, refusal=refusal[0] if refusal else "")
