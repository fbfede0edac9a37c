"""The check-in's POST reads its event from this process's copy of the last few seconds
(`permissions.access_event_for_checkin`, issue 17): a hall checking in sends a burst of
check-ins to one event, and each need not read it again. A copy can be that old, so nothing
is decided on it alone: the check-in writes only while the event's row still equals it, and
otherwise reads the event again (tests/events/test_checkin_on_copy.py has the statement)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.models import CheckIn, Event, Transaction
from portal.permissions import events as event_permissions
from portal.permissions import visible_events
from portal.services.events import code_for, current_code, time_step
from tests.conftest import ledger_total
from tests.factories import EventFactory, StudentFactory
from tests.html import text

pytestmark = pytest.mark.django_db

EVENT_READ = 'FROM "portal_event" INNER JOIN'  # the event with its category, as the view reads it


@pytest.fixture
def event(faculty, category):
    return EventFactory(organiser=faculty, category=category, attendance_points=15)


def post_code(client, event, code=None):
    return client.post(
        reverse("portal:event-checkin", kwargs={"pk": event.pk}),
        {"code": code if code is not None else current_code(event)},
        HTTP_HX_REQUEST="true",
    )


def event_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith("SELECT") and EVENT_READ in q["sql"]]


def test_a_burst_of_check_ins_reads_the_event_once(client_as, event):
    first, second = StudentFactory(), StudentFactory()
    with CaptureQueriesContext(connection) as queries:
        assert post_code(client_as(first), event).status_code == 200
    assert len(event_reads(queries)) == 1
    with CaptureQueriesContext(connection) as queries:
        response = post_code(client_as(second), event)
    assert response.status_code == 200 and "points-changed" in response.headers["HX-Trigger"]
    assert event_reads(queries) == []
    assert CheckIn.objects.filter(event=event).count() == 2
    assert ledger_total() == (2, 30)


def test_a_copy_older_than_its_time_is_read_again(client_as, event, monkeypatch):
    assert post_code(client_as(StudentFactory()), event).status_code == 200
    monkeypatch.setattr(event_permissions, "CHECKIN_COPY_SECONDS", 0.0)
    with CaptureQueriesContext(connection) as queries:
        assert post_code(client_as(StudentFactory()), event).status_code == 200
    assert len(event_reads(queries)) == 1


def test_points_changed_since_the_copy_are_credited_and_shown_as_they_are_now(client_as, event):
    assert post_code(client_as(StudentFactory()), event).status_code == 200  # the copy: 15
    Event.objects.filter(pk=event.pk).update(attendance_points=40, title="Renamed")
    student = StudentFactory()
    response = post_code(client_as(student), event)
    entry = Transaction.objects.get(student=student)
    assert (entry.amount, entry.reason) == (40, "Attended: Renamed")
    assert "+40 points" in text(response.content)


def test_an_event_cancelled_since_the_copy_refuses_and_shows_it_as_it_is(client_as, event):
    assert post_code(client_as(StudentFactory()), event).status_code == 200
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    before = ledger_total(), CheckIn.objects.count()
    response = post_code(client_as(StudentFactory()), event)
    assert response.status_code == 200
    assert "This event was cancelled." in text(response.content)
    assert "points-changed" not in response.headers.get("HX-Trigger", "")
    assert (ledger_total(), CheckIn.objects.count()) == before


def test_another_viewers_copy_of_a_draft_shows_no_student_the_event(client_as, faculty):
    """The organiser may see their draft, and their POST keeps a copy of it; a student asking
    for the same event gets the 404 that the event's read gives them, not the copy."""
    draft = EventFactory(organiser=faculty, status=Event.Status.DRAFT)
    assert post_code(client_as(faculty), draft).status_code == 200  # refused: not a student
    assert draft.pk in event_permissions._checkin_copies
    assert post_code(client_as(StudentFactory()), draft).status_code == 404
    assert not CheckIn.objects.exists()


def test_a_copy_published_since_it_was_a_draft_is_read_again(client_as, faculty):
    draft = EventFactory(organiser=faculty, status=Event.Status.DRAFT)
    post_code(client_as(faculty), draft)
    Event.objects.filter(pk=draft.pk).update(status=Event.Status.PUBLISHED)
    student = StudentFactory()
    assert post_code(client_as(student), draft).status_code == 200
    assert CheckIn.objects.filter(event=draft, student=student).exists()


def test_a_code_made_from_a_secret_the_event_no_longer_has_is_refused(client_as, event):
    """No service changes an event's secret; were it changed, the copy's codes prove nothing:
    the check-in read again refuses the code, and writes nothing."""
    assert post_code(client_as(StudentFactory()), event).status_code == 200
    old_code = code_for(event, time_step())
    Event.objects.filter(pk=event.pk).update(secret="0" * 64)
    before = ledger_total(), CheckIn.objects.count()
    response = post_code(client_as(StudentFactory()), event, old_code)
    assert "That code is wrong or has expired" in text(response.content)
    assert (ledger_total(), CheckIn.objects.count()) == before


def test_each_request_gets_its_own_instance_of_the_copy(student, event):
    kept = event_permissions.access_event_for_checkin(student.user, event.pk)
    kept.title = "Changed on one request's instance"
    again = event_permissions.access_event_for_checkin(student.user, event.pk)
    assert again is not kept and again.title == event.title
    assert again.category == event.category


@pytest.mark.parametrize("status", [s for s, _label in Event.Status.choices])
def test_may_see_event_agrees_with_visible_events(faculty, other_faculty, admin, student, status):
    event = EventFactory(organiser=faculty, status=status)
    for viewer in (faculty, other_faculty, admin, student.user):
        listed = visible_events(viewer).filter(pk=event.pk).exists()
        assert event_permissions.may_see_event(viewer, event) is listed, (viewer.role, status)
