"""The award form's write does no more database work than it needs (issue 17): the category
the form validated is the one the service uses, read once per request."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import Transaction

pytestmark = pytest.mark.django_db


def post_form(client, student, category, action):
    body = {
        "action": action,
        "student": student.pk,
        "category": category.pk,
        "points": 5,
        "reason": "Lab assistant",
        "idempotency_key": uuid.uuid4().hex,
    }
    return client.post("/award/new/", body, HTTP_HX_REQUEST="true")


@pytest.mark.parametrize("action", ["award", "deduct"])
def test_the_category_is_read_once_per_write(client_as, faculty, student, category, action):
    client = client_as(faculty)
    assert post_form(client, student, category, "award").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = post_form(client, student, category, action)
    assert response.status_code == 200
    assert Transaction.objects.filter(student=student).count() == 2
    reads = [q["sql"] for q in queries if q["sql"].startswith('SELECT "portal_category"')]
    assert len(reads) == 1, reads


@pytest.mark.parametrize("student_id", ["9223372036854775808", "99999999999999999999999"])
def test_a_student_id_past_the_database_integers_is_an_unknown_student(
    client_as, faculty, category, student_id
):
    """The profile lock's own SQL refuses an id no row can have, as the ORM did, instead of
    passing SQLite a number it cannot store (a 500)."""
    body = {
        "action": "award",
        "student": student_id,
        "category": category.pk,
        "points": 5,
        "reason": "Lab assistant",
        "idempotency_key": uuid.uuid4().hex,
    }
    response = client_as(faculty).post("/award/new/", body, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Choose a student from the list." in response.content.decode()
    assert not Transaction.objects.exists()
