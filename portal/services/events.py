"""Events and check-in.

Rotating codes: the check-in screen shows a 6-character code (and a QR link carrying it) derived
from HMAC-SHA256(event secret, "<event id>:<time step>") with 30-second steps; the current and
the previous step are accepted. A QR scan made while the code is valid is exchanged for a signed
token valid for 10 minutes, so a student who must sign in first is not beaten by the rotation.

Check-in locks the student's profile, then the event (for the capacity count), writes the
CheckIn and credits the attendance points in the same transaction."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from dataclasses import dataclass, field
from datetime import datetime

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.exceptions import BulkError, PortalError, RowError
from portal.models import CheckIn, Event, Role, StudentProfile, Transaction, User

from .audit import record_audit, save_audited
from .ledger import lock_profile, post_entry
from .reminders import tell_cancelled

STEP_SECONDS = 30
CODE_LENGTH = 6
# No 0/O, 1/I/L: codes are read off a projector and typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
SCAN_TOKEN_MAX_AGE = 600
MAX_CSV_BYTES = 1024 * 1024
MAX_CSV_ROWS = 5000

Status = Event.Status
Method = CheckIn.Method


class EventError(PortalError):
    pass


# --- codes --------------------------------------------------------------------------------------


def time_step(now: datetime | None = None) -> int:
    return int((now or timezone.now()).timestamp()) // STEP_SECONDS


def seconds_to_next_step(now: datetime | None = None) -> int:
    return STEP_SECONDS - int((now or timezone.now()).timestamp()) % STEP_SECONDS


def code_for(event: Event, step: int) -> str:
    digest = hmac.new(event.secret.encode(), f"{event.pk}:{step}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(CODE_LENGTH):
        number, index = divmod(number, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[index])
    return "".join(chars)


def current_code(event: Event, now: datetime | None = None) -> str:
    return code_for(event, time_step(now))


def code_is_valid(event: Event, code: str, now: datetime | None = None) -> bool:
    """The current or the previous step's code (typed in any case, spaces ignored)."""
    typed = "".join(code.split()).upper()
    step = time_step(now)
    return any(hmac.compare_digest(typed, code_for(event, s)) for s in (step, step - 1))


def mint_scan_token(event: Event) -> str:
    return signing.dumps({"e": event.pk}, salt="portal.checkin.scan")


def scan_token_is_valid(event: Event, token: str) -> bool:
    try:
        data = signing.loads(token, salt="portal.checkin.scan", max_age=SCAN_TOKEN_MAX_AGE)
    except signing.BadSignature:
        return False
    return data.get("e") == event.pk


# --- managing events ----------------------------------------------------------------------------

EVENT_FIELDS = (
    "title",
    "location",
    "starts_at",
    "ends_at",
    "category",
    "attendance_points",
    "capacity",
    "checkin_opens_at",
    "checkin_closes_at",
    "status",
)


def can_manage(actor: User, event: Event) -> bool:
    """Organisers manage their own events; admins every event."""
    return actor.is_active and (
        actor.role == Role.ADMIN or (actor.role == Role.FACULTY and event.organiser_id == actor.pk)
    )


@transaction.atomic
def save_event(*, actor: User, event: Event) -> Event:
    """Create (the actor organises it) or update an event from the validated form. Audited."""
    if actor.role not in (Role.FACULTY, Role.ADMIN):
        raise EventError("forbidden", "Only faculty and admins organise events.")
    if event.pk:
        current = Event.objects.get(pk=event.pk)
        if not can_manage(actor, current):
            raise EventError("forbidden", "You can only edit your own events.")
    else:
        event.organiser = actor
    return save_audited(actor=actor, instance=event, fields=EVENT_FIELDS, name="event")


TRANSITIONS = {
    Status.PUBLISHED: (Status.DRAFT,),
    Status.CANCELLED: (Status.DRAFT, Status.PUBLISHED),
    Status.COMPLETED: (Status.PUBLISHED,),
}


@transaction.atomic
def set_event_status(*, actor: User, event_id: int, status: str) -> Event:
    """Publish a draft, cancel, or complete a published event. Audited.
    Raises EventError: forbidden, bad_transition."""
    event = Event.objects.select_for_update().get(pk=event_id)
    if not can_manage(actor, event):
        raise EventError("forbidden", "You can only manage your own events.")
    if event.status not in TRANSITIONS.get(status, ()):
        raise EventError(
            "bad_transition",
            f"A {event.get_status_display().lower()} event cannot become {status}.",
        )
    before = event.status
    event.status = status
    event.save(update_fields=["status"])
    if status == Status.CANCELLED:
        tell_cancelled(event)
    record_audit(
        actor=actor,
        action=f"event.{status}",
        target=event,
        before={"status": before},
        after={"status": status},
    )
    return event


# --- check-in -----------------------------------------------------------------------------------


def _credit(event: Event, profile: StudentProfile, *, method: str, by: User | None) -> CheckIn:
    """Caller holds the profile and event locks and has checked everything."""
    try:
        with transaction.atomic():
            checkin = CheckIn.objects.create(
                event=event, student=profile, method=method, checked_in_by=by
            )
    except IntegrityError as exc:  # the unique constraint: the last line behind the lock
        raise EventError("already_checked_in", "You are already checked in to this event.") from exc
    post_entry(
        profile,
        checkin=checkin,
        amount=event.attendance_points,
        kind=Transaction.Kind.ATTENDANCE,
        actor=by,
        category=event.category,
        reason=f"Attended: {event.title}",
        idempotency_key=f"checkin:{event.pk}:{profile.pk}",
        counts_for_lifetime=True,
    )
    return checkin


def _lock_event(event_id: int) -> Event:
    event = Event.objects.select_for_update().filter(pk=event_id).first()
    if event is None:
        raise EventError("not_found", "This event does not exist.")
    return event


def _event_for_checkin(event_id: int) -> Event:
    """The event, locked only when it has a capacity: the lock serialises the count of places
    taken. Without one, check-ins to a popular event do not queue behind each other; the
    (event, student) unique constraint and the profile lock still allow one per student."""
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        raise EventError("not_found", "This event does not exist.")
    return event if event.capacity is None else _lock_event(event_id)


def _check_can_attend(event: Event, profile: StudentProfile, *, self_service: bool) -> None:
    if event.status == Status.CANCELLED:
        raise EventError("cancelled", "This event was cancelled.")
    if event.status == Status.DRAFT:
        raise EventError("not_published", "This event is not open for check-in.")
    now = timezone.now()
    if self_service:
        if now < event.opens_at:
            when = timezone.localtime(event.opens_at).strftime("%H:%M on %d %b")
            raise EventError("not_open_yet", f"Check-in opens at {when}.")
        if now >= event.closes_at or event.status == Status.COMPLETED:
            raise EventError("closed", "Check-in for this event has closed.")
    if CheckIn.objects.filter(event=event, student=profile).exists():
        raise EventError("already_checked_in", "Already checked in: the points were credited once.")
    if event.capacity is not None and CheckIn.objects.filter(event=event).count() >= event.capacity:
        raise EventError("full", "This event is full.")


@transaction.atomic
def check_in(
    *,
    actor: User,
    event_id: int,
    code: str = "",
    scan_token: str = "",
    student_id: int | None = None,
) -> CheckIn:
    """Check a student into an event and credit the attendance points, once.

    A student checks themselves in with the shown code (method "code") or a scanned QR link's
    token (method "qr"). The organiser or an admin checks someone in by `student_id` ("manual").
    Locks the profile, then the event if it has a capacity. Raises EventError: not_a_student,
    forbidden, not_found, bad_code, cancelled, not_published, not_open_yet, closed,
    already_checked_in, full.
    """
    if student_id is None:
        if actor.role != Role.STUDENT:
            raise EventError("not_a_student", "Only students check in to events.")
        profile = StudentProfile.objects.filter(user=actor).only("pk").first()
        if profile is None:
            raise EventError("not_a_student", "Only students check in to events.")
        profile = lock_profile(profile.pk)
        event = _event_for_checkin(event_id)
        if scan_token:
            method, valid = Method.QR, scan_token_is_valid(event, scan_token)
        else:
            method, valid = Method.CODE, code_is_valid(event, code)
        if not valid:
            raise EventError(
                "bad_code",
                "That code is wrong or has expired; type the code now on the screen.",
                field="code",
            )
        by = None
        self_service = True
    else:
        profile = lock_profile(student_id)
        event = _event_for_checkin(event_id)
        if not can_manage(actor, event):
            raise EventError("forbidden", "Only the organiser can check students in.")
        method, by, self_service = Method.MANUAL, actor, False
    _check_can_attend(event, profile, self_service=self_service)
    checkin = _credit(event, profile, method=method, by=by)
    if by is not None:
        record_audit(
            actor=actor,
            action="checkin.manual",
            target=checkin,
            after={"student": profile.enrollment_number},
        )
    return checkin


@dataclass
class ImportReport:
    checked_in: list[str] = field(default_factory=list)
    skipped: list[RowError] = field(default_factory=list)  # duplicates, already checked in


def parse_attendance_csv(data: bytes) -> tuple[list[tuple[int, str]], list[RowError]]:
    """Enrollment numbers from an uploaded CSV: the first column, a header row allowed."""
    if len(data) > MAX_CSV_BYTES:
        raise EventError("too_large", "The file is larger than 1 MB; split it.", field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EventError("not_csv", "This is not a CSV text file (UTF-8).", field="file") from exc
    if "\x00" in text:
        raise EventError("not_csv", "This is not a CSV text file.", field="file")
    rows: list[tuple[int, str]] = []
    errors: list[RowError] = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip():
            continue
        value = row[0].strip().upper()
        if number == 1 and value.replace(" ", "_") in {
            "ENROLLMENT_NUMBER",
            "ENROLLMENT",
            "STUDENT",
        }:
            continue
        if not value.isalnum() or len(value) > 32:
            errors.append(RowError(number, row[0][:40], "Not an enrollment number."))
            continue
        rows.append((number, value))
        if len(rows) > MAX_CSV_ROWS:
            raise EventError(
                "too_many_rows", f"At most {MAX_CSV_ROWS} rows per upload.", field="file"
            )
    if not rows and not errors:
        raise EventError("empty", "The file has no enrollment numbers.", field="file")
    return rows, errors


@transaction.atomic
def import_attendance(*, actor: User, event_id: int, data: bytes) -> ImportReport:
    """Check in every student listed in an uploaded CSV, all or nothing.

    Unknown or malformed enrollment numbers, or more students than places left, refuse the
    whole file (BulkError listing every bad line). Duplicates in the file and students already
    checked in are reported and skipped, never credited twice. Profiles are locked in key order."""
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        raise EventError("not_found", "This event does not exist.")
    if not can_manage(actor, event):
        raise EventError("forbidden", "Only the organiser can upload attendance.")
    rows, errors = parse_attendance_csv(data)
    numbers = {value for _line, value in rows}
    profiles = {
        p.enrollment_number.upper(): p
        for p in StudentProfile.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(enrollment_number__in=numbers, user__role=Role.STUDENT, user__is_active=True)
        .order_by("pk")
    }
    event = _lock_event(event_id)
    if event.status in (Status.CANCELLED, Status.DRAFT):
        raise EventError(
            "not_open", "Attendance can be uploaded for published or completed events only."
        )
    already = set(
        CheckIn.objects.filter(event=event, student__in=profiles.values()).values_list(
            "student_id", flat=True
        )
    )
    report = ImportReport()
    seen: dict[str, int] = {}
    to_credit: list[StudentProfile] = []
    for line, value in rows:
        profile = profiles.get(value)
        if profile is None:
            errors.append(RowError(line, value, "No active student has this enrollment number."))
        elif value in seen:
            report.skipped.append(
                RowError(line, value, f"Listed twice (first on line {seen[value]}); credited once.")
            )
        elif profile.pk in already:
            seen[value] = line
            report.skipped.append(RowError(line, value, "Already checked in; not credited again."))
        else:
            seen[value] = line
            to_credit.append(profile)
    if event.capacity is not None:
        places = event.capacity - CheckIn.objects.filter(event=event).count()
        if len(to_credit) > places:
            errors.append(
                RowError(
                    0, "", f"{len(to_credit)} new check-ins but only {max(places, 0)} places left."
                )
            )
    if errors:
        raise BulkError(sorted(errors, key=lambda e: e.line))
    for profile in to_credit:
        _credit(event, profile, method=Method.CSV, by=actor)
        report.checked_in.append(profile.enrollment_number)
    record_audit(
        actor=actor,
        action="checkin.csv",
        target=event,
        after={"checked_in": len(report.checked_in), "skipped": len(report.skipped)},
    )
    return report
