"""Query counts of the hot pages: exact numbers, and the same number whatever the data size.

Every count includes the two queries a signed-in request always makes (session, user). When a
count changes on purpose, update the number here and say why in the change."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from portal.models import Category, Department, StudentProfile, User
from portal.services import ledger
from tests.conftest import key
from tests.factories import DepartmentFactory, StudentFactory

pytestmark = pytest.mark.django_db

_amounts = itertools.count()


def award(actor: User, profile: StudentProfile, category: Category, amount: int) -> None:
    ledger.award_points(
        actor=actor,
        student_id=profile.pk,
        category_id=category.pk,
        amount=amount,
        reason="Lab work",
        idempotency_key=key(),
    )


def add_students(
    count: int, *, departments: list[Department], category: Category, actors: list[User]
) -> None:
    """`count` students spread over `departments`, each with two awards and one deduction by
    rotating actors, one award reversed: every kind of row the pages render. Everybody earns
    at least 20 points, so the `student` fixture (5 points) stays outside every top ten."""
    for i in range(count):
        profile = StudentFactory(department=departments[i % len(departments)])
        actor = actors[i % len(actors)]
        award(actor, profile, category, 20 + next(_amounts) % 30)
        award(actors[(i + 1) % len(actors)], profile, category, 20 + next(_amounts) % 30)
        ledger.deduct_points(
            actor=actor, student_id=profile.pk, amount=1, reason="Late", idempotency_key=key()
        )
        if i % 5 == 0:
            first = profile.transactions.order_by("id").first()
            ledger.reverse_transaction(
                actor=first.actor, transaction_id=first.pk, reason="Typo", idempotency_key=key()
            )
            award(actor, profile, category, 20)


@pytest.fixture
def other_department() -> Department:
    return DepartmentFactory(name="Electrical Engineering", code="EE")


@pytest.fixture
def populate(
    department, other_department, category, student, other_student, faculty, other_faculty, admin
) -> Callable[..., None]:
    """Grow the data: `populate(n)` adds n students with entries (in the `student` fixture's
    department, or spread over two with `mixed=True`) and gives the `student` fixture
    `own_entries` more entries of its own: +5 up to 15 lifetime points, then -5 and +5 in turn.
    Everybody else has more, so the student stays outside every top ten and the pages take the
    same path before and after growing."""
    actors = [faculty, other_faculty, admin]

    def grow(count: int, *, mixed: bool = False, own_entries: int = 2) -> None:
        departments = [department, other_department] if mixed else [department]
        add_students(count, departments=departments, category=category, actors=actors)
        for i in range(own_entries):
            actor = actors[i % len(actors)]
            if student.lifetime_points < 15:
                award(actor, student, category, 5)
            else:
                ledger.deduct_points(
                    actor=actor, student_id=student.pk, amount=5, reason="Late", idempotency_key=key()
                )
            student.refresh_from_db()

    return grow


@pytest.fixture
def small_data(populate) -> None:
    populate(10)


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# --- exact counts -------------------------------------------------------------------------------


def test_student_dashboard_query_count(small_data, client_as, student, django_assert_num_queries):
    client = client_as(student)
    # session, user, own profile, standing, recent activity, top five, rank outside the top
    # five, own department
    with django_assert_num_queries(8):
        client.get("/")


def test_faculty_dashboard_query_count(small_data, client_as, faculty, django_assert_num_queries):
    client = client_as(faculty)
    # session, user, active categories, recent awards
    with django_assert_num_queries(4):
        client.get("/")


def test_admin_dashboard_query_count(small_data, client_as, admin, django_assert_num_queries):
    client = client_as(admin)
    # session, user, active categories, recent awards, week figures
    with django_assert_num_queries(5):
        client.get("/")


def test_student_history_query_count(small_data, client_as, student, django_assert_num_queries):
    client = client_as(student)
    # session, user, entries page, own profile, standing, category filter choices
    with django_assert_num_queries(6):
        client.get("/history/")


def test_staff_history_query_count(small_data, client_as, faculty, django_assert_num_queries):
    client = client_as(faculty)
    # session, user, entries page, category filter choices, actor filter choices
    with django_assert_num_queries(5):
        client.get("/history/")


def test_filtered_staff_history_query_count(
    small_data, client_as, admin, category, django_assert_num_queries
):
    client = client_as(admin)
    # as above, plus validating the chosen category
    with django_assert_num_queries(6):
        client.get(f"/history/?kind=award&category={category.pk}&student=CS&sort=-amount")


def test_all_time_leaderboard_query_count(
    small_data, client_as, student, django_assert_num_queries
):
    client = client_as(student)
    # session, user, viewer's profile, top ten, viewer's rank and department (for their own row
    # below the top ten), department choices
    with django_assert_num_queries(7):
        client.get("/leaderboard/")


def test_weekly_leaderboard_query_count(small_data, client_as, student, django_assert_num_queries):
    client = client_as(student)
    # session, user, viewer's profile, period totals, their profiles, viewer's period points,
    # rank and department, department choices
    with django_assert_num_queries(9):
        client.get("/leaderboard/?period=week")


def test_department_leaderboard_query_count(
    small_data, client_as, student, department, django_assert_num_queries
):
    client = client_as(student)
    # session, user, chosen department, viewer's profile, top ten, viewer's rank and
    # department, department choices
    with django_assert_num_queries(8):
        client.get(f"/leaderboard/?department={department.pk}")


def test_anonymous_leaderboard_query_count(small_data, client_as, django_assert_num_queries):
    client = client_as(None)
    # top ten, department choices
    with django_assert_num_queries(2):
        client.get("/leaderboard/")


def test_user_list_query_count(small_data, client_as, admin, django_assert_num_queries):
    client = client_as(admin)
    # session, user, count, page of users with their profiles and departments
    with django_assert_num_queries(4):
        client.get("/staff/people/")


def test_user_list_search_query_count(small_data, client_as, admin, django_assert_num_queries):
    client = client_as(admin)
    with django_assert_num_queries(4):
        client.get("/staff/people/?q=student&role=student", HTTP_HX_REQUEST="true")


# --- counts that must not grow with the data -------------------------------------------------------


@pytest.mark.parametrize("role", ["student", "faculty", "admin"])
def test_dashboard_query_count_does_not_grow(request, populate, client_as, role):
    client = client_as(request.getfixturevalue(role))
    populate(10)
    small = count_queries(client, "/")
    populate(190, mixed=True, own_entries=20)
    assert count_queries(client, "/") == small


@pytest.mark.parametrize("role", ["student", "faculty"])
def test_history_query_count_does_not_grow(request, populate, client_as, role):
    client = client_as(request.getfixturevalue(role))
    populate(10)  # fewer entries than a page for the student; about a page for staff
    small = count_queries(client, "/history/")
    populate(190, mixed=True, own_entries=40)
    assert count_queries(client, "/history/") == small


@pytest.mark.parametrize(
    ("role", "query"),
    [
        ("student", ""),
        ("student", "?period=week"),
        ("student", "?department=CS"),
        ("anonymous", "?top=50"),
        ("anonymous", "?top=50&period=week"),
    ],
)
def test_leaderboard_query_count_does_not_grow(
    request, populate, client_as, department, role, query
):
    client = client_as(None if role == "anonymous" else request.getfixturevalue(role))
    url = "/leaderboard/" + query.replace("=CS", f"={department.pk}")
    populate(10)  # the anonymous top 50 is not full yet: a query per row would show
    small = count_queries(client, url)
    populate(190, mixed=True)
    assert count_queries(client, url) == small
