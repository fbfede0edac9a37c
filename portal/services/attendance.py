"""Correcting attendance after the fact: an organiser annuls a check-in or excuses a registered
student; a student refused at the door says "I was there" and the organiser accepts (the
student is checked in through the normal credit path) or rejects.

Who may: whoever manages the event (`can_manage_event`: its organiser while faculty, admins,
officers of its club). Lock order, as everywhere: the student's profile, then the event (when
a check-in needs its capacity), then the row itself. Every writer of a student's check-ins
and disputes holds that profile lock, so two organisers acting on one student queue, and the
second finds the work done."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.exceptions import LedgerError, PortalError
from portal.models import (
    AttendanceDispute,
    CheckIn,
    Draw,
    DrawEntry,
    Event,
    Notification,
    Registration,
    StudentProfile,
    Transaction,
    User,
)
from portal.permissions import can_check_in, can_manage_event, require
from portal.selectors.attendance import dispute_refusal

from .audit import record_audit
from .certificates import in_language_of_site, revoke_produced_by
from .events import admit, event_for_checkin
from .ledger import lock_own_profile, lock_profile, post_reversal
from .notifications import in_language_of, notify
from .rows import insert_once

MAX_REASON = 200
MAX_NOTE = 300

Dispute = AttendanceDispute.Status


class AttendanceError(PortalError):
    pass


def _text(value: str, *, most: int, code: str, missing: str, field: str) -> str:
    """Required, at most `most` characters (the form counts them too; refused, never cut)."""
    value = " ".join((value or "").split())
    if not value:
        raise AttendanceError(code, missing, field=field)
    if len(value) > most:
        raise AttendanceError(
            "too_long",
            ngettext("At most %(most)s character.", "At most %(most)s characters.", most)
            % {"most": most},
            field=field,
        )
    return value


# --- annulling a check-in ------------------------------------------------------------------------


@dataclass
class Annulment:
    checkin: CheckIn
    reversal: Transaction | None
    withdrawn_from: list[Draw] = field(default_factory=list)


@transaction.atomic
def annul_checkin(*, actor: User, checkin_id: int, reason: str) -> Annulment:
    """Annul a check-in: it stays, marked annulled with the reason; its attendance points are
    taken back by a reversal entry (key `annul:<check-in>`, linked to the entry, so at most
    once); the student's entries to the event's draws that are still open are withdrawn
    (every draw tied to an event is for its attendees, and the entrant list is frozen only
    when the draw is performed: a performed draw keeps its entrants); the student is told.

    Locks the profile (a suspended student's too), then the check-in. Two organisers at once:
    the second waits, then finds it annulled. Raises AttendanceError: reason_required,
    too_long, not_found, forbidden, already_annulled, insufficient_balance (the student spent
    the points: nothing is annulled)."""
    reason = _text(
        reason,
        most=MAX_REASON,
        code="reason_required",
        missing=_("Say why, so the student understands."),
        field="reason",
    )
    found = CheckIn.objects.filter(pk=checkin_id).values("student_id", "event_id").first()
    if found is None:
        raise AttendanceError("not_found", _("This check-in does not exist."))
    profile = lock_profile(found["student_id"], active_only=False)
    checkin = (
        CheckIn.objects.select_for_update(of=("self",)).select_related("event").get(pk=checkin_id)
    )
    event = checkin.event
    require(
        can_manage_event(actor, event),
        AttendanceError,
        _("Only the event's organisers can annul its check-ins."),
    )
    if checkin.is_annulled:
        raise AttendanceError(
            "already_annulled",
            _("This check-in was already annulled; its points were taken back once."),
        )
    entry = Transaction.objects.filter(checkin=checkin).first()
    # One check-in fewer: the next one counts towards the event badges again (badges already
    # earned stay, as they always do). Saved with the reversal's totals.
    profile.checkins_count = max(profile.checkins_count - 1, 0)
    reversal = None
    if entry is not None:
        try:
            reversal = post_reversal(
                profile,
                entry,
                actor=actor,
                reason=f"Check-in annulled: {event.title}: {reason}",
                idempotency_key=f"annul:{checkin.pk}",
            )
        except LedgerError as exc:
            if exc.code != "insufficient_balance":
                raise
            raise AttendanceError(
                "insufficient_balance",
                _(
                    "%(student)s has already spent these points (%(balance)s left, "
                    "%(points)s to take back), so the check-in cannot be annulled now."
                )
                % {
                    "student": profile.user.name,
                    "balance": profile.balance,
                    "points": entry.amount,
                },
            ) from exc
    else:
        profile.save(update_fields=["checkins_count"])
    checkin.annulled_at = timezone.now()
    checkin.annulled_by = actor
    checkin.annul_reason = reason
    checkin.save(update_fields=["annulled_at", "annulled_by", "annul_reason"])
    withdrawn = _withdraw_draw_entries(event, profile)
    with in_language_of_site():
        revoked_because = _("The check-in was annulled: %(reason)s") % {"reason": reason}
    revoke_produced_by(actor=actor, reason=revoked_because, checkin=checkin)
    _tell_annulled(profile, checkin, reversal, withdrawn)
    record_audit(
        actor=actor,
        action="checkin.annul",
        target=checkin,
        after={
            "student": profile.enrollment_number,
            "reason": reason,
            "points": -reversal.amount if reversal else 0,
            "draws_withdrawn": [d.pk for d in withdrawn],
        },
    )
    return Annulment(checkin=checkin, reversal=reversal, withdrawn_from=withdrawn)


def _withdraw_draw_entries(event: Event, profile: StudentProfile) -> list[Draw]:
    """The student's entries to the event's draws not yet performed, withdrawn under each
    draw's lock (after the profile's, as when claiming a prize), so a draw being performed
    either froze them already (then they stay) or never sees them."""
    draws = list(
        Draw.objects.select_for_update(of=("self",))
        .filter(event=event, status=Draw.Status.OPEN, entries__student=profile)
        .order_by("pk")
    )
    if draws:
        DrawEntry.objects.filter(draw__in=draws, student=profile).delete()
    return draws


def _tell_annulled(
    profile: StudentProfile, checkin: CheckIn, reversal: Transaction | None, draws: list[Draw]
) -> None:
    user = profile.user
    with in_language_of(user):
        points = -reversal.amount if reversal else 0
        message = ngettext(
            "Your check-in to “%(event)s” was annulled and %(points)s point taken back: %(reason)s",
            "Your check-in to “%(event)s” was annulled and %(points)s points taken back: "
            "%(reason)s",
            points,
        ) % {"event": checkin.event.title, "points": points, "reason": checkin.annul_reason}
        if draws:
            message += " " + ngettext(
                "Your entry to the draw “%(draws)s” was withdrawn.",
                "Your entries to the draws “%(draws)s” were withdrawn.",
                len(draws),
            ) % {"draws": "”, “".join(d.title for d in draws)}
        notify(
            user,
            kind=Notification.Kind.ATTENDANCE,
            message=message,
            link=reverse("portal:event-detail", args=[checkin.event_id]),
        )


# --- excusing a registered student ---------------------------------------------------------------


@transaction.atomic
def set_excused(*, actor: User, registration_id: int, excused: bool) -> Registration:
    """Excuse a registered student from the event (or take the excuse back): they count
    neither as attended nor as a no-show. Their place stays theirs. A student checked in has
    nothing to excuse. Audited. Raises AttendanceError: not_found, forbidden, not_registered,
    checked_in."""
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("event", "student__user")
        .filter(pk=registration_id)
        .first()
    )
    if registration is None:
        raise AttendanceError("not_found", _("This registration does not exist."))
    require(
        can_manage_event(actor, registration.event),
        AttendanceError,
        _("Only the event's organisers can excuse its students."),
    )
    if registration.status != Registration.Status.REGISTERED:
        raise AttendanceError(
            "not_registered", _("Only registered students can be excused; this one is waiting.")
        )
    if (registration.excused_at is not None) == excused:
        return registration  # a double click: already as asked
    if (
        excused
        and CheckIn.objects.standing()
        .filter(event_id=registration.event_id, student_id=registration.student_id)
        .exists()
    ):
        raise AttendanceError(
            "checked_in",
            _("%(name)s checked in: there is nothing to excuse.")
            % {"name": registration.student.user.name},
        )
    registration.excused_at = timezone.now() if excused else None
    registration.excused_by = actor if excused else None
    registration.save(update_fields=["excused_at", "excused_by"])
    record_audit(
        actor=actor,
        action="registration.excuse" if excused else "registration.unexcuse",
        target=registration,
        after={"student": registration.student.enrollment_number},
    )
    return registration


# --- disputes ------------------------------------------------------------------------------------


@transaction.atomic
def file_dispute(*, actor: User, event_id: int, note: str) -> AttendanceDispute:
    """A student says they were at the event although they are not checked in: refused at
    the door (a CheckInAttempt), registered, or annulled, within the dispute window
    (`selectors.attendance.dispute_refusal`). One open dispute per student and event: the
    partial unique constraint is the last line behind the check made under the profile lock.
    Raises AttendanceError: forbidden, not_found, note_required, too_long, cancelled,
    not_published, too_early, too_late, already_checked_in, already_disputed, not_eligible."""
    require(can_check_in(actor), AttendanceError, _("Only students dispute their attendance."))
    note = _text(
        note,
        most=MAX_NOTE,
        code="note_required",
        missing=_("Say briefly what happened: when you came, what the screen said."),
        field="note",
    )
    profile = lock_own_profile(actor)
    event = Event.objects.filter(pk=event_id).first()
    if profile is None or event is None:
        raise AttendanceError("not_found", _("This event does not exist."))
    refusal = dispute_refusal(event, profile)
    if refusal is not None:
        raise AttendanceError(*refusal)
    dispute = AttendanceDispute(event=event, student=profile, note=note)
    if not insert_once(dispute):
        raise AttendanceError(
            "already_disputed", _("The organiser has your dispute and will answer it.")
        )
    return dispute


@transaction.atomic
def decide_dispute(
    *, actor: User, dispute_id: int, accept: bool, reason: str = ""
) -> AttendanceDispute:
    """Accept a dispute (the student is checked in through `events.admit`, method "dispute":
    the normal credit, once; a student checked in meanwhile keeps that check-in and is not
    credited again) or reject it with a reason. The student is told either way. Audited.

    Locks the profile, then the event (for its capacity), then the dispute: a second decision
    (double click, two organisers) finds it decided. Raises AttendanceError: not_found,
    forbidden, already_decided, reason_required, too_long, inactive (accepting for a
    suspended student); and, accepting, EventError: own_checkin, cancelled, not_published,
    full."""
    found = AttendanceDispute.objects.filter(pk=dispute_id).values("student_id", "event_id").first()
    if found is None:
        raise AttendanceError("not_found", _("This dispute does not exist."))
    if not accept:
        reason = _text(
            reason,
            most=MAX_REASON,
            code="reason_required",
            missing=_("Say why, so the student understands."),
            field="reason",
        )
    profile = lock_profile(found["student_id"], active_only=False)
    event = event_for_checkin(found["event_id"]) if accept else None
    dispute = (
        AttendanceDispute.objects.select_for_update(of=("self",))
        .select_related("event", "decided_by")
        .get(pk=dispute_id)
    )
    require(
        can_manage_event(actor, dispute.event),
        AttendanceError,
        _("Only the event's organisers decide its disputes."),
    )
    if dispute.status != Dispute.OPEN:
        raise AttendanceError(
            "already_decided",
            _("%(who)s already decided this dispute: %(status)s.")
            % {
                "who": dispute.decided_by.name if dispute.decided_by else _("Someone"),
                "status": dispute.get_status_display().lower(),
            },
        )
    credited = False
    if event is not None:  # accepting
        if not profile.user.is_active:
            raise AttendanceError(
                "inactive",
                _("%(name)s's account is suspended: they cannot be checked in.")
                % {"name": profile.user.name},
            )
        standing = CheckIn.objects.standing().filter(event=event, student=profile).first()
        if standing is None:
            standing = admit(
                actor=actor, event=event, profile=profile, method=CheckIn.Method.DISPUTE
            )
            credited = True
        dispute.checkin = standing
        dispute.status = Dispute.ACCEPTED
    else:
        dispute.status = Dispute.REJECTED
        dispute.decision_note = reason
    dispute.decided_by, dispute.decided_at = actor, timezone.now()
    dispute.save(update_fields=["status", "decision_note", "decided_by", "decided_at", "checkin"])
    _tell_decided(profile, dispute, credited=credited)
    record_audit(
        actor=actor,
        action="dispute.accept" if accept else "dispute.reject",
        target=dispute,
        after={"student": profile.enrollment_number, "reason": dispute.decision_note},
    )
    return dispute


def _tell_decided(profile: StudentProfile, dispute: AttendanceDispute, *, credited: bool) -> None:
    user = profile.user
    event = dispute.event
    with in_language_of(user):
        if dispute.status == Dispute.ACCEPTED:
            if credited:
                message = ngettext(
                    "Your dispute was accepted: you are checked in to “%(event)s” and %(points)s "
                    "point was added.",
                    "Your dispute was accepted: you are checked in to “%(event)s” and %(points)s "
                    "points were added.",
                    event.attendance_points,
                ) % {"event": event.title, "points": event.attendance_points}
            else:
                message = _("Your dispute was accepted: you are checked in to “%(event)s”.") % {
                    "event": event.title
                }
        else:
            message = _("Your dispute about “%(event)s” was rejected: %(reason)s") % {
                "event": event.title,
                "reason": dispute.decision_note,
            }
        notify(
            user,
            kind=Notification.Kind.ATTENDANCE,
            message=message,
            link=reverse("portal:event-detail", args=[event.pk]),
        )
