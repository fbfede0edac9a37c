"""History and its CSV export, the leaderboard, and htmx fragments against full pages."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.db.models.sql.compiler import SQLCompiler
from django.urls import reverse
from django.utils import timezone

from portal.filters.ledger import HistoryFilter
from portal.models import Transaction
from portal.selectors.ledger import list_history
from portal.services import ledger
from portal.services.accounts import set_leaderboard_visibility
from tests.conftest import key
from tests.factories import CategoryFactory, DepartmentFactory, StudentFactory
from tests.helpers import award
from tests.html import HX, find, find_all, text

pytestmark = pytest.mark.django_db


# --- history ------------------------------------------------------------------------------------


@pytest.fixture
def entries(faculty, other_faculty, student, other_student, category) -> dict[str, Transaction]:
    """A small ledger with a distinct reason per entry, so a page shows which rows it lists."""
    volunteering = CategoryFactory(name="Volunteering", min_points=1, max_points=30)
    return {
        "alice old": award(
            faculty,
            student,
            category,
            10,
            reason="Alice old essay",
            at=timezone.now() - timedelta(days=10),
        ),
        "alice award": award(faculty, student, category, 20, reason="Alice robotics prize"),
        "alice volunteering": award(
            other_faculty, student, volunteering, 5, reason="Alice library shifts"
        ),
        "alice deduction": ledger.deduct_points(
            actor=faculty,
            student_id=student.pk,
            amount=3,
            reason="Alice late return",
            idempotency_key=key(),
        ),
        "bob award": award(faculty, other_student, category, 30, reason="Bob chess final"),
    }


ALICES = {"alice old", "alice award", "alice volunteering", "alice deduction"}


def listed(response, entries: dict[str, Transaction]) -> set[str]:
    """Which of the `entries` the history table shows, by their reasons."""
    table = text(find(response.content, id="history-table"))
    return {name for name, entry in entries.items() if entry.reason in table}


def test_student_history_shows_only_their_own_entries(client_as, student, entries):
    response = client_as(student).get(reverse("portal:history"))
    assert listed(response, entries) == ALICES
    assert b"Bob chess final" not in response.content


def test_student_cannot_filter_their_way_into_another_students_history(client_as, student, entries):
    response = client_as(student).get(reverse("portal:history"), {"student": "CS002"})
    assert "bob award" not in listed(response, entries)
    assert b"Bob chess final" not in response.content


def test_staff_history_filters_by_student(client_as, faculty, entries):
    response = client_as(faculty).get(reverse("portal:history"), {"student": "cs002"})
    assert listed(response, entries) == {"bob award"}


def test_staff_history_filters_by_student_name(client_as, faculty, entries):
    response = client_as(faculty).get(reverse("portal:history"), {"student": "alice"})
    assert listed(response, entries) == ALICES


def test_staff_history_filters_by_kind(client_as, faculty, entries):
    response = client_as(faculty).get(reverse("portal:history"), {"kind": "deduction"})
    assert listed(response, entries) == {"alice deduction"}


def test_staff_history_filters_by_category(client_as, faculty, entries):
    volunteering = entries["alice volunteering"].category
    response = client_as(faculty).get(reverse("portal:history"), {"category": volunteering.pk})
    assert listed(response, entries) == {"alice volunteering"}


def test_staff_history_filters_by_actor(client_as, faculty, other_faculty, entries):
    response = client_as(faculty).get(reverse("portal:history"), {"actor": other_faculty.pk})
    assert listed(response, entries) == {"alice volunteering"}


def test_staff_history_filters_by_date_range(client_as, faculty, entries):
    today = timezone.localdate()
    response = client_as(faculty).get(
        reverse("portal:history"),
        {"date_after": today - timedelta(days=12), "date_before": today - timedelta(days=8)},
    )
    assert listed(response, entries) == {"alice old"}


def export(client, **filters: Any) -> tuple[Any, list[list[str]]]:
    response = client.get(reverse("portal:history-export"), filters)
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("\ufeff")  # the byte-order mark spreadsheets need for UTF-8
    return response, list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


EXPORT_HEADER = [
    "id",
    "time",
    "enrollment_number",
    "student",
    "kind",
    "category",
    "points",
    "reason",
    "by",
    "reverses",
]


def test_history_export_is_csv_with_a_header_row(client_as, faculty, entries):
    response, rows = export(client_as(faculty))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert rows[0] == EXPORT_HEADER
    assert len(rows) == 1 + len(entries)


def test_history_export_contains_only_the_filtered_rows(client_as, faculty, student, entries):
    _response, rows = export(client_as(faculty), kind="award", student="CS001")
    assert sorted(row[7] for row in rows[1:]) == [
        "Alice library shifts",
        "Alice old essay",
        "Alice robotics prize",
    ]
    assert {row[2] for row in rows[1:]} == {"CS001"}


def test_student_export_contains_only_their_own_rows(client_as, other_student, entries):
    _response, rows = export(client_as(other_student))
    assert [row[7] for row in rows[1:]] == ["Bob chess final"]


def test_history_export_neutralises_a_formula_in_a_reason(client_as, faculty, student, category):
    award(faculty, student, category, reason='=HYPERLINK("http://evil.test","prize")')
    _response, rows = export(client_as(faculty))
    assert rows[1][7] == '\'=HYPERLINK("http://evil.test","prize")'


@pytest.mark.parametrize(
    ("profile_fields", "column"),
    [
        pytest.param({"user__name": "=1+2"}, "student", id="student name"),
        pytest.param({"enrollment_number": "=1+2"}, "enrollment_number", id="enrollment number"),
    ],
)
def test_history_export_neutralises_a_formula_in_a_student_supplied_column(
    client_as, faculty, category, profile_fields, column
):
    # Students choose their own name and enrollment number at sign-up.
    mallory = StudentFactory(**profile_fields)
    award(faculty, mallory, category)
    _response, rows = export(client_as(faculty))
    assert rows[1][EXPORT_HEADER.index(column)] == "'=1+2"


# --- leaderboard --------------------------------------------------------------------------------


def board(response) -> str:
    return text(find(response.content, id="leaderboard"))


def test_weekly_leaderboard_counts_only_this_weeks_points(
    client_as, faculty, student, other_student, category
):
    for _ in range(3):
        award(faculty, student, category, 50, at=timezone.now() - timedelta(days=30))
    award(faculty, other_student, category, 10)
    response = client_as(None).get(reverse("portal:leaderboard"), {"period": "week"})
    assert "Bob Student" in board(response)
    assert "Alice Student" not in board(response)


def test_all_time_leaderboard_ranks_by_lifetime_points(
    client_as, faculty, student, other_student, category
):
    award(faculty, student, category, 50, at=timezone.now() - timedelta(days=30))
    award(faculty, other_student, category, 10)
    response = client_as(None).get(reverse("portal:leaderboard"))
    rows = [text(li) for li in find_all(find(response.content, "ol"), "li")]
    assert rows == ["1 Alice Student CS 50", "2 Bob Student CS 10"]


def test_department_leaderboard_lists_only_that_department(
    client_as, faculty, student, department, category
):
    engineering = DepartmentFactory(name="Electrical Engineering", code="EE")
    carol = StudentFactory(user__name="Carol Engineer", department=engineering)
    award(faculty, student, category, 10)
    award(faculty, carol, category, 40)
    response = client_as(None).get(reverse("portal:leaderboard"), {"department": engineering.pk})
    assert "Carol Engineer" in board(response)
    assert "Alice Student" not in board(response)


def test_hidden_student_shows_as_anonymous_to_others(
    client_as, faculty, student, other_student, category
):
    award(faculty, other_student, category, 30)
    set_leaderboard_visibility(profile=other_student, visible=False)
    response = client_as(student).get(reverse("portal:leaderboard"))
    assert "Anonymous student" in board(response)
    assert "Bob Student" not in board(response)


def test_hidden_student_sees_their_own_name(client_as, faculty, other_student, category):
    award(faculty, other_student, category, 30)
    set_leaderboard_visibility(profile=other_student, visible=False)
    response = client_as(other_student).get(reverse("portal:leaderboard"))
    assert "Bob Student" in board(response)
    assert "Anonymous student" not in board(response)


def test_own_rank_is_shown_when_outside_the_top_ten(
    client_as, faculty, student, department, category
):
    for _ in range(10):
        award(faculty, StudentFactory(department=department), category, 50)
    award(faculty, student, category, 10)
    response = client_as(student).get(reverse("portal:leaderboard"))
    assert "Alice Student" not in text(find(response.content, "ol"))
    assert text(find(response.content, aria_label="Your rank")) == "11 Alice Student (you) 10"


def test_htmx_leaderboard_returns_only_the_leaderboard_fragment(client_as, student):
    response = client_as(student).get(reverse("portal:leaderboard"), {"period": "month"}, **HX)
    content = response.content.decode().strip()
    assert content.startswith('<section id="leaderboard"')
    assert content.endswith("</section>")
    assert "<form" not in content


# --- htmx fragment or full page -------------------------------------------------------------------


PAGES = [
    pytest.param("student", "portal:history", "history-table", id="history"),
    pytest.param("anonymous", "portal:leaderboard", "leaderboard", id="leaderboard"),
    pytest.param("admin", "portal:user-list", "user-table", id="user list"),
]


@pytest.mark.parametrize(("role", "name", "fragment"), PAGES)
def test_htmx_request_gets_only_the_fragment(request, client_as, role, name, fragment):
    client = client_as(None if role == "anonymous" else request.getfixturevalue(role))
    response = client.get(reverse(name), **HX)
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert response.content.decode().strip().startswith(f'<section id="{fragment}"')
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(("role", "name", "fragment"), PAGES)
def test_plain_request_gets_the_full_page(request, client_as, role, name, fragment):
    client = client_as(None if role == "anonymous" else request.getfixturevalue(role))
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert b"<html" in response.content
    assert find(response.content, id=fragment)
    assert "HX-Request" in response["Vary"]


# --- each page of it composed once per process (issue 17) ---------------------------------------


def history_page(viewer, query: dict[str, Any], *, shaped: bool, sort: str = "-created_at"):
    filters = HistoryFilter(query or None, queryset=list_history(viewer), viewer=viewer)
    queryset = filters.shaped_qs() if shaped else filters.qs
    return queryset.order_by(sort, "-id")[0:3]


def described(entry: Transaction) -> tuple:
    """What the table reads of a row: its fields, its select_related rows, its annotation."""
    return (
        entry.pk,
        entry.amount,
        entry.reason,
        entry.created_at,
        entry.student.user.name,
        entry.student.enrollment_number,
        entry.category.name if entry.category else None,
        entry.actor.name,
        entry.reversed_entry_at,
    )


def test_a_page_composed_once_gives_the_rows_django_gives(
    faculty, other_faculty, student, entries, django_assert_num_queries
):
    ledger.reverse_transaction(
        actor=faculty,
        transaction_id=entries["alice award"].pk,
        reason="Entered twice",
        idempotency_key=key(),
    )
    today = timezone.localdate()
    volunteering = entries["alice volunteering"].category
    queries = [
        {},
        {"kind": "award"},
        {"category": volunteering.pk},
        {"actor": other_faculty.pk},
        {"date_after": today - timedelta(days=12), "date_before": today},
    ]
    for viewer in (faculty, student.user):
        for query in queries:
            for sort in ("-created_at", "amount"):
                expected = [
                    described(e) for e in history_page(viewer, query, shaped=False, sort=sort)
                ]
                for _ in range(2):  # composed, then run again as composed
                    page = history_page(viewer, query, shaped=True, sort=sort)
                    with django_assert_num_queries(1):
                        assert [described(e) for e in page] == expected


def test_each_student_s_page_is_composed_for_them(client_as, student, other_student, entries):
    for _ in range(2):
        assert listed(client_as(student).get(reverse("portal:history")), entries) == ALICES
        bobs = client_as(other_student).get(reverse("portal:history"), {"kind": "award"})
        assert listed(bobs, entries) == {"bob award"}


def test_the_second_request_composes_no_page(client_as, faculty, entries):
    client = client_as(faculty)
    assert client.get(reverse("portal:history"), {"kind": "award"}).status_code == 200
    composed = []
    as_sql = SQLCompiler.as_sql

    def recording(compiler, *args, **kwargs):
        sql, params = as_sql(compiler, *args, **kwargs)
        composed.append(sql)
        return sql, params

    with mock.patch.object(SQLCompiler, "as_sql", recording):
        response = client.get(reverse("portal:history"), {"kind": "award"})
    assert listed(response, entries) == {
        "alice old",
        "alice award",
        "alice volunteering",
        "bob award",
    }
    assert not [sql for sql in composed if "reversed_entry_at" in sql]


def test_a_student_search_is_composed_every_time(faculty, entries):
    """Its SQL holds the ids a read of the students matched: never kept."""
    filters = HistoryFilter({"student": "alice"}, queryset=list_history(faculty), viewer=faculty)
    assert filters.shaped_qs().shape is None
    assert HistoryFilter(None, queryset=list_history(faculty), viewer=faculty).shaped_qs().shape
