"""Events and check-in.

Rotating codes: the check-in screen shows a 6-character code (and a QR link carrying it) derived
from HMAC-SHA256(event secret, "<event id>:<time step>") with 30-second steps; the current and
the previous step are accepted. A QR scan made while the code is valid is exchanged for a scan
token that names the signed-in student, lives two minutes and is used once: a link posted in a
group chat checks nobody else in. Wrong typed codes are limited per student and per event.

Check-in locks the student's profile, then the event (for the capacity count), writes the
CheckIn and credits the attendance points in the same transaction. The attendance upload is
`services.attendance_upload`; annulling, excusing and disputes are `services.attendance`."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal import ratelimit
from portal.domain import passes
from portal.exceptions import LedgerError, PortalError
from portal.models import (
    CheckIn,
    CheckInAttempt,
    Event,
    Registration,
    StudentProfile,
    Transaction,
    User,
)
from portal.permissions import (
    can_check_in,
    can_manage_event,
    can_organise_events,
    is_admin,
    is_officer_of,
    is_staff,
    refuse_alumni,
    require,
)

from . import certificates, halls, webhooks
from .audit import record_audit, save_audited
from .ledger import RowFirst, lock_own_profile, lock_profile, post
from .passes import pass_holder
from .registrations import promote_waitlisted, registered_count
from .reminders import MOVE_FIELDS, tell_cancelled, tell_moved
from .rows import insert_once, insert_while_unchanged_sql

STEP_SECONDS = 30
CODE_LENGTH = 6
# No 0/O, 1/I/L: codes are read off a projector and typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
# A scan token lives long enough to load the landing page and post it, not to be passed on.
SCAN_TOKEN_MAX_AGE = 120
# Wrong typed codes: per student (any event), and per event (many accounts guessing together).
# 31**6 codes with two valid at a time make guessing hopeless well inside these.
WRONG_CODES_PER_STUDENT = "10/10m"
WRONG_CODES_PER_EVENT = "300/m"

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
    for _position in range(CODE_LENGTH):
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


def mint_scan_token(event: Event, user: User) -> str:
    """A token for one check-in of `user` to `event`, made when they scanned a valid code."""
    payload = {"e": event.pk, "u": user.pk, "n": secrets.token_urlsafe(12)}
    return signing.dumps(payload, salt="portal.checkin.scan")


def _use_scan_token(event: Event, token: str, user: User) -> None:
    """Accept a scan token once, for the student it was made for, within its lifetime.
    Raises EventError: scan_expired (forged, expired, another student's or event's), or
    scan_used (already used once)."""
    try:
        data = signing.loads(token, salt="portal.checkin.scan", max_age=SCAN_TOKEN_MAX_AGE)
    except signing.BadSignature:
        data = {}
    if data.get("e") != event.pk or data.get("u") != user.pk or not data.get("n"):
        raise EventError(
            "scan_expired",
            _("This scan has expired: scan the code on the screen again, or type it."),
            field="code",
        )
    # The nonce is spent in the shared cache for as long as the token could be valid.
    if not cache.add(f"portal:scan:{data['n']}", 1, timeout=SCAN_TOKEN_MAX_AGE + 5):
        raise EventError(
            "scan_used",
            _("This scan was already used: scan the code on the screen again, or type it."),
            field="code",
        )


def _minutes(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}


def _bad_code() -> EventError:
    return EventError(
        "bad_code",
        _("That code is wrong or has expired; type the code now on the screen."),
        field="code",
    )


def _check_code(event: Event, student: User, code: str) -> None:
    """A typed code, within the wrong-code limits (per student account and per event).
    Raises EventError: rate_limited, bad_code.

    A wrong code is counted before it is answered, and answered from the count it made: the
    cache's increment is atomic, so a student's wrong codes sent at once are each counted, and
    only the first ten are told "wrong" (checking the limit, then counting, would let every
    request in flight past a check made before any had counted). The event's limit counts only
    the wrong codes the student's own limit let through, so one student cannot use up an
    event's limit for everyone. A right code only looks at both limits: while either is full,
    it is refused like a wrong one, so a full limit says nothing about the code."""
    if code_is_valid(event, code):
        usage = ratelimit.first_full(
            ("checkin-code:user", str(student.pk), WRONG_CODES_PER_STUDENT),
            ("checkin-code:event", str(event.pk), WRONG_CODES_PER_EVENT),
        )
    else:
        usage = ratelimit.consume("checkin-code:user", str(student.pk), WRONG_CODES_PER_STUDENT)
        if not usage.limited:
            usage = ratelimit.consume("checkin-code:event", str(event.pk), WRONG_CODES_PER_EVENT)
        if not usage.limited:
            raise _bad_code()
    if usage.limited:
        raise EventError(
            "rate_limited",
            _(
                "Too many wrong codes. Try again in %(wait)s, or scan the QR code on the "
                "screen instead."
            )
            % {"wait": _minutes(usage.seconds_left)},
            field="code",
        )


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
    "club",
    "requires_registration",
    "registration_closes_at",
)


def _check_club(actor: User, event: Event) -> None:
    """A club officer organises for their own clubs only: a club is required of anyone who
    is not faculty, and only admins attach an event to a club they do not run."""
    if event.club_id is None:
        if not is_staff(actor):
            raise EventError("club_required", _("Choose the club this event is for."), field="club")
    elif not (is_admin(actor) or is_officer_of(actor, event.club_id)):
        raise EventError(
            "not_your_club", _("You can only organise events for clubs you run."), field="club"
        )


def _check_registration_change(current: Event, event: Event) -> None:
    """Registrations already made stay valid: the capacity cannot drop below the students
    registered, and registration cannot be switched off while anyone is registered."""
    taken = Registration.objects.filter(event=current).exists()
    if current.requires_registration and not event.requires_registration and taken:
        raise EventError(
            "has_registrations",
            _("Students have registered: registration cannot be switched off."),
            field="requires_registration",
        )
    if event.requires_registration and event.capacity is not None:
        registered = registered_count(current)
        if event.capacity < registered:
            raise EventError(
                "capacity_below_registered",
                _("%(n)s students are registered: the capacity cannot be lower.")
                % {"n": registered},
                field="capacity",
            )


@transaction.atomic
def save_event(*, actor: User, event: Event) -> Event:
    """Create (the actor organises it) or update an event from the validated form. Audited.
    A larger capacity promotes students from the waitlist at once. Raises EventError:
    forbidden, club_required, not_your_club, has_registrations, capacity_below_registered,
    capacity_above_hall (the event's booked hall holds fewer), event_outside_booking (its new
    time leaves its approved or requested hall booking).
    Moving a published event (its start, end or place) tells its registered and waitlisted
    students and everyone who asked for a reminder (reminders.tell_moved)."""
    before: dict[str, object] | None = None
    require(
        can_organise_events(actor),
        EventError,
        _("Only faculty, admins and club officers organise events."),
    )
    if event.pk:
        halls.lock_hall_of_event(event.pk)  # the lock order: hall, then event, then booking
        current = Event.objects.select_for_update().get(pk=event.pk)
        if not can_manage_event(actor, current):
            raise EventError("forbidden", _("You can only edit your own events."))
        if event.club_id != current.club_id:
            _check_club(actor, event)
        _check_registration_change(current, event)
        try:
            halls.check_event_change(current, event)
        except halls.HallError as exc:
            raise EventError(exc.code, exc.message, field=exc.field) from exc
        if current.status == Event.Status.PUBLISHED:
            before = {name: getattr(current, name) for name in MOVE_FIELDS}
    else:
        event.organiser = actor
        _check_club(actor, event)
    saved = save_audited(actor=actor, instance=event, fields=EVENT_FIELDS, name="event")
    if saved.requires_registration:
        promote_waitlisted(saved.pk)
    if before is not None:
        tell_moved(saved, before=before)
    return saved


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
    if not can_manage_event(actor, event):
        raise EventError("forbidden", _("You can only manage your own events."))
    if event.status not in TRANSITIONS.get(status, ()):
        raise EventError(
            "bad_transition",
            _("A %(current)s event cannot become %(status)s.")
            % {"current": event.get_status_display().lower(), "status": status},
        )
    before = event.status
    event.status = status
    event.save(update_fields=["status"])
    if status == Status.CANCELLED:
        tell_cancelled(event)
        halls.release_event_bookings(actor=actor, event=event)
    record_audit(
        actor=actor,
        action=f"event.{status}",
        target=event,
        before={"status": before},
        after={"status": status},
    )
    return event


# --- check-in -----------------------------------------------------------------------------------


def checkin_key(event_id: int, student_id: int, annulled_before: int) -> str:
    """The attendance entry's idempotency key. The first check-in's is
    `checkin:<event>:<student>`; one made after `n` annulled check-ins of the same student
    (by the organiser, or an accepted dispute) is `...:<n>`: each credit has its own key, and
    every annulled one was reversed, so the student holds the points at most once."""
    base = f"checkin:{event_id}:{student_id}"
    return base if annulled_before == 0 else f"{base}:{annulled_before}"


def annulled_before(event: Event, profile: StudentProfile) -> int:
    """How many of the student's check-ins to the event were annulled (caller holds the
    profile lock, which annulling takes too, so the number cannot move meanwhile)."""
    return CheckIn.objects.filter(event=event, student=profile).annulled().count()


def credit_checkin(
    event: Event, profile: StudentProfile, *, method: str, by: User | None, annulled: int
) -> CheckIn:
    """Caller holds the profile and event locks and has checked everything; `annulled` is
    `annulled_before(event, profile)`."""
    checkin = CheckIn(event=event, student=profile, method=method, checked_in_by=by)
    # The partial unique constraint on standing check-ins: once per student (annulled ones
    # stay beside the new one).
    if not insert_once(checkin):
        raise EventError(
            "already_checked_in", _("Already checked in: the points were credited once.")
        )
    _credit(checkin, annulled=annulled)
    return checkin


def _credit(checkin: CheckIn, *, annulled: int, first: RowFirst | None = None) -> bool:
    """Post the attendance points of a check-in just written, then announce it. With `first`
    (the check-in row itself, not written yet), both rows are written in one statement: False
    when the check-in row was not, and then nothing was."""
    event, profile, by = checkin.event, checkin.student, checkin.checked_in_by
    entry = Transaction(
        student=profile,
        checkin=checkin,
        amount=event.attendance_points,
        kind=Transaction.Kind.ATTENDANCE,
        actor=by,
        category=event.category,
        reason=f"Attended: {event.title}",
        idempotency_key=checkin_key(event.pk, profile.pk, annulled),
        counts_for_lifetime=True,
    )
    if not post(profile, entry, first=first):
        return False
    webhooks.announce_checkin(checkin, entry)
    if event.offers_certificate:
        certificates.issue_for_checkin(checkin, by=by)
    return True


def _checked_in_on_copy(event: Event, profile: StudentProfile, method: str) -> CheckIn | None:
    """The student's own check-in and its points, written in one statement on the event as
    read before the profile lock, if its rules hold on that copy and the event's row still
    equals it (nothing changed while the check-in waited for the lock). None otherwise, with
    nothing written: the caller reads the event again under the lock and says why. Not for an
    event with a capacity or registration, whose places are counted under the event's own
    lock, nor for one with a certificate, which copies its category's name (a row the
    statement does not compare). Raises LedgerError key_conflict as `_credit` does."""
    if event.capacity is not None or event.requires_registration or event.offers_certificate:
        return None
    try:
        _check_can_attend(event, profile, self_service=True)  # no query: window and status
    except EventError:
        return None
    checkin = CheckIn(event=event, student=profile, method=method)
    # The check-in row is written only while the event is unchanged, and the entry only if
    # the check-in row was: one round trip under the lock for both (`ledger.post`).
    first = RowFirst(checkin, "checkin", *insert_while_unchanged_sql(checkin, event))
    return checkin if _credit(checkin, annulled=0, first=first) else None


def lock_event(event_id: int) -> Event:
    event = Event.objects.select_for_update(of=("self",)).select_related("category")
    event = event.filter(pk=event_id).first()
    if event is None:
        raise EventError("not_found", _("This event does not exist."))
    return event


def event_for_checkin(event_id: int) -> Event:
    """The event, locked only when it has a capacity: the lock serialises the count of places
    taken. Without one, check-ins to a popular event do not queue behind each other; the
    (event, student) unique constraint and the profile lock still allow one per student.
    Read after the profile lock, so a change made while the check-in waited for it (a
    cancellation, a capacity set, the window closed early) counts."""
    event = _read_event(event_id)
    return event if event.capacity is None else lock_event(event_id)


def _read_event(event_id: int, read: Event | None = None) -> Event:
    """The event with its category, unlocked (`read` when the caller has it already)."""
    if read is not None and read.pk == event_id:
        return read
    event = Event.objects.select_related("category").filter(pk=event_id).first()
    if event is None:
        raise EventError("not_found", _("This event does not exist."))
    return event


def _check_can_attend(
    event: Event, profile: StudentProfile, *, self_service: bool, at_door: bool = False
) -> None:
    """The rules of a check-in. Self-service (the student's code or scan, and their pass scanned
    at the door: `at_door`, worded for the organiser) keeps to the check-in window and, at an
    event that requires registration, to registered students; the organiser's own check-in by
    name or upload may let anyone in while there is room."""
    if event.status == Status.CANCELLED:
        raise EventError("cancelled", _("This event was cancelled."))
    if event.status == Status.DRAFT:
        raise EventError("not_published", _("This event is not open for check-in."))
    now = timezone.now()
    if self_service:
        if now < event.opens_at:
            opens = timezone.localtime(event.opens_at)
            raise EventError(
                "not_open_yet",
                _("Check-in opens at %(time)s on %(date)s.")
                % {"time": date_format(opens, "H:i"), "date": date_format(opens, "d M")},
            )
        if now >= event.closes_at or event.status == Status.COMPLETED:
            raise EventError("closed", _("Check-in for this event has closed."))
    if event.requires_registration:
        status = (
            Registration.objects.filter(event=event, student=profile)
            .values_list("status", flat=True)
            .first()
        )
        if status == Registration.Status.REGISTERED:
            return  # their place was kept for them
        if at_door and status == Registration.Status.WAITLISTED:
            raise EventError(
                "waitlisted",
                _(
                    "%(name)s is on the waitlist: only registered students are checked in by "
                    "pass. Check them in from the attendance page if there is room."
                )
                % {"name": profile.user.name},
            )
        if at_door:
            raise EventError(
                "not_registered",
                _(
                    "%(name)s is not registered for this event, which requires registration. "
                    "Check them in from the attendance page if there is room."
                )
                % {"name": profile.user.name},
            )
        if self_service and status == Registration.Status.WAITLISTED:
            raise EventError(
                "waitlisted",
                _(
                    "You are on the waitlist: only registered students can check in. The "
                    "organiser can let you in if there is room."
                ),
            )
        if self_service:
            raise EventError(
                "not_registered",
                _(
                    "This event requires registration and you are not registered. The "
                    "organiser can let you in if there is room."
                ),
            )
    # Checked in already? The insert's unique constraint answers that (`_credit`), for free.
    places = walk_in_places(event)
    if places is not None and places <= 0:
        raise EventError("full", _("This event is full."))


def walk_in_places(event: Event) -> int | None:
    """Places left for students without a registration (None: no limit). The caller holds
    the event's lock. At an event that requires registration every registered student keeps
    their place, so walk-ins share what registrations and earlier walk-ins left."""
    if event.capacity is None:
        return None
    checkins = CheckIn.objects.filter(event=event).standing()
    if not event.requires_registration:
        return event.capacity - checkins.count()
    registered = Registration.objects.filter(
        event=event, student=OuterRef("student"), status=Registration.Status.REGISTERED
    )
    walk_ins = checkins.filter(~Exists(registered)).count()
    return event.capacity - registered_count(event) - walk_ins


def check_in(
    *,
    actor: User,
    event_id: int,
    code: str = "",
    scan_token: str = "",
    student_id: int | None = None,
    pass_code: str = "",
    event: Event | None = None,
) -> CheckIn:
    """Check a student into an event and credit the attendance points, once.

    A student checks themselves in with the shown code (method "code") or the token of a QR
    scan they made (method "qr"). The organiser or an admin checks someone in by `student_id`
    ("manual", `admit`), or by scanning the student's door pass (`pass_code`, method "pass":
    the student's own rules, window and registration included). Locks the profile, then the
    event if it has a capacity. A student's refused attempt is recorded with its code for the
    organiser. Raises EventError: not_a_student, forbidden, not_found, bad_code, rate_limited,
    scan_expired, scan_used, pass_expired, cancelled, not_published, not_open_yet, closed,
    waitlisted, not_registered, own_checkin, already_checked_in, annulled (the organiser
    annulled their check-in: only the organiser checks them in again), full; PassError:
    not_a_pass, pass_expired.

    `event`: the event as the caller (the check-in view) read it, with its category, perhaps
    seconds ago (`access_event_for_checkin`), to check the code against before the profile
    lock. The rules are checked on it after the lock, and the check-in written on it, only
    while the event's row still equals it; otherwise on the event read again under the lock.
    """
    if pass_code:
        return _check_in_by_pass(actor=actor, event_id=event_id, pass_code=pass_code)
    try:
        return _check_in(
            actor=actor,
            event_id=event_id,
            code=code,
            scan_token=scan_token,
            student_id=student_id,
            read=event,
        )
    except EventError as exc:
        if student_id is None and exc.code not in ("not_a_student", "not_found"):
            method = Method.QR if scan_token else Method.CODE
            profile_id = (
                StudentProfile.objects.filter(user=actor).values_list("pk", flat=True).first()
            )
            _record_attempt(
                student_id=profile_id, event_id=event_id, reason=exc.code, method=method
            )
        raise


def _check_in_by_pass(*, actor: User, event_id: int, pass_code: str) -> CheckIn:
    """Only someone who runs the event's check-in learns whose pass it is. A refusal after the
    pass was recognised is recorded against its holder, as their own attempts are."""
    event = Event.objects.filter(pk=event_id).only("pk", "organiser_id", "club_id").first()
    if event is None:
        raise EventError("not_found", _("This event does not exist."))
    if not can_manage_event(actor, event):
        raise EventError("forbidden", _("Only the organiser can scan passes."))
    holder = pass_holder(pass_code)
    try:
        return _check_in(
            actor=actor,
            event_id=event_id,
            code="",
            scan_token="",
            student_id=holder.pk,
            pass_code=pass_code,
        )
    except EventError as exc:
        if exc.code not in ("forbidden", "not_found"):
            _record_attempt(
                student_id=holder.pk, event_id=event_id, reason=exc.code, method=Method.PASS
            )
        raise


def _record_attempt(*, student_id: int | None, event_id: int, reason: str, method: str) -> None:
    if student_id is not None:
        CheckInAttempt.objects.create(
            event_id=event_id, student_id=student_id, reason=reason, method=method
        )


def record_expired_scan(*, actor: User, event_id: int) -> None:
    """A signed-in student scanned a QR code that had expired (a photo of the screen, a slow
    phone): no check-in was tried, but the organiser sees the refusal like any other, and the
    student may dispute it."""
    if can_check_in(actor):
        profile_id = StudentProfile.objects.filter(user=actor).values_list("pk", flat=True).first()
        _record_attempt(
            student_id=profile_id,
            event_id=event_id,
            reason=CheckInAttempt.Reason.QR_EXPIRED,
            method=Method.QR,
        )


@transaction.atomic
def _check_in(
    *,
    actor: User,
    event_id: int,
    code: str,
    scan_token: str,
    student_id: int | None,
    pass_code: str = "",
    read: Event | None = None,
) -> CheckIn:
    if student_id is not None:
        profile = lock_profile(student_id)
        event = event_for_checkin(event_id)
        if pass_code:
            return _admit_by_pass(actor=actor, event=event, profile=profile, pass_code=pass_code)
        return admit(actor=actor, event=event, profile=profile, method=Method.MANUAL)
    refuse_alumni(actor, EventError)
    if not can_check_in(actor):
        raise EventError("not_a_student", _("Only students check in to events."))
    # The code (or scan) is checked before the profile is locked, on the event as the view
    # read it: it asks only the shared cache and the event's secret, so the lock is not held
    # across those round trips. After the lock the rules are checked on that copy too, and the
    # check-in written only while the event's row still equals it (`_checked_in_on_copy`);
    # otherwise on the event read again.
    code_event = _read_event(event_id, read)
    if scan_token:
        method = Method.QR
        _use_scan_token(code_event, scan_token, actor)
    else:
        method = Method.CODE
        _check_code(code_event, actor, code)
    profile = lock_own_profile(actor)
    if profile is None:
        raise EventError("not_a_student", _("Only students check in to events."))
    try:
        checkin = _checked_in_on_copy(code_event, profile, method)
        if checkin is not None:
            return checkin
        event = event_for_checkin(event_id)
        if method == Method.CODE and event.secret != code_event.secret:
            # The code was checked on the copy. No service changes an event's secret, but a
            # copy without the secret the codes come from now proves nothing about the code.
            raise _bad_code()
        _check_can_attend(event, profile, self_service=True)
        return credit_checkin(event, profile, method=method, by=None, annulled=0)
    except LedgerError as exc:
        # A student checking themself in posts under the key of their first check-in to the
        # event (`checkin_key` with nothing annulled). The ledger holds that key already only
        # when that check-in was annulled (a standing one refuses the check-in row itself):
        # otherwise whoever passed them a code could check them in again at once. Asked of
        # the ledger's unique key, not counted beforehand: no query under the lock for it.
        if exc.code != "key_conflict":
            raise
        raise EventError(
            "annulled",
            _(
                "The organiser annulled your check-in to this event, so you cannot check "
                "yourself in again. If you were there, say so with “I was there” on the "
                "event's page."
            ),
        ) from None


def _admit_by_pass(
    *, actor: User, event: Event, profile: StudentProfile, pass_code: str
) -> CheckIn:
    """The student's door pass, scanned by the organiser: the student's own rules (window,
    registration) apply, worded for the organiser. The caller holds the profile lock."""
    if not can_manage_event(actor, event):
        raise EventError("forbidden", _("Only the organiser can check students in."))
    if profile.user_id == actor.pk:  # a student officer never credits themself
        raise EventError("own_checkin", _("Check yourself in with the code, like everyone else."))
    # Read again under the profile's lock: a pass reset meanwhile voids the code.
    code_read = passes.parse(pass_code)
    if code_read is None or not passes.is_valid(
        profile.pass_secret, code_read, timezone.now().timestamp()
    ):
        raise EventError(
            "pass_expired",
            _("This pass has expired: ask the student to open their pass page again."),
            field="code",
        )
    _check_can_attend(event, profile, self_service=True, at_door=True)
    checkin = credit_checkin(
        event, profile, method=Method.PASS, by=actor, annulled=annulled_before(event, profile)
    )
    record_audit(
        actor=actor,
        action=f"checkin.{Method.PASS}",
        target=checkin,
        after={"student": profile.enrollment_number},
    )
    return checkin


def admit(*, actor: User, event: Event, profile: StudentProfile, method: str) -> CheckIn:
    """Check a student in on the organiser's word: by hand ("manual") or by accepting their
    dispute ("dispute"). Also after an annulment, which only the organiser can undo this way.

    The caller holds the profile lock, then the event's (`event_for_checkin`). Audited.
    Raises EventError: forbidden, own_checkin, cancelled, not_published, already_checked_in,
    full."""
    if not can_manage_event(actor, event):
        raise EventError("forbidden", _("Only the organiser can check students in."))
    if profile.user_id == actor.pk:  # a student officer never credits themself
        raise EventError("own_checkin", _("Check yourself in with the code, like everyone else."))
    _check_can_attend(event, profile, self_service=False)
    checkin = credit_checkin(
        event, profile, method=method, by=actor, annulled=annulled_before(event, profile)
    )
    record_audit(
        actor=actor,
        action=f"checkin.{method}",
        target=checkin,
        after={"student": profile.enrollment_number},
    )
    return checkin
