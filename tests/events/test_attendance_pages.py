"""The attendance page lists check-ins in pages (issue 9), with the total on top."""

from __future__ import annotations

import pytest

from portal.models import CheckIn
from portal.selectors.events import list_attendance
from portal.views.attendance import ATTENDANCE_PAGE_SIZE
from tests.events.test_query_counts import add_checkins
from tests.factories import EventFactory
from tests.html import HX

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(faculty, admin):
    event = EventFactory(organiser=faculty)
    add_checkins(event, ATTENDANCE_PAGE_SIZE + 3, by=admin)
    return event


def test_the_attendance_page_shows_one_page_and_the_total(client_as, faculty, event):
    response = client_as(faculty).get(f"/events/{event.pk}/attendance/")
    page = response.context["page"]
    assert len(page.object_list) == ATTENDANCE_PAGE_SIZE
    assert page.paginator.count == ATTENDANCE_PAGE_SIZE + 3
    assert f"{ATTENDANCE_PAGE_SIZE + 3}" in response.content.decode()
    assert "?page=2" in response.content.decode()


def test_the_second_page_holds_the_earliest_check_ins(client_as, faculty, event):
    first = client_as(faculty).get(f"/events/{event.pk}/attendance/").context["page"]
    second = client_as(faculty).get(f"/events/{event.pk}/attendance/?page=2").context["page"]
    assert len(second.object_list) == 3
    assert max(c.created_at for c in second) <= min(c.created_at for c in first)


def test_paging_through_htmx_answers_the_list_only(client_as, faculty, event):
    response = client_as(faculty).get(f"/events/{event.pk}/attendance/?page=2", **HX)
    body = response.content.decode()
    assert "<html" not in body
    assert 'id="attendance-list"' in body


def test_attendance_query_count_does_not_grow_past_a_page(
    client_as, faculty, admin, event, django_assert_max_num_queries
):
    client = client_as(faculty)
    client.get(f"/events/{event.pk}/attendance/")
    add_checkins(event, 20, by=admin)
    # session, user, the event, the figures, the check-in count, the page of check-ins, the
    # refused attempts' count
    with django_assert_max_num_queries(7):
        client.get(f"/events/{event.pk}/attendance/")


def test_each_events_lists_are_composed_for_that_event(client_as, faculty, admin, event):
    """The lists' SQL is composed once per process and event (`composed_once`): another
    event's page, asked in between, shows its own check-ins, and a page run again as composed
    holds the rows Django's own path reads."""
    other = EventFactory(organiser=faculty)
    add_checkins(other, 2, by=admin)
    client = client_as(faculty)
    for _ in range(2):
        for shown, total in ((event, ATTENDANCE_PAGE_SIZE + 3), (other, 2)):
            page = client.get(f"/events/{shown.pk}/attendance/?page=2").context["page"]
            assert page.paginator.count == total
            assert {c.event_id for c in page.object_list} <= {shown.pk}
    composed = list_attendance(event)
    plain = CheckIn.objects.filter(event=event).select_related("student__user")
    for start in (0, 50):
        got = [(c.pk, c.student.user.name, c.created_at) for c in composed[start : start + 50]]
        assert got == [(c.pk, c.student.user.name, c.created_at) for c in plain[start : start + 50]]
