"""Event reminders: asked for on the event page, sent once by the cron command in the day
before the start, never twice even with two senders at once; a cancelled event tells whoever
was waiting."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from portal.models import Event, EventReminder, Notification
from portal.services.events import set_event_status
from portal.services.reminders import ReminderError, send_due_reminders, set_reminder
from tests.conftest import postgres_only
from tests.factories import EventFactory, StudentFactory
from tests.html import HX

pytestmark = pytest.mark.django_db

EVENT = Notification.Kind.EVENT


def tomorrow_event(**kwargs):
    return EventFactory(starts_at=timezone.now() + timedelta(hours=20), **kwargs)


def reminders_of(user):
    return list(Notification.objects.filter(user=user, kind=EVENT))


def test_asking_twice_keeps_one_reminder_and_dropping_removes_it(student):
    event = tomorrow_event()
    assert set_reminder(actor=student.user, event=event, wanted=True)
    assert set_reminder(actor=student.user, event=event, wanted=True)
    assert EventReminder.objects.filter(event=event).count() == 1
    assert not set_reminder(actor=student.user, event=event, wanted=False)
    assert not EventReminder.objects.exists()


@pytest.mark.parametrize("when", ["past", "draft", "cancelled"])
def test_no_reminder_for_an_event_that_is_not_upcoming(student, when):
    if when == "past":
        event = EventFactory(starts_at=timezone.now() - timedelta(hours=1))
    else:
        event = tomorrow_event(status=when)
    with pytest.raises(ReminderError, match="upcoming"):
        set_reminder(actor=student.user, event=event, wanted=True)
    assert not EventReminder.objects.exists()


def test_staff_cannot_ask_for_reminders(faculty):
    with pytest.raises(ReminderError):
        set_reminder(actor=faculty, event=tomorrow_event(), wanted=True)


def test_due_reminders_are_sent_once_to_their_students_only(student, other_student):
    soon = tomorrow_event(title="Robotics night", location="Lab 3")
    later = EventFactory(starts_at=timezone.now() + timedelta(days=3))
    set_reminder(actor=student.user, event=soon, wanted=True)
    set_reminder(actor=other_student.user, event=later, wanted=True)

    assert send_due_reminders() == 1
    assert send_due_reminders() == 0  # the next cron run finds nothing new
    [n] = reminders_of(student.user)
    assert n.message.startswith("Reminder: Robotics night starts ")
    assert n.message.endswith(" at Lab 3.")
    assert n.link == reverse("portal:event-detail", args=[soon.pk])
    assert reminders_of(other_student.user) == []
    # Two days on, the later event is due.
    assert send_due_reminders(now=timezone.now() + timedelta(days=2)) == 1
    assert len(reminders_of(other_student.user)) == 1


def test_a_reminder_for_an_event_cancelled_meanwhile_is_not_sent(student, admin):
    event = tomorrow_event()
    set_reminder(actor=student.user, event=event, wanted=True)
    set_event_status(actor=admin, event_id=event.pk, status=Event.Status.CANCELLED)
    [n] = reminders_of(student.user)
    assert "was cancelled" in n.message
    assert send_due_reminders() == 0
    assert len(reminders_of(student.user)) == 1


def test_the_command_sends_due_reminders(student, capsys):
    set_reminder(actor=student.user, event=tomorrow_event(), wanted=True)
    call_command("send_event_reminders")
    assert "Reminded 1 student(s)." in capsys.readouterr().out
    call_command("send_event_reminders", "--hours", "48")
    assert "Reminded 0 student(s)." in capsys.readouterr().out


def test_remind_me_button_toggles_with_htmx(client_as, student):
    event = tomorrow_event()
    client = client_as(student)
    page = client.get(reverse("portal:event-detail", args=[event.pk])).content.decode()
    assert "Remind me" in page
    url = reverse("portal:event-remind", args=[event.pk])
    response = client.post(url, {"remind": "1"}, **HX)
    assert "Don't remind me" in response.content.decode()
    assert "<html" not in response.content.decode()
    assert EventReminder.objects.filter(event=event, student=student).exists()
    client.post(url, {"remind": "0"}, **HX)
    assert not EventReminder.objects.exists()


def test_remind_me_on_a_past_event_says_why(client_as, student):
    event = EventFactory(starts_at=timezone.now() - timedelta(minutes=5))
    response = client_as(student).post(
        reverse("portal:event-remind", args=[event.pk]), {"remind": "1"}, **HX
    )
    assert "Reminders are only for upcoming events." in response.content.decode()
    assert not EventReminder.objects.exists()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_remind_each_student_once():
    event = tomorrow_event()
    students = StudentFactory.create_batch(30)
    for s in students:
        set_reminder(actor=s.user, event=event, wanted=True)
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def sender():
        try:
            barrier.wait()
            counts.append(send_due_reminders())
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == 30
    assert Notification.objects.filter(kind=EVENT).count() == 30
    assert not EventReminder.objects.filter(sent_at__isnull=True).exists()
