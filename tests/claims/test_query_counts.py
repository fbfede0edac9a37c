"""Query counts for the claims, tasks and review pages: exact for a small data set, and the
same with 30 times as many rows (a query per row would show)."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import Category, StudentProfile, User
from portal.services.claims import decide_claim
from portal.services.tasks import decide_task
from tests.claims.helpers import hand_in, make_claim, take
from tests.factories import CategoryFactory, DepartmentFactory, StudentFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def add_items(faculty: User, other_faculty: User, category: Category) -> Callable[..., None]:
    """`add_items(n)`: n new students over two departments, each with a claim (PDF or image)
    and a task submission (with a file or without) on a new task; from the second on, every
    third claim and task is decided (approved or rejected), so every kind of row the pages
    show is there."""
    capped = CategoryFactory(min_points=1, max_points=50, yearly_cap=500)
    departments = [DepartmentFactory(code="CS"), DepartmentFactory(code="EE")]
    counter = itertools.count()

    def grow(count: int) -> None:
        for _ in range(count):
            i = next(counter)
            profile = StudentFactory(department=departments[i % 2])
            claim = make_claim(
                profile, capped if i % 2 else category, 10, kind="pdf" if i % 2 else "png"
            )
            poster = faculty if i % 2 else other_faculty
            task = TaskFactory(category=category, created_by=poster, max_claimants=2)
            submission = hand_in(profile, task, kind=["", "png", "pdf"][i % 3])
            take(StudentFactory(department=departments[0]), task)
            if i % 3 == 1:
                decide_claim(actor=faculty, claim_id=claim.pk, decision="approve")
                decide_task(
                    actor=other_faculty,
                    assignment_id=submission.pk,
                    decision="reject",
                    comment="Not enough",
                )

    return grow


def count(client, url: str, **headers: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(queries)


HX = {"HTTP_HX_REQUEST": "true"}


# --- exact counts -------------------------------------------------------------------------------


def test_review_queue_query_count(add_items, client_as, faculty, django_assert_num_queries):
    add_items(3)
    client = client_as(faculty)
    # session, user, the union's row count, the page of rows (claims and submissions with
    # their students, departments, categories, tasks and deciders), category and department
    # filter choices
    with django_assert_num_queries(6):
        client.get("/reviews/")


def test_review_queue_fragment_query_count(add_items, client_as, admin, django_assert_num_queries):
    add_items(3)
    client = client_as(admin)
    # as the page, less the filter form's choices (not in the fragment) and the navigation
    with django_assert_num_queries(4):
        client.get("/reviews/?kind=&status=waiting&age=", **HX)


def test_filtered_review_queue_query_count(
    add_items, client_as, faculty, category, django_assert_num_queries
):
    add_items(3)
    client = client_as(faculty)
    # the fragment's four, plus validating the chosen category and department
    with django_assert_num_queries(6):
        client.get(f"/reviews/?category={category.pk}&department=1&age=new", **HX)


def test_review_count_query_count(client_as, faculty, django_assert_num_queries):
    client = client_as(faculty)
    # session, user, one count over claims and submissions, one of the check-in disputes
    with django_assert_num_queries(4):
        client.get("/reviews/count/")


def test_my_claims_query_count(add_items, client_as, student, capped, django_assert_num_queries):
    add_items(1)
    make_claim(student, capped, 10)
    client = client_as(student)
    # session, user, own profile, their claims with categories and deciders
    with django_assert_num_queries(4):
        client.get("/claims/")


def test_claim_form_query_count(client_as, student, capped, django_assert_num_queries):
    client = client_as(student)
    # session, user, own profile, active categories with the student's cap usage
    with django_assert_num_queries(4):
        client.get("/claims/new/")


def test_student_tasks_query_count(add_items, client_as, student, django_assert_num_queries):
    add_items(3)
    client = client_as(student)
    # session, user, own profile, current task, open tasks with places taken, earlier tasks
    with django_assert_num_queries(6):
        client.get("/tasks/")


def test_staff_tasks_query_count(add_items, client_as, faculty, django_assert_num_queries):
    add_items(3)
    client = client_as(faculty)
    # session, user, their tasks with counts per status
    with django_assert_num_queries(3):
        client.get("/tasks/")


# --- counts that must not grow with the data ------------------------------------------------


@pytest.mark.parametrize(
    ("role", "url", "htmx"),
    [
        ("faculty", "/reviews/", False),
        ("admin", "/reviews/", False),
        ("faculty", "/reviews/?status=approved", False),
        ("faculty", "/reviews/?status=rejected&sort=-amount", True),
        ("faculty", "/reviews/?kind=claim", True),
        ("faculty", "/reviews/?kind=task&sort=student_name", True),
        ("faculty", "/reviews/count/", False),
        ("faculty", "/tasks/", False),
        ("admin", "/tasks/", False),
        ("student", "/tasks/", False),
        ("student", "/claims/new/", False),
    ],
)
def test_query_count_does_not_grow(request, add_items, client_as, role, url, htmx):
    client = client_as(request.getfixturevalue(role))
    headers = HX if htmx else {}
    add_items(3)  # every kind of row, one of each status: less than a page
    small = count(client, url, **headers)
    add_items(30)
    assert count(client, url, **headers) == small


def test_my_claims_query_count_does_not_grow(client_as, student: StudentProfile, faculty):
    categories = [CategoryFactory(min_points=1, max_points=50) for _ in range(3)]
    client = client_as(student)
    make_claim(student, categories[0], 10)
    small = count(client, "/claims/")
    for i in range(30):
        claim = make_claim(student, categories[i % 3], 10, kind="pdf" if i % 2 else "png")
        if i % 3 == 0:
            decide_claim(actor=faculty, claim_id=claim.pk, decision="approve")
    assert count(client, "/claims/") == small


def test_staff_task_page_query_count_does_not_grow(client_as, faculty, category):
    task = TaskFactory(category=category, created_by=faculty, max_claimants=100)
    client = client_as(faculty)
    take(StudentFactory(), task)
    small = count(client, f"/tasks/{task.pk}/")
    for i in range(30):
        assignment = hand_in(StudentFactory(), task)
        if i % 2:
            decide_task(actor=faculty, assignment_id=assignment.pk, decision="approve")
    assert count(client, f"/tasks/{task.pk}/") == small
