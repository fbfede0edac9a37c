"""Event reminders. A student asks to be reminded of an upcoming event; `send_due_reminders`
(cron, through `manage.py send_event_reminders`) tells each of them once, in the hours before
it starts: the reminder row is locked, notified and marked sent in one transaction, so two
senders running at once never remind anyone twice. A cancelled event tells them instead."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from portal.exceptions import PortalError
from portal.models import Event, EventReminder, Notification, Role, User

from .notifications import notify

REMIND_AHEAD = timedelta(hours=24)
BATCH = 500


class ReminderError(PortalError):
    pass


@transaction.atomic
def set_reminder(*, actor: User, event: Event, wanted: bool) -> bool:
    """Ask for (or drop) a reminder of `event`, which the caller has checked the actor may see.
    Asking twice keeps one reminder. Raises ReminderError: forbidden, not_upcoming."""
    if actor.role != Role.STUDENT or not actor.is_active:
        raise ReminderError("forbidden", "Only students can ask for event reminders.")
    profile = actor.student_profile
    if not wanted:
        EventReminder.objects.filter(event=event, student=profile).delete()
        return False
    if event.status != Event.Status.PUBLISHED or event.starts_at <= timezone.now():
        raise ReminderError("not_upcoming", "Reminders are only for upcoming events.")
    EventReminder.objects.get_or_create(event=event, student=profile)
    return True


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "D j M, H:i")


def send_due_reminders(*, now: datetime | None = None, ahead: timedelta = REMIND_AHEAD) -> int:
    """Remind everyone whose event starts within `ahead`; returns how many were reminded."""
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic():
            due = list(
                EventReminder.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(
                    sent_at__isnull=True,
                    event__status=Event.Status.PUBLISHED,
                    event__starts_at__gt=now,
                    event__starts_at__lte=now + ahead,
                )
                .select_related("event", "student__user")
                .order_by("id")[:BATCH]
            )
            for reminder in due:
                event = reminder.event
                notify(
                    reminder.student.user,
                    kind=Notification.Kind.EVENT,
                    message=f"Reminder: {event.title} starts {_when(event.starts_at)} "
                    f"at {event.location}.",
                    link=reverse("portal:event-detail", args=[event.pk]),
                )
            EventReminder.objects.filter(pk__in=[r.pk for r in due]).update(sent_at=now)
        total += len(due)
        if len(due) < BATCH:
            return total


def tell_cancelled(event: Event) -> None:
    """Everyone waiting for a reminder hears that the event is off (inside the caller's
    transaction, which changed its status)."""
    waiting = EventReminder.objects.filter(event=event, sent_at__isnull=True).select_related(
        "student__user"
    )
    for reminder in waiting:
        notify(
            reminder.student.user,
            kind=Notification.Kind.EVENT,
            message=f"{event.title} ({_when(event.starts_at)}) was cancelled.",
            link=reverse("portal:event-detail", args=[event.pk]),
        )
    waiting.update(sent_at=timezone.now())
