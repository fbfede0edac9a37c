"""The partner's dashboard at /: their own sessions and their company, nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.models import Redemption, ReviewRequest
from portal.selectors import partners as partner_selectors
from tests.factories import RewardFactory, StudentFactory
from tests.helpers import award, redeem

from .helpers import make_reviewer, make_session

pytestmark = pytest.mark.django_db
Status = ReviewRequest.Status


@pytest.fixture
def board(partner, company, student, other_student, category, faculty):
    """`partner` holds a confirmed session with `student` and has two completed sessions
    (rated 4 and 5) and a missed one; a colleague has one completed (rated 3); another
    company's reviewer holds a session with `other_student`."""
    own = partner.reviewer
    make_session(own, student.user, status=Status.CONFIRMED, target_role="Data engineer")
    past = timezone.now() - timedelta(days=3)
    make_session(own, student.user, status=Status.COMPLETED, rating=4, starts_at=past)
    make_session(
        own, student.user, status=Status.COMPLETED, rating=5, starts_at=past - timedelta(hours=2)
    )
    make_session(own, student.user, status=Status.NO_SHOW, starts_at=past - timedelta(hours=4))
    colleague = make_reviewer(company, name="Cole League")
    make_session(colleague, student.user, status=Status.COMPLETED, rating=3, starts_at=past)
    stranger = make_reviewer(name="Dr Elsewhere")
    make_session(stranger, other_student.user, status=Status.CONFIRMED, target_role="Secret role")
    return own


def test_the_partner_sees_their_sessions_figures_and_company(client_as, partner, board, student):
    response = client_as(partner).get(reverse("portal:dashboard"))
    assert response.status_code == 200
    dashboard = response.context["board"]
    assert [(s.student_name, s.target_role) for s in dashboard.upcoming] == [
        ("Alice Student", "Data engineer")
    ]
    assert (dashboard.own.reviews_given, dashboard.own.average_rating, dashboard.own.no_shows) == (
        2,
        4.5,
        1,
    )
    assert [(r.name, r.reviews_given, r.average_rating) for r in dashboard.colleagues] == [
        ("Cole League", 1, 3.0),
        ("Pat Partner", 2, 4.5),
    ]
    content = response.content.decode()
    assert "Northwind Analytics" in content
    assert "/career/reviewing/" in content


def test_the_dashboard_shows_nothing_of_students_they_do_not_review(
    client_as, partner, board, student, other_student
):
    content = client_as(partner).get(reverse("portal:dashboard")).content.decode()
    assert "Bob Student" not in content
    assert "Secret role" not in content
    assert "Dr Elsewhere" not in content
    # Of their own students: the name and the target role, nothing else.
    assert student.enrollment_number not in content
    assert student.user.email not in content


def test_sponsored_rewards_count_approved_and_fulfilled_redemptions(
    partner, company, student, faculty, category
):
    award(faculty, student, category, 50)
    sponsored = RewardFactory(cost=10, sponsor=company, name="Northwind hoodie")
    RewardFactory(cost=10, name="Not theirs")
    statuses = ["approved", "fulfilled", "pending", "rejected", "cancelled"]
    for status in statuses:
        redemption = redeem(student, sponsored)
        Redemption.objects.filter(pk=redemption.pk).update(status=status, admin_note="Test")
    rewards = partner_selectors.sponsored_rewards(company)
    assert [(r.name, r.redeemed) for r in rewards] == [("Northwind hoodie", 2)]


def test_a_sponsored_reward_says_who_sponsors_it(client_as, student, company):
    RewardFactory(cost=10, sponsor=company, name="Northwind hoodie")
    response = client_as(student).get(reverse("portal:rewards"))
    assert "Sponsored by Northwind Analytics" in response.content.decode()


@pytest.mark.parametrize(
    "name", ["leaderboard", "history", "rewards", "events", "tasks", "user-list", "draws"]
)
def test_members_pages_are_closed_to_partners(client_as, partner, name):
    assert client_as(partner).get(reverse(f"portal:{name}")).status_code == 403


def test_the_menu_offers_partners_only_their_pages(client_as, partner):
    content = client_as(partner).get(reverse("portal:dashboard")).content.decode()
    for closed in ("portal:leaderboard", "portal:rewards", "portal:events", "portal:history"):
        assert f'href="{reverse(closed)}"' not in content
    settings_page = client_as(partner).get(reverse("portal:settings")).content.decode()
    assert 'id="api-token"' not in settings_page


def _dashboard_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_dashboard_query_count_does_not_grow(
    client_as, partner, company, student, django_assert_num_queries
):
    client = client_as(partner)
    url = reverse("portal:dashboard")
    client.get(url)  # warm the session
    # session, user, reviewer + company, upcoming sessions, company reviewers, sponsored rewards
    with django_assert_num_queries(6):
        client.get(url)
    before = _dashboard_queries(client, url)
    past = timezone.now() - timedelta(days=2)
    for i in range(8):
        make_session(partner.reviewer, StudentFactory().user, status=Status.CONFIRMED)
        make_session(
            partner.reviewer,
            student.user,
            status=Status.COMPLETED,
            rating=5,
            starts_at=past - timedelta(hours=i),
        )
        make_reviewer(company)
        RewardFactory(sponsor=company)
    assert _dashboard_queries(client, url) == before
