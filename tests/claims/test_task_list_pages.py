"""The task lists come in pages (issue 9): a student's open tasks and staff's posted tasks."""

from __future__ import annotations

import pytest

from portal.views.tasks import TASK_PAGE_SIZE
from tests.factories import TaskFactory
from tests.html import HX

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_tasks(faculty, category) -> list:
    return TaskFactory.create_batch(TASK_PAGE_SIZE + 2, created_by=faculty, category=category)


def titles(response) -> list[str]:
    return [t.title for t in response.context["page"].object_list]


def test_a_student_sees_one_page_of_open_tasks_and_a_link_to_the_next(
    client_as, student, many_tasks
):
    response = client_as(student).get("/tasks/")
    assert len(titles(response)) == TASK_PAGE_SIZE
    assert "?page=2" in response.content.decode()


def test_the_next_page_of_tasks_holds_the_rest(client_as, student, many_tasks):
    response = client_as(student).get("/tasks/?page=2")
    assert len(titles(response)) == 2
    assert "?page=1" in response.content.decode()


def test_staff_see_their_tasks_in_pages(client_as, faculty, many_tasks):
    first = titles(client_as(faculty).get("/tasks/"))
    second = titles(client_as(faculty).get("/tasks/?page=2"))
    assert len(first) == TASK_PAGE_SIZE
    assert len(second) == 2
    assert not set(first) & set(second)


@pytest.mark.parametrize("page", ["0", "x", "99", "-3", "9" * 30])
def test_a_page_out_of_range_shows_the_first(client_as, student, many_tasks, page):
    response = client_as(student).get(f"/tasks/?page={page}")
    assert response.status_code == 200
    assert len(titles(response)) == TASK_PAGE_SIZE


def test_paging_through_htmx_answers_the_list_only(client_as, student, many_tasks):
    response = client_as(student).get("/tasks/?page=2", **HX)
    body = response.content.decode()
    assert "<html" not in body
    assert 'id="task-list"' in body
