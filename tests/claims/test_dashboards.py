"""What the dashboards show of claims and tasks: a student's current task and claims waiting,
the number waiting for reviewers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.claims.helpers import hand_in, make_claim, take
from tests.html import find, find_all, text

pytestmark = pytest.mark.django_db


def test_students_see_their_current_task_and_open_claims(client_as, student, capped, task):
    take(student, task)
    make_claim(student, capped, 15)
    section = text(
        find(client_as(student).get("/").content, "section", aria_labelledby="earn-title")
    )
    assert "Guide the open day" in section
    assert "In progress" in section
    assert "Volunteering" in section and "15 pts" in section


def test_students_without_either_are_shown_where_to_start(client_as, student):
    response = client_as(student).get("/")
    section = find(response.content, "section", aria_labelledby="earn-title")
    assert find(section, "a", href=reverse("portal:tasks"))
    assert find(section, "a", href=reverse("portal:claim-create"))


def test_faculty_see_how_many_items_wait_for_review(
    client_as, faculty, student, other_student, capped, task
):
    make_claim(student, capped, 15)
    hand_in(other_student, task)
    section = find(client_as(faculty).get("/").content, "section", aria_labelledby="reviews-title")
    assert "2 claims and task submissions waiting" in text(section)
    assert find(section, "a", href=reverse("portal:reviews"))


def test_admins_get_a_review_queue_button(client_as, admin, student, capped):
    make_claim(student, capped, 15)
    links = find_all(client_as(admin).get("/").content, "a", href=reverse("portal:reviews"))
    assert "Review queue (1 waiting)" in [text(a) for a in links]
