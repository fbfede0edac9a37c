"""An event as an iCalendar file: parsed back with the icalendar library, its times are the
event's (with the portal's time zone and its VTIMEZONE), and only people who may see the
event get it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.conf import settings
from django.urls import reverse

from portal.models import Event
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def fetch(client, event) -> icalendar.Calendar:
    response = client.get(reverse("portal:event-ics", args=[event.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert f'filename="event-{event.pk}.ics"' in response["Content-Disposition"]
    return icalendar.Calendar.from_ical(response.content)


def test_the_event_file_parses_with_the_events_details_and_times(client_as, student, faculty):
    start = datetime(2030, 7, 1, 18, 30, tzinfo=ZoneInfo(settings.TIME_ZONE))
    event = EventFactory(
        organiser=faculty,
        title="Robot build night",
        description="Bring a laptop; we provide robots.",
        location="Lab 2, Engineering",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    calendar = fetch(client_as(student), event)
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
    [vevent] = calendar.events
    assert str(vevent["SUMMARY"]) == "Robot build night"
    assert str(vevent["LOCATION"]) == "Lab 2, Engineering"
    assert str(vevent["DESCRIPTION"]) == "Bring a laptop; we provide robots."
    assert str(vevent["UID"]) == f"event-{event.pk}@upas"
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert str(vevent["URL"]).endswith(f"/events/{event.pk}/")
    # The same instants, written in the portal's zone (18:30 summer time in London).
    assert vevent.start == event.starts_at and vevent.end == event.ends_at
    assert vevent["DTSTART"].params["TZID"] == settings.TIME_ZONE
    assert vevent.start.hour == 18
    assert [str(tz["TZID"]) for tz in calendar.timezones] == [settings.TIME_ZONE]
    assert b"DTSTAMP:" in calendar.to_ical()


def test_a_cancelled_event_says_so(client_as, student, faculty):
    event = EventFactory(organiser=faculty, status=Event.Status.CANCELLED)
    [vevent] = fetch(client_as(student), event).events
    assert str(vevent["STATUS"]) == "CANCELLED"


def test_a_draft_is_only_for_its_organiser(client_as, student, faculty):
    event = EventFactory(organiser=faculty, status=Event.Status.DRAFT)
    url = reverse("portal:event-ics", args=[event.pk])
    assert client_as(student).get(url).status_code == 404
    assert str(fetch(client_as(faculty), event).events[0]["STATUS"]) == "TENTATIVE"


def test_the_event_page_links_to_its_calendar_file(client_as, student, faculty):
    event = EventFactory(organiser=faculty)
    page = client_as(student).get(reverse("portal:event-detail", args=[event.pk]))
    assert reverse("portal:event-ics", args=[event.pk]).encode() in page.content
