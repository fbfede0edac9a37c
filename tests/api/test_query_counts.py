"""Every read endpoint costs the same number of queries with 1 row or 30 (STYLE.md §5), and
a write a fixed number."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.services import draws as draw_services
from tests.factories import DrawFactory, EventFactory, RewardFactory, StudentFactory
from tests.helpers import let_entries_close, redeem

from .conftest import Api

pytestmark = pytest.mark.django_db


def grow(n, *, admin, faculty, student, category, give):
    """n more of everything the read endpoints list."""
    for _ in range(n):
        other = StudentFactory(department=student.department)
        give(other, 20, actor=faculty, category=category)
        give(student, 5, actor=faculty, category=category)
        reward = RewardFactory(cost=5)
        redeem(student, reward)
        EventFactory(organiser=faculty, category=category)
    draw = DrawFactory(created_by=admin, alternates_count=0)
    draw_services.enter_draw(actor=student.user, draw_id=draw.pk)
    let_entries_close(draw)
    draw_services.perform_draw(actor=admin, draw_id=draw.pk)
    return draw


def count(api: Api, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url).status_code == 200
    return len(queries)


READS = [
    "api:me",
    "api:students",
    "api:leaderboard",
    "api:categories",
    "api:rewards",
    "api:redemptions",
    "api:events",
    "api:draws",
]


@pytest.mark.parametrize("owner", ["admin", "student"])
def test_reads_do_not_grow_with_the_data(
    request, token_for, admin, faculty, student, category, give, owner
):
    for _ in range(10):
        give(student, 50, actor=admin, category=category)
    api = Api(token_for(request.getfixturevalue(owner)))
    kwargs = {"admin": admin, "faculty": faculty, "student": student, "category": category}
    draw = grow(1, give=give, **kwargs)
    urls = [reverse(name) for name in READS] + [
        reverse("api:student", args=[student.pk]),
        reverse("api:student-history", args=[student.pk]),
        reverse("api:draw-verification", args=[draw.pk]),
    ]
    api.get(reverse("api:me"))  # last_used_at is written on the first call of the minute
    small = {url: count(api, url) for url in urls}
    draw = grow(30, give=give, **kwargs)
    urls[-1] = reverse("api:draw-verification", args=[draw.pk])
    large = {url: count(api, url) for url in urls}
    assert list(small.values()) == list(large.values()), (small, large)


def test_an_award_costs_a_fixed_number_of_queries(
    token_for, faculty, student, category, django_assert_max_num_queries
):
    api = Api(token_for(faculty))
    api.get(reverse("api:me"))
    body = {"student_id": student.pk, "category_id": category.pk, "amount": 10, "reason": "Q"}
    with django_assert_max_num_queries(25):
        assert api.post(reverse("api:award"), body).status_code == 201
