"""Query counts of the event pages: exact numbers, and the same number whatever the data size.

Every count includes the two queries a signed-in request always makes (session, user). The
general pages' counts are in tests/test_query_counts.py."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import Event, StudentProfile, User
from portal.services import attendance_upload
from portal.services import events as event_services
from tests.factories import CategoryFactory, EventFactory, StudentFactory
from tests.helpers import page_queries
from tests.html import HX

pytestmark = pytest.mark.django_db


@pytest.fixture
def add_events(faculty, other_faculty, admin, student) -> Callable[..., list[Event]]:
    """`add_events(n)`: n upcoming events by rotating organisers (faculty, other_faculty,
    admin) in rotating categories, every third with a capacity, every fourth a draft of its
    organiser, every fifth cancelled; each published one has two check-ins (`student` in every
    other one, so the "checked in" badge shows on some cards and not others)."""
    organisers = [faculty, other_faculty, admin]
    categories = [CategoryFactory() for _ in range(3)]
    counter = itertools.count()

    def grow(count: int) -> list[Event]:
        made = []
        for _ in range(count):
            i = next(counter)
            event = EventFactory(
                organiser=organisers[i % 3],
                category=categories[i % 3],
                capacity=50 if i % 3 == 0 else None,
            )
            attendees = [StudentFactory()] + ([student] if i % 2 == 0 else [])
            for profile in attendees:
                event_services.check_in(actor=admin, event_id=event.pk, student_id=profile.pk)
            if i % 4 == 1:
                Event.objects.filter(pk=event.pk).update(status=Event.Status.DRAFT)
            elif i % 5 == 2:
                Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
            made.append(event)
        return made

    return grow


def add_checkins(event: Event, count: int, *, by: User) -> list[StudentProfile]:
    """`count` new students checked in to `event`, every other one by hand, the rest by CSV."""
    profiles = [StudentFactory() for _ in range(count)]
    manual, uploaded = profiles[::2], profiles[1::2]
    for profile in manual:
        event_services.check_in(actor=by, event_id=event.pk, student_id=profile.pk)
    if uploaded:
        data = "\n".join(p.enrollment_number for p in uploaded).encode()
        attendance_upload.import_attendance(actor=by, event_id=event.pk, data=data)
    return profiles


count_queries = page_queries


def test_student_event_list_query_count(add_events, client_as, student, django_assert_num_queries):
    add_events(3)
    client = client_as(student)
    # session, user, own profile (balance in the navigation), category and organiser filter
    # choices, the events with their counts and whether the student checked in, and whether
    # they are a club officer (who may create events: the "New event" button)
    with django_assert_num_queries(7):
        client.get("/events/")


def test_faculty_event_list_query_count(add_events, client_as, faculty, django_assert_num_queries):
    add_events(3)
    client = client_as(faculty)
    # session, user, category and organiser filter choices, the events with their counts
    with django_assert_num_queries(5):
        client.get("/events/")


def test_event_detail_query_count_for_a_student(
    add_events, client_as, student, django_assert_num_queries
):
    event = add_events(1)[0]
    client = client_as(student)
    # session, user, the event with organiser and category, own check-in, own reminder,
    # check-in count, own profile (balance in the navigation)
    with django_assert_num_queries(7):
        client.get(f"/events/{event.pk}/")


def test_event_detail_query_count_for_the_organiser(
    add_events, client_as, faculty, django_assert_num_queries
):
    event = add_events(1)[0]
    client = client_as(faculty)
    # session, user, the event with organiser and category, check-in count
    with django_assert_num_queries(4):
        client.get(f"/events/{event.pk}/")


def test_check_in_screen_partial_query_count(faculty, admin, client_as, django_assert_num_queries):
    event = EventFactory(organiser=faculty, capacity=100)
    add_checkins(event, 3, by=admin)
    client = client_as(faculty)
    # session, user, the event, the latest check-ins with their students, check-in count
    with django_assert_num_queries(5):
        client.get(f"/events/{event.pk}/screen/", **HX)


def test_attendance_page_query_count(faculty, admin, client_as, django_assert_num_queries):
    event = EventFactory(organiser=faculty, capacity=100)
    add_checkins(event, 3, by=admin)
    client = client_as(faculty)
    # session, user, the event, the figures (check-ins, registered or not), check-in count,
    # the check-ins with students, departments, who checked them in and who annulled them,
    # the refused attempts' count (none: no page of them to read)
    with django_assert_num_queries(7):
        client.get(f"/events/{event.pk}/attendance/")


# --- counts that must not grow with the data ----------------------------------------------


@pytest.mark.parametrize(
    ("role", "query"),
    [
        ("student", ""),
        ("student", "?q=Event&when=upcoming"),
        ("faculty", ""),
        ("admin", ""),
        ("admin", "?when=past"),
    ],
)
def test_event_list_query_count_does_not_grow(request, add_events, client_as, role, query):
    client = client_as(request.getfixturevalue(role))
    add_events(3)
    small = count_queries(client, "/events/" + query)
    add_events(27)
    assert count_queries(client, "/events/" + query) == small


@pytest.mark.parametrize("role", ["student", "faculty", "admin"])
def test_dashboard_query_count_does_not_grow_with_events(request, add_events, client_as, role):
    client = client_as(request.getfixturevalue(role))
    add_events(3)
    small = count_queries(client, "/")
    add_events(27)
    assert count_queries(client, "/") == small


@pytest.mark.parametrize(
    ("role", "path", "htmx"),
    [
        ("student", "/", False),
        ("faculty", "/", False),
        ("faculty", "/screen/", False),
        ("faculty", "/screen/", True),
        ("faculty", "/attendance/", False),
        ("admin", "/attendance/", False),
    ],
)
def test_event_page_query_count_does_not_grow_with_check_ins(
    request, client_as, faculty, admin, role, path, htmx
):
    event = EventFactory(organiser=faculty, capacity=100)
    client = client_as(request.getfixturevalue(role))
    url = f"/events/{event.pk}{path}"
    headers = HX if htmx else {}
    add_checkins(event, 3, by=admin)  # fewer than the screen's six latest names
    small = count_queries(client, url, **headers)
    add_checkins(event, 27, by=faculty)
    assert count_queries(client, url, **headers) == small


def test_attendance_export_query_count_does_not_grow(client_as, faculty, admin):
    event = EventFactory(organiser=faculty)
    client = client_as(faculty)
    url = f"/events/{event.pk}/attendance.csv"

    def export_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            b"".join(response.streaming_content)
        return len(queries)

    add_checkins(event, 3, by=admin)
    small = export_queries()
    add_checkins(event, 27, by=admin)
    assert export_queries() == small
