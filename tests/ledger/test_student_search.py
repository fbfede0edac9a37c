"""The "student" search box of the history and the redemption queue (`portal/filters/common.py`):
the matching students are read first, then the rows by student id."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from portal.filters import common
from portal.filters.common import InOneArray, filter_by_student, matching_student_ids
from portal.models import StudentProfile, Transaction
from tests.factories import StudentFactory
from tests.helpers import award

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(faculty, student, other_student, category) -> None:
    award(faculty, student, category, 10, reason="Alice essay")
    award(faculty, other_student, category, 20, reason="Bob chess")


def reasons(queryset) -> set[str]:
    return set(queryset.values_list("reason", flat=True))


def test_an_enrollment_number_matches_in_any_case(student, other_student):
    assert matching_student_ids("cs001") == [student.pk]


def test_part_of_a_name_matches_in_any_case(student, other_student):
    assert sorted(matching_student_ids("STUDENT")) == sorted([student.pk, other_student.pk])


def test_nothing_matches_an_unknown_text(student):
    assert matching_student_ids("nobody") == []


def test_more_matches_than_the_cap_give_none(student, other_student):
    assert matching_student_ids("student", cap=1) is None


def test_the_cap_counts_every_matching_name(student, other_student):
    third = StudentFactory(user__name="Carol Student")
    assert matching_student_ids("student", cap=2) is None
    assert sorted(matching_student_ids("student", cap=3)) == sorted(
        [student.pk, other_student.pk, third.pk]
    )


def test_the_names_are_read_only_up_to_the_cap_where_the_database_allows(student):
    """On PostgreSQL the names' branch of the UNION carries the cap itself, so the plan stops
    at cap + 1 matches (issue 17); SQLite allows no LIMIT inside a compound statement."""
    with CaptureQueriesContext(connection) as queries:
        matching_student_ids("student", cap=7)
    (sql,) = [query["sql"] for query in queries.captured_queries]
    limited_branches = 2 if connection.features.supports_slicing_ordering_in_compound else 1
    assert sql.count("LIMIT 8") == limited_branches


def test_the_ledger_narrows_to_the_named_student(ledger):
    assert reasons(filter_by_student(Transaction.objects.all(), " CS002 ")) == {"Bob chess"}


def test_a_blank_search_leaves_the_rows_alone(ledger):
    assert reasons(filter_by_student(Transaction.objects.all(), "  ")) == {
        "Alice essay",
        "Bob chess",
    }


def test_a_broad_search_over_the_cap_still_finds_the_same_rows(monkeypatch, ledger):
    monkeypatch.setattr(common, "STUDENT_MATCH_CAP", 1)
    assert common.matching_student_ids("student") is None  # two match: over the cap
    assert reasons(filter_by_student(Transaction.objects.all(), "student")) == {
        "Alice essay",
        "Bob chess",
    }
    assert reasons(filter_by_student(Transaction.objects.all(), "cs001")) == {"Alice essay"}


def test_a_search_under_the_cap_narrows_by_the_students_ids(ledger):
    queryset = filter_by_student(Transaction.objects.all(), "student")
    # One array parameter on PostgreSQL, cast to the column's type so the list is hashed.
    by_ids = "= ANY(" if connection.vendor == "postgresql" else " IN ("
    assert by_ids in str(queryset.query)
    assert "LIKE" not in str(queryset.query)
    assert reasons(queryset) == {"Alice essay", "Bob chess"}


def test_the_ids_go_as_one_bigint_array_on_postgresql(ledger, student):
    queryset = Transaction.objects.filter(InOneArray(F("student_id"), [student.pk, None]))
    sql, params = queryset.query.sql_with_params()
    if connection.vendor == "postgresql":
        assert '"student_id" = ANY(%s::bigint[])' in sql
        assert [student.pk] in params  # the list whole, NULL left out as `IN` does
    else:
        assert '"student_id" IN (%s)' in sql
    assert reasons(queryset) == {"Alice essay"}


def test_a_subquery_stays_an_in_subquery(ledger, student):
    students = StudentProfile.objects.filter(pk=student.pk).values("pk")
    queryset = Transaction.objects.filter(InOneArray(F("student_id"), students))
    assert "ANY(" not in str(queryset.query)
    assert reasons(queryset) == {"Alice essay"}


def test_no_ids_match_no_rows_without_a_query(ledger, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert list(Transaction.objects.filter(InOneArray(F("student_id"), [None]))) == []


def test_the_history_page_filters_by_a_lower_case_enrollment_number(client_as, faculty, ledger):
    response = client_as(faculty).get("/history/?student=cs001")
    assert "Alice essay" in response.content.decode()
    assert "Bob chess" not in response.content.decode()


def test_filtered_history_query_count_does_not_grow_with_matches(
    client_as, faculty, category, ledger, django_assert_num_queries
):
    client = client_as(faculty)
    # session, user, the matching students, the entries page, category and actor choices
    with django_assert_num_queries(6):
        client.get("/history/?student=Student")
    for n in range(30):
        award(faculty, StudentFactory(user__name=f"Extra Student {n}"), category, 5)
    with django_assert_num_queries(6):
        client.get("/history/?student=Student")
