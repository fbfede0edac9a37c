"""Query counts of the draw pages: exact numbers, and the same number whatever the data size
(entrants, winners, draws). Every count includes the two queries a signed-in request always
makes (session, user); an anonymous request makes none. The general pages' counts are in
tests/test_query_counts.py."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from portal.models import Draw, DrawWinner
from portal.services import draws as draw_services
from tests.draws.conftest import check_in, enter, entrants, expire, perform, rig_for
from tests.factories import DrawFactory, RewardFactory, StudentFactory
from tests.helpers import let_entries_close, page_queries
from tests.html import HX

pytestmark = pytest.mark.django_db


def count_queries(client: Client, url: str, method: str = "get", **headers: str) -> int:
    """A page's queries (`page_queries`), or those of one POST (`method="post"`)."""
    if method == "get":
        return page_queries(client, url, **headers)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, **headers)
    assert response.status_code == 200, response.status_code
    return len(queries)


@pytest.fixture
def add_draws(admin, event, student) -> Callable[[int], list[Draw]]:
    """`add_draws(n)`: n draws of every kind in turn: open ones (points, a reward, words only,
    one for the event's attendees, one `student` entered) and performed ones (one `student`
    won, one they are an alternate in, one they lost), each with three entrants."""
    counter = itertools.count()
    reward = RewardFactory(name="Mug")

    def grow(count: int) -> list[Draw]:
        made = []
        for _ in range(count):
            i = next(counter)
            kind = i % 6
            fields: dict[str, object] = {"created_by": admin, "alternates_count": 1}
            if kind == 0:
                fields["prize_points"] = 20
            elif kind == 1:
                fields["reward"] = reward
            elif kind == 2:
                fields["event"] = event
            elif kind == 3:
                fields.update(event=event, eligibility=Draw.Eligibility.ATTENDEES)
            draw = DrawFactory(**fields)
            if kind in (0, 1, 4, 5):
                enter(draw, *[StudentFactory() for _ in range(3)])
            if kind in (4, 5):
                if kind == 4:
                    enter(draw, student)
                let_entries_close(draw)
                draw_services.perform_draw(actor=admin, draw_id=draw.pk)
            made.append(draw)
        return made

    return grow


def drawn_with(admin, student, *, others: int, winners: int = 1, alternates: int = 1) -> Draw:
    """A performed draw `student` won among `others` new entrants, with `winners` and
    `alternates` picks."""
    draw = DrawFactory(created_by=admin, winners_count=winners, alternates_count=alternates)
    enter(draw, student)
    entrants(draw, others)
    rig_for(draw, student)
    perform(draw, admin)
    return draw


# --- exact counts -------------------------------------------------------------------------------


def test_student_draw_list_query_count(add_draws, client_as, student, django_assert_num_queries):
    add_draws(6)
    client = client_as(student)
    # session, user, own profile, the open draws with counts and the student's standing,
    # the performed ones likewise
    with django_assert_num_queries(5):
        client.get("/draws/")


def test_admin_draw_list_query_count(add_draws, client_as, admin, django_assert_num_queries):
    add_draws(6)
    client = client_as(admin)
    # session, user, pending redemptions (the queue badge in the navigation), the open draws
    # with their entry counts, the performed ones
    with django_assert_num_queries(5):
        client.get("/draws/")


def test_open_draw_detail_query_count_for_a_student(
    client_as, admin, student, django_assert_num_queries
):
    draw = DrawFactory(created_by=admin)
    entrants(draw, 3)
    client = client_as(student)
    # session, user, own profile, the draw with its event, reward, people and the student's
    # standing
    with django_assert_num_queries(4):
        client.get(f"/draws/{draw.pk}/")


def test_drawn_draw_detail_query_count_for_the_winner(
    client_as, admin, student, django_assert_num_queries
):
    draw = drawn_with(admin, student, others=3)
    client = client_as(student)
    # session, user, own profile, the draw, the picks with their students
    with django_assert_num_queries(5):
        client.get(f"/draws/{draw.pk}/")


def test_drawn_draw_detail_query_count_for_an_admin(
    client_as, admin, student, django_assert_num_queries
):
    draw = drawn_with(admin, student, others=3)
    client = client_as(admin)
    # session, user, pending redemptions (the queue badge in the navigation), the draw, the
    # picks with their students
    with django_assert_num_queries(5):
        client.get(f"/draws/{draw.pk}/")


def test_verify_page_query_count_for_anonymous_visitors(
    client_as, admin, student, django_assert_num_queries
):
    draw = drawn_with(admin, student, others=3)
    client = client_as(None)
    # the draw, its entries (read once for the checks and the list), its picks
    with django_assert_num_queries(3):
        client.get(f"/draws/{draw.pk}/verify/")


def test_verify_page_query_count_for_an_entrant(
    client_as, admin, student, django_assert_num_queries
):
    draw = drawn_with(admin, student, others=3)
    client = client_as(student)
    # session, user, own profile, the draw, its entries, its picks, the viewer's own entry
    with django_assert_num_queries(7):
        client.get(f"/draws/{draw.pk}/verify/")


def test_screen_query_counts(client_as, admin, student, django_assert_num_queries):
    draw = DrawFactory(created_by=admin)
    entrants(draw, 3)
    client = client_as(admin)
    # session, user, the draw with its entry count
    with django_assert_num_queries(3):
        client.get(f"/draws/{draw.pk}/screen/")
    perform(draw, admin)
    # ... and, once drawn, the picks with their students
    with django_assert_num_queries(4):
        client.get(f"/draws/{draw.pk}/screen/")


# --- counts that must not grow with the data ----------------------------------------------


@pytest.mark.parametrize("role", ["student", "faculty", "admin"])
def test_draw_list_query_count_does_not_grow(request, add_draws, client_as, role):
    client = client_as(request.getfixturevalue(role))
    add_draws(6)
    small = count_queries(client, "/draws/")
    add_draws(24)
    assert count_queries(client, "/draws/") == small


@pytest.mark.parametrize("role", ["student", "faculty", "admin"])
def test_dashboard_query_count_does_not_grow_with_draws(request, add_draws, client_as, role):
    client = client_as(request.getfixturevalue(role))
    add_draws(6)
    small = count_queries(client, "/")
    add_draws(24)
    assert count_queries(client, "/") == small


@pytest.mark.parametrize("role", ["student", "other_student", "admin"])
def test_open_draw_pages_do_not_grow_with_entrants(request, client_as, admin, student, role):
    draw = DrawFactory(created_by=admin)
    enter(draw, student)
    client = client_as(request.getfixturevalue(role))
    urls = [f"/draws/{draw.pk}/"] + ([f"/draws/{draw.pk}/screen/"] if role == "admin" else [])
    entrants(draw, 3)
    small = [count_queries(client, u) for u in urls]
    entrants(draw, 27)
    assert [count_queries(client, u) for u in urls] == small


def test_the_attendees_screen_does_not_grow_with_check_ins(client_as, admin, event):
    draw = DrawFactory(created_by=admin, event=event, eligibility=Draw.Eligibility.ATTENDEES)
    client = client_as(admin)
    check_in(event, *[StudentFactory() for _ in range(3)], by=admin)
    small = count_queries(client, f"/draws/{draw.pk}/screen/")
    check_in(event, *[StudentFactory() for _ in range(27)], by=admin)
    assert count_queries(client, f"/draws/{draw.pk}/screen/") == small


@pytest.mark.parametrize("role", [None, "student", "other_student", "faculty", "admin"])
def test_drawn_draw_pages_do_not_grow_with_entrants_or_picks(
    request, client_as, admin, student, role
):
    client = client_as(request.getfixturevalue(role) if role else None)

    def counts(draw: Draw) -> list[int]:
        urls = [f"/draws/{draw.pk}/verify/"]
        if role:
            urls.append(f"/draws/{draw.pk}/")
        if role == "admin":
            urls.append(f"/draws/{draw.pk}/screen/")
        return [count_queries(client, u) for u in urls]

    small = counts(drawn_with(admin, student, others=3, winners=1, alternates=1))
    large = drawn_with(admin, student, others=30, winners=10, alternates=10)
    # Some others' picks claimed, some forfeited and passed on: every status the pages render,
    # while `student` still sees their own prize to claim, as in the small draw.
    others = DrawWinner.objects.filter(draw=large).exclude(entry__student=student)
    for pick in list(others.filter(is_alternate=False))[:3]:
        expire(pick)
        draw_services.pass_to_alternate(actor=admin, winner_id=pick.pk)
    for pick in others.filter(status=DrawWinner.Status.OFFERED)[:3]:
        draw_services.claim_prize(actor=pick.entry.student.user, winner_id=pick.pk)
    assert counts(large) == small


def test_entering_via_htmx_query_count_does_not_grow(client_as, admin, student):
    draw = DrawFactory(created_by=admin)
    entrants(draw, 3)
    client = client_as(student)
    small = count_queries(client, f"/draws/{draw.pk}/enter/", "post", **HX)
    other = DrawFactory(created_by=admin)
    entrants(other, 30)
    assert count_queries(client, f"/draws/{other.pk}/enter/", "post", **HX) == small
