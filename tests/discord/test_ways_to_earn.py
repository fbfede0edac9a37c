"""The "Ways to earn points" page and its selector (which the bot's /ways-to-earn reads)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.models import Event
from portal.selectors.ways_to_earn import ways_to_earn
from portal.services import tasks as task_services
from tests.factories import CategoryFactory, EventFactory, TaskFactory
from tests.helpers import page_queries

pytestmark = pytest.mark.django_db

URL = "/ways-to-earn/"


def grow(n: int) -> None:
    """n categories, each with an event to come and an open task."""
    for _ in range(n):
        category = CategoryFactory()
        EventFactory(category=category)
        TaskFactory(category=category)


def count_queries(client) -> int:
    return page_queries(client, URL)


def test_the_page_lists_categories_events_tasks_and_claims(client_as, student, category):
    EventFactory(title="Robotics night", category=category, attendance_points=15)
    TaskFactory(title="Lab set-up", category=category, points=25)
    response = client_as(student).get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Academic merit" in body and "5–50 pts" in body
    assert "Robotics night" in body and "+15" in body
    assert "Lab set-up" in body and "+25" in body
    assert 'href="/claims/new/"' in body
    assert 'aria-current="page">All ways' in body


def test_what_does_not_earn_is_left_out(client_as, student, other_student, category):
    retired = CategoryFactory(name="Retired category", is_active=False)
    EventFactory(title="Draft night", category=category, status=Event.Status.DRAFT)
    EventFactory(title="Retired night", category=retired)
    past = timezone.now() - timedelta(days=2)
    EventFactory(title="Last week", category=category, starts_at=past)
    TaskFactory(title="Closed task", category=category, is_active=False)
    full = TaskFactory(title="Full task", category=category, max_claimants=1)
    taken = TaskFactory(title="Taken task", category=category)
    TaskFactory(title="Open task", category=category)
    task_services.claim_task(actor=student.user, task_id=taken.pk)
    task_services.claim_task(actor=other_student.user, task_id=full.pk)
    ways = ways_to_earn(student.user)
    assert [c.name for c in ways.categories] == ["Academic merit"]
    assert ways.events == []
    assert [t.title for t in ways.tasks] == ["Open task"]
    body = client_as(student).get(URL).content.decode()
    hidden = ("Retired category", "Draft night", "Last week", "Closed", "Taken task", "Full task")
    for text in hidden:
        assert text not in body


def test_staff_see_the_page_without_the_claim_offer(client_as, faculty, category):
    TaskFactory(title="Lab set-up", category=category)
    body = client_as(faculty).get(URL).content.decode()
    assert "Lab set-up" in body
    assert 'href="/claims/new/"' not in body
    assert "All ways" not in body


def test_the_student_query_count(client_as, student, django_assert_num_queries):
    grow(1)
    client = client_as(student)
    # session, user, categories, events, own profile, tasks
    with django_assert_num_queries(6):
        client.get(URL)


def test_the_query_count_does_not_grow(client_as, student, faculty):
    grow(1)
    small = {who: count_queries(client_as(who)) for who in (student, faculty)}
    grow(20)
    assert {who: count_queries(client_as(who)) for who in (student, faculty)} == small


def test_the_student_navigation_marks_the_earn_area(client_as, student):
    body = client_as(student).get(URL).content.decode()
    assert 'href="/ways-to-earn/"' in body


def test_the_student_dashboard_links_to_the_page(client_as, student):
    body = client_as(student).get("/").content.decode()
    assert 'href="/ways-to-earn/"' in body
