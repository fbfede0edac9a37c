"""Deep history pages read the page's ids first (HistoryQuerySet): the same rows, in the same
order, as a plain OFFSET, in the same number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.models import Transaction
from portal.selectors.ledger import HistoryQuerySet, list_history
from tests.factories import CategoryFactory, StudentFactory
from tests.helpers import award
from tests.html import find, find_all, text

pytestmark = pytest.mark.django_db

ENTRIES = 320


@pytest.fixture
def long_ledger(faculty):
    category = CategoryFactory(min_points=1, max_points=100)
    students = [StudentFactory() for _ in range(7)]
    start = timezone.now() - timedelta(days=30)
    for i in range(ENTRIES):
        # Every fifth entry shares its moment with the one before: ties in the sort.
        at = start + timedelta(minutes=i - i % 5 // 4)
        award(faculty, students[i % 7], category, 1 + i % 90, at=at)
    return students


@pytest.mark.parametrize(
    "ordering",
    [
        ("-created_at", "-id"),
        ("amount", "id"),
        ("-student__user__name", "-created_at", "-id"),
        ("category__name", "id"),
    ],
)
def test_a_deep_slice_is_the_same_rows_in_the_same_order(admin, long_ledger, ordering):
    plain = Transaction.objects.order_by(*ordering)
    deep = list_history(admin).order_by(*ordering)
    assert isinstance(deep, HistoryQuerySet)
    for start in (0, 25, HistoryQuerySet.DEEP_OFFSET, 275, 300, 315):
        expected = [t.pk for t in plain[start : start + 26]]
        assert [t.pk for t in deep[start : start + 26]] == expected, start


def test_a_deep_slice_keeps_the_filters(admin, long_ledger):
    student = long_ledger[0]
    plain = Transaction.objects.filter(amount__gt=10).order_by("-created_at", "-id")
    deep = list_history(admin).filter(amount__gt=10).order_by("-created_at", "-id")
    assert [t.pk for t in deep[260:290]] == [t.pk for t in plain[260:290]]
    own = list_history(student.user).order_by("-created_at", "-id")
    assert own.count() < HistoryQuerySet.DEEP_OFFSET  # a student's own list stays shallow
    assert [t.pk for t in own[0:26]] == [
        t.pk for t in Transaction.objects.filter(student=student).order_by("-created_at", "-id")
    ][:26]


def test_a_deep_history_page_shows_its_entries_in_as_many_queries_as_the_first(
    client_as, admin, long_ledger
):
    client = client_as(admin)
    with CaptureQueriesContext(connection) as first:
        assert client.get("/history/?sort=amount").status_code == 200
    with CaptureQueriesContext(connection) as deep:
        response = client.get("/history/?sort=amount&page=12")
    assert response.status_code == 200
    assert len(deep) == len(first)
    rows = find_all(find(response.content, "tbody"), "tr")
    # Points are the fifth column (when, student, kind, category, points, ...).
    shown = [int(text(find_all(row, "td")[4]).replace("+", "")) for row in rows]
    expected = list(Transaction.objects.order_by("amount").values_list("amount", flat=True))
    assert shown == expected[275:300]


@pytest.mark.parametrize("ordering", [("-created_at", "-id"), ("amount", "id")])
def test_a_deep_page_of_a_shaped_history_is_composed_once_per_slice(
    admin, long_ledger, ordering, django_assert_num_queries
):
    """A shaped list (`HistoryFilter.shaped_qs`) keeps its mark on a deep page, keyed by the
    slice: each slice's rows are the plain OFFSET's, and the second read composes nothing."""
    from unittest import mock

    from django.db.models.sql.compiler import SQLCompiler

    plain = list(Transaction.objects.order_by(*ordering).values_list("pk", flat=True))
    shaped = list_history(admin).shaped(("test deep pages", ordering))
    for start in (HistoryQuerySet.DEEP_OFFSET, 275, 300):
        page = shaped.order_by(*ordering)[start : start + 20]
        assert page.shape is not None
        assert [t.pk for t in page] == plain[start : start + 20], start
        with (
            mock.patch.object(
                SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql
            ) as composed,
            django_assert_num_queries(1),
        ):
            again = shaped.order_by(*ordering)[start : start + 20]
            assert [t.pk for t in again] == plain[start : start + 20], start
        assert composed.call_count == 0


def test_a_deep_page_ordered_again_is_not_served_another_orderings_rows(admin, long_ledger):
    """A deep page stays a queryset that can be ordered again: the ids picked in one ordering
    and then shown in another must not come from the SQL of ids picked in the second."""
    shaped = list_history(admin).shaped(("test deep reorder",))
    start = HistoryQuerySet.DEEP_OFFSET
    by_amount = shaped.order_by("amount", "id")[start : start + 10].order_by("created_at", "id")
    by_date = shaped.order_by("created_at", "id")[start : start + 10]
    picked_by_amount = Transaction.objects.order_by("amount", "id")[start : start + 10]
    expected = sorted(picked_by_amount, key=lambda t: (t.created_at, t.pk))
    assert [t.pk for t in by_amount] == [t.pk for t in expected]
    plain = Transaction.objects.order_by("created_at", "id")[start : start + 10]
    assert [t.pk for t in by_date] == [t.pk for t in plain]
