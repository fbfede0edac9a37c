"""Event reminders. A student asks to be reminded of an upcoming event; `send_due_reminders`
(cron, through `manage.py send_event_reminders`) tells each of them once, in the hours before
it starts: the reminder row is locked, notified and marked sent in one transaction, so two
senders running at once never remind anyone twice. A cancelled event tells them instead."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portal.exceptions import PortalError
from portal.models import Event, EventReminder, Notification, Registration, User
from portal.permissions import can_check_in, require

from .notifications import in_language_of, notify

REMIND_AHEAD = timedelta(hours=24)
BATCH = 500


class ReminderError(PortalError):
    pass


@transaction.atomic
def set_reminder(*, actor: User, event: Event, wanted: bool) -> bool:
    """Ask for (or drop) a reminder of `event`, which the caller has checked the actor may see.
    Asking twice keeps one reminder. Raises ReminderError: forbidden, not_upcoming."""
    require(can_check_in(actor), ReminderError, _("Only students can ask for event reminders."))
    profile = actor.student_profile
    if not wanted:
        EventReminder.objects.filter(event=event, student=profile).delete()
        return False
    if event.status != Event.Status.PUBLISHED or event.starts_at <= timezone.now():
        raise ReminderError("not_upcoming", _("Reminders are only for upcoming events."))
    EventReminder.objects.get_or_create(event=event, student=profile)
    return True


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "D j M, H:i")


def _span(starts: datetime, ends: datetime) -> str:
    """ "Thu 3 Dec, 10:00–12:00", or both dates in full when it ends another day."""
    if timezone.localdate(starts) == timezone.localdate(ends):
        return f"{_when(starts)}–{date_format(timezone.localtime(ends), 'H:i')}"
    return f"{_when(starts)} – {_when(ends)}"


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
                event, user = reminder.event, reminder.student.user
                with in_language_of(user):
                    _remind(user, event)
            EventReminder.objects.filter(pk__in=[r.pk for r in due]).update(sent_at=now)
        total += len(due)
        if len(due) < BATCH:
            return total


def _remind(user: User, event: Event) -> None:
    notify(
        user,
        kind=Notification.Kind.EVENT,
        message=_("Reminder: %(title)s starts %(when)s at %(location)s.")
        % {"title": event.title, "when": _when(event.starts_at), "location": event.location},
        link=reverse("portal:event-detail", args=[event.pk]),
    )


def tell_audience(event: Event, message: Callable[[], str]) -> int:
    """Tell every registered or waitlisted student and everyone who asked for a reminder of
    `event` (sent or not), once each, by notification and email: `message()` is called in
    each recipient's language. Runs inside the caller's transaction, which changed the event;
    returns how many were told."""
    users: dict[int, User] = {}
    reminders = EventReminder.objects.filter(event=event).select_related("student__user")
    registrations = Registration.objects.filter(event=event).select_related("student__user")
    for row in [*reminders, *registrations]:
        users.setdefault(row.student.user_id, row.student.user)
    link = reverse("portal:event-detail", args=[event.pk])
    for user in users.values():
        with in_language_of(user):
            notify(user, kind=Notification.Kind.EVENT, message=message(), link=link)
    return len(users)


def tell_cancelled(event: Event) -> None:
    """The event is off: its audience hears it, and no reminder of it goes out any more."""
    tell_audience(
        event,
        lambda: (
            _("%(title)s (%(when)s) was cancelled.")
            % {"title": event.title, "when": _when(event.starts_at)}
        ),
    )
    EventReminder.objects.filter(event=event, sent_at__isnull=True).update(sent_at=timezone.now())


MOVE_FIELDS = ("starts_at", "ends_at", "location")


def tell_moved(event: Event, *, before: dict[str, Any]) -> bool:
    """The event's time or place changed (`before` holds the old MOVE_FIELDS values): its
    audience hears the old and the new time and place. True when anything moved."""
    if all(before[name] == getattr(event, name) for name in MOVE_FIELDS):
        return False

    def message() -> str:
        return _(
            "%(title)s has moved: it was %(old_when)s at %(old_place)s, it is now "
            "%(new_when)s at %(new_place)s."
        ) % {
            "title": event.title,
            "old_when": _span(before["starts_at"], before["ends_at"]),
            "old_place": before["location"],
            "new_when": _span(event.starts_at, event.ends_at),
            "new_place": event.location,
        }

    tell_audience(event, message)
    return True
