"""The private calendar subscription: made and reset in settings, public by its secret
address, with the user's registered events, their clubs' events and those they organise."""

from __future__ import annotations

import icalendar
import pytest
from django.urls import reverse

from portal.models import Event
from portal.services import clubs as club_services
from portal.services.accounts import reset_calendar_token
from portal.services.registrations import register
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def feed(client, token: str):
    return client.get(reverse("portal:calendar-feed", args=[token]))


def titles(response) -> list[str]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    calendar = icalendar.Calendar.from_ical(response.content)
    return sorted(str(e["SUMMARY"]) for e in calendar.events)


def test_the_feed_has_registered_club_and_organised_events_only(client_as, student, faculty, club):
    registered = EventFactory(organiser=faculty, title="Registered", requires_registration=True)
    register(actor=student.user, event_id=registered.pk)
    club_services.join_club(actor=student.user, club_id=club.pk)
    EventFactory(organiser=faculty, club=club, title="Club event")
    EventFactory(organiser=faculty, club=club, title="Club draft", status=Event.Status.DRAFT)
    EventFactory(organiser=faculty, title="Someone else's")
    token = reset_calendar_token(user=student.user)
    assert titles(feed(client_as(None), token)) == ["Club event", "Registered"]
    faculty_token = reset_calendar_token(user=faculty)
    assert "Club draft" in titles(feed(client_as(None), faculty_token))


def test_resetting_the_address_retires_the_old_one(client_as, student):
    old = reset_calendar_token(user=student.user)
    client = client_as(student)
    response = client.post(reverse("portal:calendar-reset"))
    assert response["Location"] == reverse("portal:settings") + "#calendar"
    student.user.refresh_from_db()
    assert student.user.calendar_token != old
    assert feed(client_as(None), old).status_code == 404
    assert titles(feed(client_as(None), student.user.calendar_token)) == []


def test_settings_show_the_address_once_made(client_as, student):
    client = client_as(student)
    assert b"Create my calendar address" in client.get(reverse("portal:settings")).content
    token = reset_calendar_token(user=student.user)
    page = client.get(reverse("portal:settings")).content.decode()
    assert f"/calendar/{token}.ics" in page and "Reset the address" in page


def test_an_inactive_users_feed_is_gone(client_as, student):
    token = reset_calendar_token(user=student.user)
    student.user.is_active = False
    student.user.save()
    assert feed(client_as(None), token).status_code == 404


def test_the_feed_is_rate_limited_per_address(client_as, student, settings):
    token = reset_calendar_token(user=student.user)
    client = client_as(None)
    for _ in range(60):
        assert feed(client, token).status_code == 200
    assert feed(client, token).status_code == 429
