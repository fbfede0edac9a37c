"""Events and check-ins. A check-in credits attendance points in the same transaction, once:
the unique (event, student) constraint on standing check-ins and the ledger key
`checkin:<event>:<student>` are the last lines behind the service's checks. An organiser may
annul a check-in: the row stays (annulled, with the reason) and a reversal entry takes its
points back; a student checked in again later (by hand, or an accepted dispute) gets a new row."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .accounts import StudentProfile
from .choices import ChoiceLabels
from .clubs import Club
from .ledger import Category

CHECKIN_OPENS_BEFORE = timedelta(minutes=30)


def new_secret() -> str:
    return secrets.token_hex(32)


class Event(ChoiceLabels, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")
        COMPLETED = "completed", _("Completed")

    title = models.CharField(max_length=160, verbose_name=_("title"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    location = models.CharField(max_length=160, verbose_name=_("location"))
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("organiser"),
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="events",
        help_text=_("Attendance points are credited in this category."),
        verbose_name=_("category"),
    )
    attendance_points = models.PositiveIntegerField(default=10, verbose_name=_("attendance points"))
    capacity = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Empty means no limit."),
        verbose_name=_("capacity"),
    )
    checkin_opens_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Default: 30 minutes before the start."),
        verbose_name=_("check-in opens at"),
    )
    checkin_closes_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Default: the end."),
        verbose_name=_("check-in closes at"),
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.DRAFT, verbose_name=_("status")
    )
    club = models.ForeignKey(
        Club,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        help_text=_("Its officers can edit the event and run its check-in."),
        verbose_name=_("club"),
    )
    requires_registration = models.BooleanField(
        default=False,
        help_text=_(
            "Students register beforehand and only registered students can check themselves "
            "in; with a capacity, the rest join a waitlist."
        ),
        verbose_name=_("requires registration"),
    )
    registration_closes_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Default: the start."),
        verbose_name=_("registration closes at"),
    )
    offers_certificate = models.BooleanField(
        default=False,
        help_text=_("Each student who checks in gets a signed certificate of attendance."),
        verbose_name=_("offers a certificate"),
    )
    # Never shown to anyone: check-in codes are derived from it.
    secret = models.CharField(max_length=64, default=new_secret, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=1),
                name="event_capacity_positive",
            ),
            models.CheckConstraint(
                condition=Q(attendance_points__gte=1), name="event_points_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "starts_at"], name="event_status_start_idx"),
            models.Index(fields=["organiser", "-starts_at"], name="event_organiser_idx"),
            models.Index(fields=["club", "starts_at"], name="event_club_start_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def opens_at(self) -> datetime:
        return self.checkin_opens_at or self.starts_at - CHECKIN_OPENS_BEFORE

    @property
    def closes_at(self) -> datetime:
        return self.checkin_closes_at or self.ends_at

    @property
    def registration_deadline(self) -> datetime:
        return self.registration_closes_at or self.starts_at


class CheckInQuerySet(models.QuerySet["CheckIn"]):
    def standing(self) -> CheckInQuerySet:
        """Check-ins that count: not annulled. Every figure, capacity and draw reads these."""
        return self.filter(annulled_at__isnull=True)

    def annulled(self) -> CheckInQuerySet:
        return self.filter(annulled_at__isnull=False)


class CheckIn(ChoiceLabels, models.Model):
    class Method(models.TextChoices):
        CODE = "code", _("Typed code")
        QR = "qr", _("QR code")
        MANUAL = "manual", _("By the organiser")
        CSV = "csv", _("Attendance upload")
        PASS = "pass", _("Door pass")
        DISPUTE = "dispute", _("Accepted dispute")

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="checkins")
    student = models.ForeignKey(StudentProfile, on_delete=models.PROTECT, related_name="checkins")
    method = models.CharField(max_length=8, choices=Method.choices)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Annulled by the organiser: kept as history, its points reversed in the ledger.
    annulled_at = models.DateTimeField(null=True, blank=True)
    annulled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # db_default: rows written by raw inserts (generate_scale_data) get "" too.
    annul_reason = models.CharField(max_length=200, blank=True, default="", db_default="")

    objects = CheckInQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One standing check-in per student and event; annulled ones stay beside it.
            models.UniqueConstraint(
                fields=["event", "student"],
                condition=Q(annulled_at__isnull=True),
                name="one_checkin_per_student",
            ),
            models.CheckConstraint(
                condition=Q(annulled_at__isnull=True) | ~Q(annul_reason=""),
                name="checkin_annulled_with_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["event", "-created_at"], name="checkin_event_recent_idx"),
            # Who had a check-in annulled at an event (refused at the door, may dispute).
            models.Index(
                fields=["event", "student"],
                condition=Q(annulled_at__isnull=False),
                name="checkin_annulled_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student_id} at {self.event_id}"

    @property
    def is_annulled(self) -> bool:
        return self.annulled_at is not None


class Registration(ChoiceLabels, models.Model):
    """A student's place at an event that requires registration, or their place in its
    waitlist. The waitlist is served in (created_at, id) order: `services.registrations`
    creates and promotes rows under the event's row lock, so that order is the order in which
    students asked. Unregistering deletes the row."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        WAITLISTED = "waitlisted", _("Waitlisted")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    student = models.ForeignKey(
        StudentProfile, on_delete=models.CASCADE, related_name="registrations"
    )
    status = models.CharField(max_length=10, choices=Status.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    promoted_at = models.DateTimeField(null=True, blank=True)
    # A registered student the organiser excused from coming: neither attended nor a no-show.
    # The place stays theirs (the waitlist moves only when they unregister).
    excused_at = models.DateTimeField(null=True, blank=True)
    excused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["event", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "student"], name="one_registration_per_student"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["registered", "waitlisted"]),
                name="registration_status_known",
            ),
            models.CheckConstraint(
                condition=Q(excused_at__isnull=True) | Q(status="registered"),
                name="registration_excused_when_registered",
            ),
        ]
        indexes = [
            # Places taken, and the waitlist in order.
            models.Index(
                fields=["event", "status", "created_at", "id"], name="registration_queue_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.status} for {self.event_id}"


class EventReminder(models.Model):
    """A student asked to be reminded before an event starts. `send_event_reminders` (cron)
    notifies them once, in the hours before the start, and records when."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="reminders")
    student = models.ForeignKey(
        StudentProfile, on_delete=models.CASCADE, related_name="event_reminders"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "student"], name="one_reminder_per_student")
        ]
        indexes = [
            # The sender's scan: reminders not yet sent, by event.
            models.Index(
                fields=["event"], condition=Q(sent_at__isnull=True), name="reminder_unsent_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.student_id} for {self.event_id}"


class CheckInAttempt(ChoiceLabels, models.Model):
    """A student's check-in that was refused, with the service's error code as the reason
    (wrong code, expired scan, too many tries, full...). The organiser sees them on the
    attendance page, and a refused student may dispute ("I was there")."""

    class Reason(models.TextChoices):
        # The codes `services.events.check_in` refuses a student's own check-in with.
        BAD_CODE = "bad_code", _("Wrong or expired code")
        RATE_LIMITED = "rate_limited", _("Too many wrong codes")
        SCAN_EXPIRED = "scan_expired", _("QR scan expired")
        SCAN_USED = "scan_used", _("QR scan used twice")
        QR_EXPIRED = "qr_expired", _("Scanned an expired QR code")
        CANCELLED = "cancelled", _("Event cancelled")
        NOT_PUBLISHED = "not_published", _("Event not published")
        NOT_OPEN_YET = "not_open_yet", _("Check-in not open yet")
        CLOSED = "closed", _("Check-in closed")
        ALREADY_CHECKED_IN = "already_checked_in", _("Already checked in")
        ANNULLED = "annulled", _("Check-in annulled earlier")
        FULL = "full", _("Event full")
        WAITLISTED = "waitlisted", _("On the waitlist")
        NOT_REGISTERED = "not_registered", _("Not registered")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="checkin_attempts")
    student = models.ForeignKey(
        StudentProfile, on_delete=models.CASCADE, related_name="checkin_attempts"
    )
    # Not constrained to Reason: an unknown code is still stored and shown as it is.
    reason = models.CharField(max_length=32, choices=Reason.choices)
    method = models.CharField(max_length=8, choices=CheckIn.Method.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["event", "-created_at"], name="attempt_event_recent_idx")]

    def __str__(self) -> str:
        return f"{self.reason}: {self.student_id} at {self.event_id}"


class AttendanceDispute(ChoiceLabels, models.Model):
    """ "I was there": a student whose check-in was refused (or who registered and is not
    checked in, or whose check-in was annulled) asks the organiser to check them in. Accepted,
    the student is checked in through the normal credit path (method "dispute"); rejected, with
    a reason. One open dispute per student and event (constraint); decided ones are history."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="disputes")
    student = models.ForeignKey(StudentProfile, on_delete=models.CASCADE, related_name="disputes")
    note = models.CharField(max_length=300, verbose_name=_("what happened"))
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=200, blank=True)
    # The check-in an accepted dispute made (or found already there).
    checkin = models.OneToOneField(
        CheckIn, on_delete=models.PROTECT, null=True, blank=True, related_name="dispute"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "student"],
                condition=Q(status="open"),
                name="one_open_dispute_per_student",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "accepted", "rejected"]),
                name="dispute_status_known",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(decided_at__isnull=False),
                name="dispute_decided_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(decision_note=""),
                name="dispute_rejected_with_reason",
            ),
            models.CheckConstraint(condition=~Q(note=""), name="dispute_has_note"),
        ]
        indexes = [
            # The organisers' queue: open disputes, oldest first.
            models.Index(
                fields=["event", "created_at"],
                condition=Q(status="open"),
                name="dispute_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Dispute {self.pk}: {self.student_id} at {self.event_id}"
