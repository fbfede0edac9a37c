"""Pages through the test client: the award form, bulk award, reversal, history and its CSV
export, the leaderboard, htmx fragments against full pages, the admin pages for people and
categories, the privacy setting and the health check.

Errors are asserted inside the element they belong to (`find(..., id=...)`), so "shown next to
the field" is what is tested, not merely "somewhere on the page"."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test.html import Element, normalize_whitespace, parse_html
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditLog, Category, StudentProfile, Transaction, User
from portal.services import ledger
from portal.services.accounts import set_leaderboard_visibility
from tests.conftest import key, ledger_total
from tests.factories import CategoryFactory, DepartmentFactory, StudentFactory

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


# --- helpers ------------------------------------------------------------------------------------


def find_all(html: str | bytes | Element, tag: str | None = None, **attrs: str) -> list[Element]:
    """Elements with tag `tag` (any if None) carrying all of `attrs`, in document order; write
    aria-label as aria_label."""
    root = (
        html
        if isinstance(html, Element)
        else parse_html(html.decode() if isinstance(html, bytes) else html)
    )
    wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
    found = []
    pending: list[Element | str] = [root]
    while pending:
        node = pending.pop(0)
        if isinstance(node, str):
            continue
        if (tag is None or node.name == tag) and wanted.items() <= dict(node.attributes).items():
            found.append(node)
        pending[:0] = node.children
    return found


def find(html: str | bytes | Element, tag: str | None = None, **attrs: str) -> Element:
    """The first element matching, as `find_all`; fails the test when there is none."""
    found = find_all(html, tag, **attrs)
    assert found, f"no <{tag or '*'}> with {attrs}"
    return found[0]


def text(node: Element | str) -> str:
    if isinstance(node, str):
        return node
    return normalize_whitespace(" ".join(text(child) for child in node.children)).strip()


def award(
    actor: User,
    profile: StudentProfile,
    category: Category,
    amount: int = 20,
    *,
    reason: str = "Great work",
    **kwargs: Any,
) -> Transaction:
    return ledger.award_points(
        actor=actor,
        student_id=profile.pk,
        category_id=category.pk,
        amount=amount,
        reason=reason,
        idempotency_key=kwargs.pop("idempotency_key", key()),
        **kwargs,
    )


def award_data(student: StudentProfile, category: Category, /, **overrides: Any) -> dict[str, Any]:
    """What the award form posts; a valid award of 20 points unless overridden."""
    data = {
        "action": "award",
        "student": student.pk,
        "category": category.pk,
        "points": 20,
        "reason": "Won the regional hackathon",
        "idempotency_key": key(),
    }
    return {**data, **overrides}


def balance(profile: StudentProfile) -> int:
    profile.refresh_from_db()
    return profile.balance


# --- award form ---------------------------------------------------------------------------------


def test_htmx_award_credits_the_student_and_returns_the_form_with_a_success_message(
    client_as, faculty, student, category
):
    response = client_as(faculty).post(
        reverse("portal:award-create"), award_data(student, category), **HX
    )
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert text(find(response.content, role="status")).startswith(
        "Awarded 20 points to Alice Student."
    )
    assert balance(student) == 20


def test_htmx_award_tells_the_page_that_points_changed(client_as, faculty, student, category):
    response = client_as(faculty).post(
        reverse("portal:award-create"), award_data(student, category), **HX
    )
    assert "points-changed" in response["HX-Trigger"]


def test_award_without_htmx_redirects_to_the_dashboard_with_a_message(
    client_as, faculty, student, category
):
    client = client_as(faculty)
    response = client.post(reverse("portal:award-create"), award_data(student, category))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:dashboard")
    assert b"Awarded 20 points to Alice Student." in client.get(response["Location"]).content
    assert balance(student) == 20


BAD_AWARDS = [
    pytest.param(
        {"points": 51},
        "points-field",
        "Academic merit awards between 5 and 50 points.",
        id="points above the category maximum",
    ),
    pytest.param(
        {"points": 4},
        "points-field",
        "Academic merit awards between 5 and 50 points.",
        id="points below the category minimum",
    ),
    pytest.param(
        {"points": -5},
        "points-field",
        "Ensure this value is greater than or equal to 1.",
        id="negative points",
    ),
    pytest.param(
        {"points": 10**9},
        "points-field",
        "Ensure this value is less than or equal to 100000.",
        id="huge points",
    ),
    pytest.param(
        {"points": "abc"}, "points-field", "Enter a whole number.", id="non-numeric points"
    ),
    pytest.param({"reason": ""}, "div_id_reason", "This field is required.", id="missing reason"),
    pytest.param({"reason": "   "}, "div_id_reason", "This field is required.", id="blank reason"),
    pytest.param(
        {"student": 999_999},
        "student-error",
        "Choose a student from the list.",
        id="unknown student",
    ),
    pytest.param(
        {"student": ""}, "student-error", "Search for a student and choose one.", id="no student"
    ),
]


@pytest.mark.parametrize(("overrides", "container", "message"), BAD_AWARDS)
def test_award_form_shows_the_error_next_to_the_field_and_writes_nothing(
    client_as, faculty, student, category, overrides, container, message
):
    before = ledger_total()
    response = client_as(faculty).post(
        reverse("portal:award-create"), award_data(student, category, **overrides), **HX
    )
    assert response.status_code == 200
    assert message in text(find(response.content, id=container))
    assert ledger_total() == before
    assert "HX-Trigger" not in response


def test_award_form_keeps_the_input_after_an_error(client_as, faculty, student, category):
    response = client_as(faculty).post(
        reverse("portal:award-create"),
        award_data(student, category, points=51, reason="Robotics final"),
        **HX,
    )
    assert dict(find(response.content, id="id_points").attributes)["value"] == "51"
    assert "Robotics final" in text(find(response.content, id="id_reason"))


def test_award_refuses_another_actors_replayed_key(
    client_as, faculty, other_faculty, student, category
):
    replayed = key()
    award(faculty, student, category, idempotency_key=replayed)
    before = ledger_total()
    response = client_as(other_faculty).post(
        reverse("portal:award-create"),
        award_data(student, category, idempotency_key=replayed),
        **HX,
    )
    assert response.status_code == 200
    assert "This form was already used" in text(find(response.content, role="alert"))
    assert ledger_total() == before


def test_award_submitted_twice_with_the_same_key_creates_one_entry(
    client_as, faculty, student, category
):
    client = client_as(faculty)
    data = award_data(student, category)
    first = client.post(reverse("portal:award-create"), data, **HX)
    second = client.post(reverse("portal:award-create"), data, **HX)
    assert first.status_code == second.status_code == 200
    assert ledger_total() == (1, 20)
    assert balance(student) == 20


def test_deduct_takes_points_from_the_student(client_as, faculty, student, category, give):
    give(student, 20, actor=faculty, category=category)
    response = client_as(faculty).post(
        reverse("portal:award-create"),
        award_data(student, category, action="deduct", points=5, reason="Damaged lab kit"),
        **HX,
    )
    assert text(find(response.content, role="status")).startswith(
        "Deducted 5 points from Alice Student."
    )
    assert "points-changed" in response["HX-Trigger"]
    assert balance(student) == 15


def test_deduct_refuses_to_overdraw_with_a_message(client_as, faculty, student, category, give):
    give(student, 20, actor=faculty, category=category)
    before = ledger_total()
    response = client_as(faculty).post(
        reverse("portal:award-create"),
        award_data(student, category, action="deduct", points=21, reason="Damaged lab kit"),
        **HX,
    )
    assert response.status_code == 200
    assert "Alice Student has only 20 points" in text(find(response.content, id="points-field"))
    assert ledger_total() == before
    assert balance(student) == 20


# --- bulk award ---------------------------------------------------------------------------------


def bulk_data(category: Category, lines: str, /, **overrides: Any) -> dict[str, Any]:
    data = {
        "category": category.pk,
        "points": 10,
        "reason": "Open day helpers",
        "enrollment_numbers": lines,
        "idempotency_key": key(),
    }
    return {**data, **overrides}


def test_bulk_award_awards_every_pasted_line(client_as, faculty, student, other_student, category):
    client = client_as(faculty)
    response = client.post(
        reverse("portal:award-bulk"), bulk_data(category, "CS001\n\ncs002, 30\n")
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:award-bulk")
    assert (balance(student), balance(other_student)) == (10, 30)
    assert b"Awarded 40 points to 2 students" in client.get(response["Location"]).content


def test_htmx_bulk_award_sends_the_browser_back_to_an_empty_form(
    client_as, faculty, student, category
):
    response = client_as(faculty).post(
        reverse("portal:award-bulk"), bulk_data(category, "CS001"), **HX
    )
    assert response["HX-Redirect"] == reverse("portal:award-bulk")
    assert balance(student) == 10


def test_bulk_award_with_bad_lines_writes_nothing_and_lists_every_bad_line(
    client_as, faculty, student, other_student, category
):
    lines = "CS001\nXX999\nCS001\nCS002, abc"
    response = client_as(faculty).post(
        reverse("portal:award-bulk"), bulk_data(category, lines), **HX
    )
    assert response.status_code == 200
    alert = find(response.content, role="alert")
    assert "Nothing was applied: 3 lines need fixing." in text(alert)
    rows = [text(row) for row in find_all(find(alert, "tbody"), "tr")]
    assert rows == [
        "2 XX999 No active student has this enrollment number.",
        "3 CS001 Listed twice (first on line 1).",
        "4 CS002, abc “abc” is not a whole number of points.",
    ]
    assert ledger_total() == (0, 0)


def test_bulk_form_submitted_twice_with_the_same_key_awards_once(
    client_as, faculty, student, other_student, category
):
    client = client_as(faculty)
    data = bulk_data(category, "CS001\nCS002")
    client.post(reverse("portal:award-bulk"), data)
    client.post(reverse("portal:award-bulk"), data)
    assert ledger_total() == (2, 20)
    assert (balance(student), balance(other_student)) == (10, 10)


def test_bulk_award_refuses_another_actors_replayed_key(
    client_as, faculty, other_faculty, student, other_student, category
):
    data = bulk_data(category, "CS001\nCS002")
    client_as(faculty).post(reverse("portal:award-bulk"), data)
    before = ledger_total()
    response = client_as(other_faculty).post(reverse("portal:award-bulk"), data, **HX)
    # As for a single award: another actor's key is a reused or forged form, not a retry, and
    # must not be answered with the first actor's "Awarded ..." success.
    assert response.status_code == 200
    assert "This form was already used" in text(find(response.content, role="alert"))
    assert ledger_total() == before


# --- award form helpers -------------------------------------------------------------------------


def test_points_field_is_prefilled_and_bounded_by_the_category(client_as, faculty, category):
    response = client_as(faculty).get(
        reverse("portal:award-points-field"), {"category": category.pk}, **HX
    )
    points = dict(find(response.content, id="id_points").attributes)
    assert (points["value"], points["min"], points["max"]) == ("20", "5", "50")


def test_student_search_finds_students_by_enrollment_number(
    client_as, faculty, student, other_student
):
    response = client_as(faculty).get(reverse("portal:student-search"), {"q": "cs002"}, **HX)
    choices = find_all(response.content, "input", name="student")
    assert [dict(choice.attributes)["value"] for choice in choices] == [str(other_student.pk)]


def test_balance_badge_shows_the_students_balance(client_as, faculty, student, category, give):
    give(student, 20, actor=faculty, category=category)
    response = client_as(student).get(reverse("portal:balance-badge"), **HX)
    assert text(find(response.content, id="balance-badge")) == "20 pts"


# --- reversal -----------------------------------------------------------------------------------


def reverse_url(entry: Transaction) -> str:
    return reverse("portal:transaction-reverse", kwargs={"pk": entry.pk})


def reverse_data(**overrides: Any) -> dict[str, Any]:
    return {"reason": "Wrong student", "idempotency_key": key(), **overrides}


def test_faculty_reverses_their_own_recent_award(client_as, faculty, student, category, give):
    entry = give(student, 20, actor=faculty, category=category)
    response = client_as(faculty).post(reverse_url(entry), reverse_data(), **HX)
    assert response.status_code == 200
    assert "points-changed" in response["HX-Trigger"]
    assert "Reversed: Wrong student" in text(find(response.content, id="recent-awards"))
    reversal = Transaction.objects.get(reverses=entry)
    assert (reversal.kind, reversal.amount, reversal.actor) == ("reversal", -20, faculty)
    assert balance(student) == 0


def test_second_reversal_is_refused_with_a_message(client_as, faculty, student, category, give):
    entry = give(student, 20, actor=faculty, category=category)
    client = client_as(faculty)
    client.post(reverse_url(entry), reverse_data())
    before = ledger_total()
    response = client.post(reverse_url(entry), reverse_data(), follow=True)
    assert "This entry has already been reversed." in text(find(response.content, id="messages"))
    assert ledger_total() == before
    assert balance(student) == 0


def test_faculty_cannot_reverse_an_award_older_than_24_hours(client_as, faculty, student, category):
    entry = award(faculty, student, category, at=timezone.now() - timedelta(hours=25))
    before = ledger_total()
    response = client_as(faculty).post(reverse_url(entry), reverse_data(), follow=True)
    assert "Awards can be reversed for 24 hours" in text(find(response.content, id="messages"))
    assert ledger_total() == before
    assert balance(student) == 20


def test_admin_can_reverse_an_award_older_than_24_hours(
    client_as, faculty, admin, student, category
):
    entry = award(faculty, student, category, at=timezone.now() - timedelta(days=30))
    response = client_as(admin).post(reverse_url(entry), reverse_data(), follow=True)
    assert "The entry was reversed." in text(find(response.content, id="messages"))
    assert Transaction.objects.get(reverses=entry).actor == admin
    assert balance(student) == 0


@pytest.mark.parametrize(
    ("age", "reverse_first", "message"),
    [
        pytest.param(
            timedelta(0), True, "This entry has already been reversed.", id="already reversed"
        ),
        pytest.param(
            timedelta(hours=25), False, "Awards can be reversed for 24 hours", id="too old"
        ),
    ],
)
def test_htmx_reversal_refusal_is_shown_next_to_the_entry(
    client_as, faculty, student, category, age, reverse_first, message
):
    # The reverse button of a page rendered earlier (another tab, or just before the window
    # closed) still posts; the answer must say why nothing happened.
    entry = award(faculty, student, category, at=timezone.now() - age)
    client = client_as(faculty)
    if reverse_first:
        client.post(reverse_url(entry), reverse_data(), **HX)
    before = ledger_total()
    response = client.post(reverse_url(entry), reverse_data(), **HX)
    assert response.status_code == 200
    assert ledger_total() == before
    assert message in text(find(response.content, id="recent-awards"))


def test_reversal_needs_a_reason(client_as, faculty, student, category, give):
    entry = give(student, 20, actor=faculty, category=category)
    before = ledger_total()
    response = client_as(faculty).post(reverse_url(entry), reverse_data(reason=""), **HX)
    assert "Give a reason for the reversal." in text(find(response.content, role="alert"))
    assert ledger_total() == before


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
    return response, list(csv.reader(io.StringIO(body)))


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


# --- admin pages: people and roles ----------------------------------------------------------------


def test_admin_creates_a_faculty_account_that_gets_a_password_link(client_as, admin, mailoutbox):
    response = client_as(admin).post(
        reverse("portal:user-create"),
        {"name": "Prof New", "email": "New.Prof@upas.test", "role": "faculty"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:user-list")
    created = User.objects.get(email="new.prof@upas.test")
    assert (created.name, created.role, created.has_usable_password()) == (
        "Prof New",
        "faculty",
        False,
    )
    address = EmailAddress.objects.get(user=created)
    assert (address.email, address.verified, address.primary) == ("new.prof@upas.test", True, True)
    assert [message.to for message in mailoutbox] == [["new.prof@upas.test"]]
    assert "/accounts/password/reset/key/" in mailoutbox[0].body
    audit = AuditLog.objects.get(action="user.create")
    assert (audit.actor, audit.target_id) == (admin, str(created.pk))


def test_staff_account_with_a_taken_email_is_refused(client_as, admin, faculty, mailoutbox):
    users = User.objects.count()
    response = client_as(admin).post(
        reverse("portal:user-create"),
        {"name": "Dr Copy", "email": "FACULTY@upas.test", "role": "admin"},
    )
    assert response.status_code == 200
    error = text(find(response.content, id="div_id_email"))
    assert "An account with this email already exists." in error
    assert User.objects.count() == users
    assert mailoutbox == []
    assert not AuditLog.objects.exists()


def test_admin_changes_a_role_through_htmx(client_as, admin, faculty):
    response = client_as(admin).post(
        reverse("portal:user-role", kwargs={"pk": faculty.pk}), {"role": "admin"}, **HX
    )
    assert response.status_code == 200
    content = response.content.decode().strip()
    assert content.startswith(f'<tr id="user-{faculty.pk}">')
    assert "Saved" in text(find(content, role="status"))
    faculty.refresh_from_db()
    assert faculty.role == "admin"
    audit = AuditLog.objects.get(action="user.role")
    assert (audit.actor, audit.before, audit.after) == (
        admin,
        {"role": "faculty"},
        {"role": "admin"},
    )


def test_admin_cannot_change_their_own_role(client_as, admin):
    response = client_as(admin).post(
        reverse("portal:user-role", kwargs={"pk": admin.pk}), {"role": "faculty"}, follow=True
    )
    assert "You cannot change your own role" in text(find(response.content, id="messages"))
    admin.refresh_from_db()
    assert admin.role == "admin"
    assert not AuditLog.objects.exists()


def test_staff_member_cannot_be_made_a_student(client_as, admin, faculty):
    response = client_as(admin).post(
        reverse("portal:user-role", kwargs={"pk": faculty.pk}), {"role": "student"}, **HX
    )
    assert "Only people with an enrollment number can be students" in text(
        find(response.content, role="alert")
    )
    faculty.refresh_from_db()
    assert faculty.role == "faculty"


# --- admin pages: categories ----------------------------------------------------------------------


def category_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Sports",
        "description": "Representing the university",
        "min_points": 5,
        "default_points": 10,
        "max_points": 40,
        "yearly_cap": "",
    }
    return {**data, **overrides}


def test_admin_creates_a_category(client_as, admin):
    response = client_as(admin).post(reverse("portal:category-create"), category_data())
    assert response.status_code == 302
    created = Category.objects.get(name="Sports")
    assert (created.min_points, created.default_points, created.max_points) == (5, 10, 40)
    assert created.yearly_cap is None and created.is_active
    assert AuditLog.objects.get(action="category.create").target_id == str(created.pk)


def test_admin_edits_a_category(client_as, admin, category):
    response = client_as(admin).post(
        reverse("portal:category-edit", kwargs={"pk": category.pk}),
        category_data(name="Academic merit", max_points=60, yearly_cap=200),
    )
    assert response.status_code == 302
    category.refresh_from_db()
    assert (category.max_points, category.yearly_cap) == (60, 200)
    audit = AuditLog.objects.get(action="category.update")
    assert (audit.before["max_points"], audit.after["max_points"]) == (50, 60)


def test_admin_deactivates_a_category(client_as, admin, category):
    response = client_as(admin).post(reverse("portal:category-toggle", kwargs={"pk": category.pk}))
    assert response.status_code == 302
    category.refresh_from_db()
    assert not category.is_active
    assert AuditLog.objects.filter(action="category.deactivate").count() == 1


def test_new_category_with_minimum_above_maximum_is_refused(client_as, admin):
    response = client_as(admin).post(
        reverse("portal:category-create"), category_data(min_points=30, max_points=20)
    )
    assert response.status_code == 200
    assert "The maximum must be at least the minimum (30)." in text(
        find(response.content, id="div_id_max_points")
    )
    assert not Category.objects.filter(name="Sports").exists()
    assert not AuditLog.objects.exists()


def test_category_edit_with_minimum_above_maximum_keeps_the_category(client_as, admin, category):
    response = client_as(admin).post(
        reverse("portal:category-edit", kwargs={"pk": category.pk}),
        category_data(name="Academic merit", min_points=60, default_points=60, max_points=50),
    )
    assert response.status_code == 200
    assert "The maximum must be at least the minimum (60)." in text(
        find(response.content, id="div_id_max_points")
    )
    category.refresh_from_db()
    assert (category.min_points, category.max_points) == (5, 50)


ADMIN_ACTIONS = [
    pytest.param("portal:user-list", None, None, id="user list"),
    pytest.param(
        "portal:user-create",
        None,
        {"name": "Dr Sneaky", "email": "sneaky@upas.test", "role": "admin"},
        id="user create",
    ),
    pytest.param("portal:user-role", "faculty", {"role": "admin"}, id="own role"),
    pytest.param("portal:category-list", None, None, id="category list"),
    pytest.param("portal:category-create", None, category_data(), id="category create"),
    pytest.param(
        "portal:category-edit", "category", category_data(name="Renamed"), id="category edit"
    ),
    pytest.param("portal:category-toggle", "category", {}, id="category toggle"),
]


@pytest.mark.parametrize(("name", "target", "data"), ADMIN_ACTIONS)
def test_faculty_cannot_use_the_admin_pages(
    request, client_as, faculty, category, name, target, data
):
    kwargs = {"pk": request.getfixturevalue(target).pk} if target else {}
    client = client_as(faculty)
    url = reverse(name, kwargs=kwargs)
    response = client.get(url) if data is None else client.post(url, data)
    assert response.status_code == 403
    faculty.refresh_from_db()
    category.refresh_from_db()
    assert faculty.role == "faculty"
    assert (category.name, category.is_active) == ("Academic merit", True)
    assert Category.objects.count() == 1
    assert not User.objects.filter(email="sneaky@upas.test").exists()
    assert not AuditLog.objects.exists()


# --- settings and health --------------------------------------------------------------------------


# An unticked checkbox is not posted at all: what a browser sends is just the CSRF token.
UNTICKED = {"csrfmiddlewaretoken": "token"}


def test_student_hides_their_name_from_the_leaderboard(client_as, student):
    response = client_as(student).post(reverse("portal:settings"), UNTICKED)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:settings")
    student.refresh_from_db()
    assert student.show_on_leaderboard is False


def test_student_shows_their_name_again(client_as, student):
    set_leaderboard_visibility(profile=student, visible=False)
    client_as(student).post(reverse("portal:settings"), {"show_on_leaderboard": "on"})
    student.refresh_from_db()
    assert student.show_on_leaderboard is True


def test_privacy_setting_does_not_touch_the_balance(client_as, faculty, student, category, give):
    give(student, 20, actor=faculty, category=category)
    client_as(student).post(reverse("portal:settings"), UNTICKED)
    student.refresh_from_db()
    assert student.show_on_leaderboard is False
    assert balance(student) == 20


def test_healthz_answers_ok(client_as):
    response = client_as(None).get(reverse("portal:healthz"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode().strip() == "ok"
