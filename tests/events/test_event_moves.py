"""Moving an event (its start, end or place) tells everyone who is waiting for it, the same
audience a cancellation reaches: registered and waitlisted students and everyone who asked for
a reminder, once each, by notification and email, in their own language."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from portal.models import Event, EventReminder, Notification, Registration, User
from portal.services.events import EventError, save_event, set_event_status
from tests.factories import EventFactory, StudentFactory

pytestmark = pytest.mark.django_db

EVENT = Notification.Kind.EVENT


def told(profile):
    return list(Notification.objects.filter(user=profile.user, kind=EVENT).order_by("id"))


@pytest.fixture
def event(faculty):
    start = timezone.now() + timedelta(days=3)
    return EventFactory(
        organiser=faculty,
        title="Robotics night",
        location="Lab 3",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        requires_registration=True,
        capacity=1,
    )


@pytest.fixture
def audience(event, student, other_student):
    """A registered student, a waitlisted one who also asked for a reminder (told once), and
    one whose reminder went out already (still told)."""
    reminded = StudentFactory(user__email="carol@upas.test")
    Registration.objects.create(event=event, student=student, status="registered")
    Registration.objects.create(event=event, student=other_student, status="waitlisted")
    EventReminder.objects.create(event=event, student=other_student)
    EventReminder.objects.create(event=event, student=reminded, sent_at=timezone.now())
    return [student, other_student, reminded]


def move(actor, event, **changes):
    event = Event.objects.get(pk=event.pk)
    for name, value in changes.items():
        setattr(event, name, value)
    return save_event(actor=actor, event=event)


def test_moving_tells_every_registered_waitlisted_and_reminded_student_once(
    faculty, event, audience, django_capture_on_commit_callbacks
):
    outsider = StudentFactory()
    with django_capture_on_commit_callbacks(execute=True):
        move(faculty, event, location="Hall B", starts_at=event.starts_at + timedelta(hours=1))
    for profile in audience:
        [n] = told(profile)
        assert n.message.startswith("Robotics night has moved: it was ")
        assert "at Lab 3" in n.message and "at Hall B." in n.message
        assert n.link == f"/events/{event.pk}/"
    assert told(outsider) == []
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.user.email for p in audience)
    assert all("Hall B" in m.body for m in mail.outbox)


def test_changing_only_the_end_time_is_a_move(faculty, event, audience):
    move(faculty, event, ends_at=event.ends_at + timedelta(hours=1))
    assert all(len(told(profile)) == 1 for profile in audience)


def test_other_changes_tell_nobody(faculty, event, audience):
    move(faculty, event, title="Robotics night (new name)", description="More robots.")
    assert not Notification.objects.filter(kind=EVENT).exists()


def test_a_draft_event_moves_silently(faculty, event, audience):
    Event.objects.filter(pk=event.pk).update(status=Event.Status.DRAFT)
    move(faculty, event, location="Hall B")
    assert not Notification.objects.filter(kind=EVENT).exists()


def test_each_student_reads_the_move_in_their_language(faculty, event, audience):
    student = audience[0]
    User.objects.filter(pk=student.user_id).update(language="ar")
    start = timezone.localtime(event.starts_at).replace(hour=10, minute=0)
    Event.objects.filter(pk=event.pk).update(starts_at=start, ends_at=start + timedelta(hours=2))
    move(faculty, event, location="Hall B")
    [arabic] = told(student)
    [english] = told(audience[1])
    # The dates are written the reader's way: Arabic day names for the one, English for the other.
    english_day = start.strftime("%a")
    assert english_day in english.message
    assert english_day not in arabic.message
    assert "10:00–12:00" in english.message


def test_a_refused_edit_tells_nobody(other_faculty, event, audience):
    with pytest.raises(EventError) as excinfo:
        move(other_faculty, event, location="Hall B")
    assert excinfo.value.code == "forbidden"
    assert not Notification.objects.filter(kind=EVENT).exists()


def test_cancelling_reaches_the_same_audience_through_the_same_fan_out(faculty, event, audience):
    set_event_status(actor=faculty, event_id=event.pk, status=Event.Status.CANCELLED)
    for profile in audience:
        [n] = told(profile)
        assert "was cancelled" in n.message
    assert not EventReminder.objects.filter(event=event, sent_at__isnull=True).exists()
