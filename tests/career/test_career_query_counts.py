"""Query counts of the resume review pages: exact for a small data set, and the same once
there are many more requests, slots, reviewers and sessions (a query per row would show)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.models import Specialty
from portal.services import accounts as account_services
from portal.services import career
from tests.factories import StudentFactory, UserFactory

from .helpers import FEEDBACK, add_slot, ask, held_session, make_reviewer

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


@pytest.fixture
def grow(student, faculty, admin, reviewer, software) -> Callable[[int], None]:
    """`grow(n)`: n more students and reviewers; each student gets a completed and rated
    review with `faculty` and each reviewer a free slot; the demo student gets one more
    closed request (cancelled) and `faculty` one more proposal."""
    counter = itertools.count()

    def more(count: int) -> None:
        for _ in range(count):
            i = next(counter)
            other = StudentFactory().user
            done = held_session(other, faculty, software, hours_ago=2 + i)
            career.complete_review(actor=faculty, request_id=done.pk, **FEEDBACK)
            career.rate_review(actor=other, request_id=done.pk, rating=4)
            colleague = UserFactory(role="faculty")
            make_reviewer(colleague, software, Specialty.objects.create(name=f"Field {i}"))
            add_slot(colleague, 20 * DAY + i * DAY)
            add_slot(faculty, 2 * DAY + i * timedelta(hours=2))
            mine = ask(student.user, software)
            career.cancel_request(actor=student.user, request_id=mine.pk)
            waiting = StudentFactory().user
            ask(waiting, software)  # proposed to the faculty member's new slot

    return more


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def pages(student, faculty, admin):
    return [
        (student, reverse("portal:career")),
        (faculty, reverse("portal:career-reviewing")),
        (admin, reverse("portal:career-reviewers")),
    ]


# Session and user, then
#  student page: their requests (with field, slot and reviewer), the no-show bar, the fields
#    of the form's select, the profile for the layout's balance badge;
#  reviewer page: the reviewer row, their slots, the requests holding them (prefetch), the
#    proposals, the scheduled sessions, the closed ones, the reviewer's specialties;
#  admin page: reviewers, their specialties (prefetch), latest requests, the menu's pending
#    redemptions count, the form's fields.
EXPECTED = {"career": 6, "career-reviewing": 9, "career-reviewers": 7}


def test_career_pages_query_counts_are_exact_and_constant(client_as, grow, student, faculty, admin):
    grow(1)
    names = ["career", "career-reviewing", "career-reviewers"]
    small = {
        name: count(client_as(who), url)
        for name, (who, url) in zip(names, pages(student, faculty, admin), strict=True)
    }
    grow(8)
    large = {
        name: count(client_as(who), url)
        for name, (who, url) in zip(names, pages(student, faculty, admin), strict=True)
    }
    assert small == large
    assert small == EXPECTED


def test_feedback_page_query_count_is_constant(client_as, grow, student, faculty, software):
    other = StudentFactory().user
    request = held_session(other, faculty, software)
    url = reverse("portal:career-complete", args=[request.pk])
    small = count(client_as(faculty), url)
    grow(5)
    assert count(client_as(faculty), url) == small


def test_calendar_feed_costs_one_query_more_whatever_the_sessions(
    client, grow, student, faculty, software
):
    token = account_services.reset_calendar_token(user=faculty)
    url = reverse("portal:calendar-feed", args=[token])
    grow(1)
    small = count(client, url)
    grow(6)
    assert count(client, url) == small
