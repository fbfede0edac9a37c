"""Admin reports: totals per department and per category over a range of local days, their
CSVs, the form's refusals, who may see them and a query count that does not grow."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.forms.reports import DateRange, today
from portal.selectors.reports import category_report, department_report
from portal.services import events as event_services
from portal.services import ledger
from portal.services import rewards as reward_services
from tests.conftest import key
from tests.factories import (
    CategoryFactory,
    DepartmentFactory,
    EventFactory,
    RewardFactory,
    StudentFactory,
)
from tests.helpers import award, redeem
from tests.html import HX, find, find_all, text

pytestmark = pytest.mark.django_db

PAGE = reverse("portal:reports")


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(django_settings.TIME_ZONE))


def query(first: date, last: date) -> str:
    return f"?from={first.isoformat()}&to={last.isoformat()}"


def deduct(actor, profile, amount: int, **kwargs) -> None:
    ledger.deduct_points(
        actor=actor,
        student_id=profile.pk,
        amount=amount,
        reason="Late",
        idempotency_key=key(),
        **kwargs,
    )


@pytest.fixture
def week() -> DateRange:
    """The last seven days up to today: what the services write now falls inside."""
    return DateRange(today() - timedelta(days=6), today())


@pytest.fixture
def formula_category():
    return CategoryFactory(name="=cmd()", min_points=1, max_points=100)


@pytest.fixture
def ledger_week(week, admin, department, student, other_student, category, formula_category):
    """Computer Science: alice (award 30, deduction 5, a redemption of 15) and bob (award 20
    in "=cmd()", a check-in worth 10 in Academic merit). Electrical Engineering: carol (award
    40, award 10 reversed, a redemption of 15 cancelled and refunded). No department: dan
    (award 7 in "=cmd()"). Outside the range: 50 points a minute before it starts and a minute
    after it ends."""
    electrical = DepartmentFactory(name="Electrical Engineering", code="EE")
    carol = StudentFactory(user__name="Carol", department=electrical)
    dan = StudentFactory(user__name="Dan", department=None)
    inside = local(week.first + timedelta(days=2), 12)
    award(admin, student, category, 30, at=inside)
    deduct(admin, student, 5, at=inside)
    award(admin, other_student, formula_category, 20, at=inside)
    award(admin, carol, category, 40, at=inside)
    mistake = award(admin, carol, formula_category, 10)
    ledger.reverse_transaction(
        actor=admin, transaction_id=mistake.pk, reason="Wrong student", idempotency_key=key()
    )
    award(admin, dan, formula_category, 7, at=inside)
    event = EventFactory(category=category, attendance_points=10)
    event_services.check_in(actor=admin, event_id=event.pk, student_id=other_student.pk)
    reward = RewardFactory(cost=15)
    redeem(student, reward)
    cancelled = redeem(carol, reward)
    reward_services.cancel_redemption(actor=carol.user, redemption_id=cancelled.pk)
    award(admin, student, category, 50, at=week.start - timedelta(minutes=1))
    award(admin, other_student, category, 50, at=week.end + timedelta(minutes=1))


DEPARTMENTS = [
    # name, students, active, issued, deducted/reversed, net, spent, redemptions, check-ins
    ["Computer Science", 2, 2, 60, -5, 55, 15, 1, 1],
    ["Electrical Engineering", 1, 1, 50, -10, 40, 0, 1, 0],
    ["No department", 1, 1, 7, 0, 7, 0, 0, 0],
]
DEPARTMENT_TOTAL = ["Total", 4, 4, 117, -15, 102, 15, 2, 1]
CATEGORIES = [
    # name, awards, students reached, issued, deducted/reversed, net, share of issued
    ["=cmd()", 3, 3, 37, -10, 27, 31.6],
    ["Academic merit", 3, 3, 80, 0, 80, 68.4],
    ["No category", 0, 0, 0, -5, -5, 0.0],
]
CATEGORY_TOTAL = ["Total", 6, 4, 117, -15, 102, 100.0]


def department_cells(row) -> list:
    return [
        row.name,
        row.students,
        row.active_students,
        row.issued,
        row.taken_back,
        row.net,
        row.spent,
        row.redemptions,
        row.checkins,
    ]


def category_cells(row) -> list:
    share = None if row.share is None else round(row.share, 1)
    return [
        row.name,
        row.awards,
        row.students_reached,
        row.issued,
        row.taken_back,
        row.net,
        share,
    ]


# --- the figures ----------------------------------------------------------------------------


def test_department_totals_count_each_kind_of_entry_once(ledger_week, week):
    report = department_report(week.start, week.end)
    assert [department_cells(r) for r in report.rows] == DEPARTMENTS
    assert department_cells(report.total) == DEPARTMENT_TOTAL


def test_category_totals_count_students_reached_in_two_categories_once(ledger_week, week):
    report = category_report(week.start, week.end)
    assert [category_cells(r) for r in report.rows] == CATEGORIES
    assert category_cells(report.total) == CATEGORY_TOTAL


def test_net_minus_spent_is_how_far_balances_moved(ledger_week, week, student, other_student):
    report = department_report(week.start, week.end)
    # Every balance started at zero; the entries outside the range add 50 each to two students.
    balances = sum(p.balance for p in type(student).objects.all())
    assert report.total.net - report.total.spent == balances - 100


def test_departments_and_categories_without_entries_still_show_with_zeros(
    week, department, category
):
    assert [department_cells(r) for r in department_report(week.start, week.end).rows] == [
        ["Computer Science", 0, 0, 0, 0, 0, 0, 0, 0],
        ["No department", 0, 0, 0, 0, 0, 0, 0, 0],
    ]
    report = category_report(week.start, week.end)
    assert [category_cells(r) for r in report.rows] == [
        ["Academic merit", 0, 0, 0, 0, 0, None],
        ["No category", 0, 0, 0, 0, 0, None],
    ]


def test_days_are_counted_in_the_configured_time_zone(settings, admin, student, category):
    # Far from UTC, so a range cut at UTC midnight would take the wrong entries.
    settings.TIME_ZONE = "Asia/Kolkata"
    first = today() - timedelta(days=11)
    last = first + timedelta(days=1)
    award(admin, student, category, 5, at=local(first, 0, 30))  # counts
    award(admin, student, category, 6, at=local(last, 23, 30))  # counts
    award(admin, student, category, 7, at=local(last + timedelta(days=1), 0, 30))  # does not
    award(admin, student, category, 8, at=local(first, 0, 0) - timedelta(minutes=30))  # not
    days = DateRange(first, last)
    assert department_report(days.start, days.end).total.issued == 11


# --- the page and the CSVs ----------------------------------------------------------------------


def page_table(response, section_id: str) -> list[list[str]]:
    table = find(find(response.content, "section", id=section_id), "table")
    return [
        [text(cell) for cell in find_all(tr, "td")]
        for tr in find_all(table, "tr")
        if find_all(tr, "td")
    ]


def csv_table(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def plain(cell: str) -> str:
    return cell.replace(",", "").removesuffix(" %")


def expected(rows: list[list]) -> list[list[str]]:
    return [[str(v) for v in row] for row in rows]


def test_page_shows_both_tables_with_totals(ledger_week, week, client_as, admin):
    response = client_as(admin).get(PAGE + query(week.first, week.last))
    assert response.status_code == 200
    assert page_table(response, "department-report") == expected([*DEPARTMENTS, DEPARTMENT_TOTAL])
    categories = [[plain(c) for c in row] for row in page_table(response, "category-report")]
    assert categories == expected([*CATEGORIES, CATEGORY_TOTAL])
    assert "How these are counted" in response.content.decode()


def test_page_defaults_to_the_current_term(client_as, admin):
    response = client_as(admin).get(PAGE)
    assert response.status_code == 200
    date_range = response.context["date_range"]
    assert date_range.last == today()
    assert date_range.first <= today()
    assert find(response.content, "input", id="id_from").attributes
    assert find(response.content, "section", id="department-report")


@pytest.mark.parametrize(
    ("name", "rows", "total"),
    [
        ("portal:report-departments-csv", DEPARTMENTS, DEPARTMENT_TOTAL),
        ("portal:report-categories-csv", CATEGORIES, CATEGORY_TOTAL),
    ],
)
def test_csv_matches_the_table(ledger_week, week, client_as, admin, name, rows, total):
    client = client_as(admin)
    response = client.get(reverse(name) + query(week.first, week.last))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    header, *body = csv_table(response)
    assert len(header) == len(total)
    # The formula-like category name is neutralised; everything else is as on the page.
    safe = [["'=cmd()", *row[1:]] if row[0] == "=cmd()" else row for row in rows]
    assert body == expected([*safe, total])
    section = "department-report" if "departments" in name else "category-report"
    page = client.get(PAGE + query(week.first, week.last))
    shown = [[plain(c) for c in row] for row in page_table(page, section)]
    assert [row[1:] for row in body] == [row[1:] for row in shown]


def test_csv_never_starts_a_cell_with_a_formula(ledger_week, week, client_as, admin):
    response = client_as(admin).get(
        reverse("portal:report-categories-csv") + query(week.first, week.last)
    )
    cells = [cell for row in csv_table(response) for cell in row]
    assert "'=cmd()" in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)


def test_htmx_request_gets_the_report_fragment(week, client_as, admin):
    response = client_as(admin).get(PAGE + query(week.first, week.last), **HX)
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert find(response.content, "section", id="category-report")


# --- refusals -------------------------------------------------------------------------------


def later(days: int) -> str:
    return (today() + timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2025-03-10", "to": "2025-03-01"}, "to"),
        ({"from": "yesterday", "to": "2025-03-01"}, "from"),
        ({"from": "2025-02-30", "to": "2025-03-01"}, "from"),
        ({"from": "2025-01-01", "to": ""}, "to"),
        ({"from": "2019-01-01", "to": "2025-01-01"}, "from"),
        ({"from": later(3), "to": later(4)}, "from"),
        ({"from": "2025-01-01", "to": "9999-12-31"}, "to"),
    ],
)
def test_bad_dates_give_a_field_error_and_no_report(client_as, admin, params, field):
    response = client_as(admin).get(PAGE, params)
    assert response.status_code == 200
    wrapper = find(response.content, "div", id=f"field-{field}")
    assert find_all(wrapper, "p", role="alert"), f"no error next to {field}"
    assert not find_all(response.content, "section", id="department-report")
    assert not find_all(response.content, "section", id="category-report")
    assert "departments" not in response.context


def test_csv_with_bad_dates_goes_back_to_the_page(client_as, admin):
    response = client_as(admin).get(
        reverse("portal:report-departments-csv"), {"from": "2025-03-10", "to": "2025-03-01"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(PAGE + "?")


@pytest.mark.parametrize("role", ["student", "faculty"])
@pytest.mark.parametrize(
    "name", ["portal:reports", "portal:report-departments-csv", "portal:report-categories-csv"]
)
def test_only_admins_see_reports(request, client_as, role, name):
    response = client_as(request.getfixturevalue(role)).get(reverse(name))
    assert response.status_code == 403


# --- queries --------------------------------------------------------------------------------


def add_students(count: int, *, admin, departments, categories) -> None:
    for i in range(count):
        profile = StudentFactory(department=departments[i % len(departments)])
        award(admin, profile, categories[i % len(categories)], 20)
        deduct(admin, profile, 1)


@pytest.mark.parametrize(
    "name", ["portal:reports", "portal:report-departments-csv", "portal:report-categories-csv"]
)
def test_query_count_does_not_grow_with_students(
    week, client_as, admin, department, category, formula_category, name
):
    client = client_as(admin)
    url = reverse(name) + query(week.first, week.last)
    departments = [department, DepartmentFactory(name="Physics", code="PH"), None]
    categories = [category, formula_category]

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        assert response.status_code == 200
        return len(queries)

    add_students(2, admin=admin, departments=departments, categories=categories)
    small = count()
    add_students(38, admin=admin, departments=departments, categories=categories)
    assert count() == small


# --- quick ranges and navigation ----------------------------------------------------------------


def quick_links(response) -> dict[str, dict[str, str]]:
    form = find(response.content, "form", action=PAGE)
    return {text(a): dict(a.attributes) for a in find_all(form, "a")}


def test_quick_ranges_disable_themselves_not_a_button_they_lack(client_as, admin):
    links = quick_links(client_as(admin).get(PAGE))
    assert len(links) == 4
    assert {attrs["hx-disabled-elt"] for attrs in links.values()} == {"this"}


def test_the_default_range_marks_this_term_as_current(client_as, admin):
    links = quick_links(client_as(admin).get(PAGE))
    assert links["This term"]["aria-current"] == "true"
    assert "aria-current" not in links["Last term"]


def test_a_range_of_its_own_marks_no_quick_range(client_as, admin):
    links = quick_links(client_as(admin).get(PAGE, {"from": "2025-01-02", "to": "2025-01-03"}))
    assert not [label for label, attrs in links.items() if "aria-current" in attrs]


@pytest.mark.parametrize(
    "name", ["portal:reports", "portal:audit-log", "portal:reward-admin", "portal:draw-create"]
)
def test_the_admin_menu_is_highlighted_on_admin_pages(client_as, admin, name):
    summary = find(client_as(admin).get(reverse(name)).content, "summary")
    assert "nav-link-active" in dict(summary.attributes)["class"].split()
