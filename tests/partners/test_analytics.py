"""Reviewer analytics for admins: exact figures on a small cast, the page, its CSV and its
query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.models import ReviewRequest
from portal.selectors.reviewer_analytics import reviewer_analytics
from tests.factories import StudentFactory

from .helpers import make_reviewer, make_session

pytestmark = pytest.mark.django_db
Status = ReviewRequest.Status
DAY = timedelta(days=1)


@pytest.fixture
def cast(partner, student):
    """`partner`: completed twice (rated 4 and 5, asked 1 and 3 days ahead), missed once, one
    proposal waiting, one confirmed (asked 5 days ahead). Dr Two: completed once (rated 2,
    2 days ahead). Dr Idle takes requests but had none; Dr Gone neither."""
    user = student.user
    past = timezone.now() - 10 * DAY
    own = partner.reviewer
    make_session(own, user, status=Status.COMPLETED, rating=4, wait=1 * DAY, starts_at=past)
    make_session(own, user, status=Status.COMPLETED, rating=5, wait=3 * DAY, starts_at=past + DAY)
    make_session(own, user, status=Status.NO_SHOW, wait=2 * DAY, starts_at=past + 2 * DAY)
    make_session(own, user, status=Status.PROPOSED, wait=9 * DAY)
    make_session(own, user, status=Status.CONFIRMED, wait=5 * DAY)
    two = make_reviewer(name="Dr Two")
    make_session(two, user, status=Status.COMPLETED, rating=2, wait=2 * DAY, starts_at=past)
    make_reviewer(name="Dr Idle")
    gone = make_reviewer(name="Dr Gone")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    return own


def test_figures_per_reviewer(cast):
    analytics = reviewer_analytics()
    rows = [
        (r.name, r.completed, r.pending, r.no_shows, r.average_rating, r.median_wait_days)
        for r in analytics.rows
    ]
    assert rows == [
        ("Pat Partner", 2, 1, 1, 4.5, 3.0),
        ("Dr Two", 1, 0, 0, 2.0, 2.0),
        ("Dr Idle", 0, 0, 0, None, None),
    ]
    assert [r.no_show_rate for r in analytics.rows] == [33.3, 0.0, None]
    assert analytics.rows[0].company == "Northwind Analytics"


def test_totals_and_ratings(cast):
    analytics = reviewer_analytics()
    total = analytics.total
    assert (total.completed, total.pending, total.no_shows) == (3, 1, 1)
    assert total.average_rating == 3.7  # (4 + 5 + 2) / 3, not the mean of 4.5 and 2.0
    assert total.median_wait_days == 2.5  # 1, 2, 3 and 5 days
    assert total.no_show_rate == 25.0
    assert analytics.ratings == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}


def test_the_report_page_draws_charts_and_a_table(client_as, admin, cast):
    response = client_as(admin).get(reverse("portal:report-reviewers"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "chart-4.6.1.umd.js" in content
    assert 'data-chart="reviewer-sessions-data"' in content
    assert 'data-chart="reviewer-ratings-data"' in content
    assert "Pat Partner" in content
    assert "33.3" in content
    assert (
        reverse("portal:report-reviewers")
        in client_as(admin).get(reverse("portal:reports")).content.decode()
    )


def test_the_csv_has_a_row_per_reviewer_and_the_total(client_as, admin, cast):
    response = client_as(admin).get(reverse("portal:report-reviewers-csv"))
    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("reviewer,company_or_kind,sessions_completed")
    assert lines[1] == "Pat Partner,Northwind Analytics,2,1,3.0,4.5,1,33.3"
    assert lines[2] == "Dr Two,Faculty,1,0,2.0,2.0,0,0.0"
    assert lines[-1] == "All reviewers,,3,1,2.5,3.7,1,25.0"
    assert len(lines) == 5


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_report_query_count_does_not_grow(client_as, admin, cast, django_assert_num_queries):
    client = client_as(admin)
    url = reverse("portal:report-reviewers")
    client.get(url)
    # session, user, reviewers with their figures, waits, ratings, the menu's pending count
    with django_assert_num_queries(6):
        client.get(url)
    before = _queries(client, url)
    past = timezone.now() - 30 * DAY
    for i in range(10):
        reviewer = make_reviewer(name=f"Dr Extra {i}")
        make_session(
            reviewer,
            StudentFactory().user,
            status=Status.COMPLETED,
            rating=1 + i % 5,
            starts_at=past + i * DAY,
        )
    assert _queries(client, url) == before
