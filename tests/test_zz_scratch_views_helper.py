from __future__ import annotations
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from tests.conftest import key
pytestmark = pytest.mark.django_db

def test_dump(client_as, faculty, admin, student, other_student, category, give, department):
    give(student, 10, actor=faculty, category=category)
    give(other_student, 20, actor=admin, category=category)
    pages = [
        (student, "/"), (faculty, "/"), (admin, "/"), (student, "/history/"), (faculty, "/history/"),
        (student, "/leaderboard/"), (student, "/leaderboard/?period=week"), (student, f"/leaderboard/?department={department.pk}"),
        (None, "/leaderboard/"), (admin, "/staff/people/"), (student, "/settings/"),
    ]
    for who, url in pages:
        c = client_as(who)
        with CaptureQueriesContext(connection) as ctx:
            r = c.get(url)
        print(who, url, r.status_code, len(ctx))
        for q in ctx.captured_queries:
            print("    ", q["sql"][:200])
