"""Query counts of the club pages and the registration pages: exact numbers, and the same
number whatever the data size. Every count includes the two queries a signed-in request always
makes (session, user)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from portal.models import Club, ClubMembership, Event, Registration
from portal.services import clubs as club_services
from portal.services import ledger
from portal.services.events import check_in
from portal.services.registrations import register
from tests.conftest import key
from tests.factories import EventFactory, StudentFactory
from tests.helpers import page_queries
from tests.html import HX

pytestmark = pytest.mark.django_db


count_queries = page_queries


@pytest.fixture
def grow_club(club, faculty, category) -> Callable[[int], None]:
    """`grow_club(n)`: n more members (every third hiding their name), each with points this
    term, another club event, and n more clubs."""

    def grow(count: int) -> None:
        for i in range(count):
            profile = StudentFactory(show_on_leaderboard=i % 3 != 0)
            club_services.join_club(actor=profile.user, club_id=club.pk)
            ledger.award_points(
                actor=faculty,
                student_id=profile.pk,
                category_id=category.pk,
                amount=10,
                reason="Lab work",
                idempotency_key=key(),
            )
            Club.objects.create(name=f"Club {club.pk}-{i}-{count}", slug=f"c-{i}-{count}")
        EventFactory(organiser=faculty, club=club)

    return grow


def test_club_list_query_count_does_not_grow(grow_club, client_as, student, admin):
    grow_club(2)
    student_client, admin_client = client_as(student), client_as(admin)
    # session, user, own profile (balance in the navigation), the clubs with member counts
    # and whether the student belongs
    assert count_queries(student_client, "/clubs/") == 4
    # session, user, pending redemptions (the admin's navigation), the clubs with counts
    assert count_queries(admin_client, "/clubs/") == 4
    grow_club(30)
    assert count_queries(student_client, "/clubs/") == 4
    assert count_queries(admin_client, "/clubs/") == 4


def test_club_page_query_count_does_not_grow(grow_club, client_as, student, officer, club):
    grow_club(2)
    url = f"/clubs/{club.slug}/"
    client = client_as(student)
    # session, user, own profile (navigation), the club, officers, members shown, member
    # count, upcoming events, the term's points, own membership
    assert count_queries(client, url) == 10
    grow_club(30)
    assert count_queries(client, url) == 10
    assert count_queries(client_as(officer), url) == 10


def test_club_join_answer_query_count(club, client_as, student, django_assert_num_queries):
    client = client_as(student)
    # session, user, the club (view), the service's savepoint, the club, the existing
    # membership (none), savepoint, insert and their releases, the membership for the panel
    with django_assert_num_queries(11):
        client.post(f"/clubs/{club.slug}/join/", **HX)


@pytest.fixture
def registration_event(faculty, category) -> Event:
    return EventFactory(
        organiser=faculty, category=category, requires_registration=True, capacity=5
    )


def fill(event: Event, count: int, *, organiser) -> None:
    """`count` more registrations (beyond the capacity: the waitlist), the registered ones
    among them checked in."""
    profiles = [StudentFactory() for _ in range(count)]
    registered = [
        profile
        for profile in profiles
        if register(actor=profile.user, event_id=event.pk).status == Registration.Status.REGISTERED
    ]
    for profile in registered:
        check_in(actor=organiser, event_id=event.pk, student_id=profile.pk)


def test_registration_event_page_query_count_does_not_grow(
    registration_event, client_as, student, faculty
):
    fill(registration_event, 3, organiser=faculty)
    register(actor=student.user, event_id=registration_event.pk)
    url = f"/events/{registration_event.pk}/"
    client = client_as(student)
    # session, user, the event with organiser, category and club, own check-in, own reminder,
    # what they may dispute (the event is on and they are not checked in), registration
    # figures (two), own registration, own profile (navigation)
    assert count_queries(client, url) == 10
    fill(registration_event, 30, organiser=faculty)
    assert count_queries(client, url) == 10
    # the organiser: session, user, the event, the figures (two)
    assert count_queries(client_as(faculty), url) == 5


def test_registrations_page_query_count_does_not_grow(registration_event, client_as, faculty):
    fill(registration_event, 3, organiser=faculty)
    url = f"/events/{registration_event.pk}/registrations/"
    client = client_as(faculty)
    # session, user, the event, the figures (two), the page's count, the page's rows
    assert count_queries(client, url) == 7
    fill(registration_event, 30, organiser=faculty)
    assert count_queries(client, url) == 7
    assert count_queries(client, url, **HX) == 7
    assert ClubMembership.objects.count() == 0
