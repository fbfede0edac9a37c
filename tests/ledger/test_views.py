"""The award form, bulk award, the form helpers and reversal, through the test client."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import Category, Transaction
from tests.conftest import key, ledger_total
from tests.helpers import award, award_data, balance
from tests.html import HX, find, find_all, text

pytestmark = pytest.mark.django_db


# --- award form ---------------------------------------------------------------------------------


def test_htmx_award_answers_with_the_message_and_a_fresh_key_only(
    client_as, faculty, student, category
):
    data = award_data(student, category)
    response = client_as(faculty).post(reverse("portal:award-create"), data, **HX)
    assert response.status_code == 200
    assert b"<html" not in response.content
    # The message goes into the live region beside the form; the form stays as it is...
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#award-result", "innerHTML")
    assert text(response.content).startswith("Awarded 20 points to Alice Student.")
    assert not find_all(response.content, "form")
    # ...but gets a fresh key (out of band), so saving it again makes a second entry, on purpose.
    key = find(response.content, "input", id="award-key", hx_swap_oob="true")
    assert dict(key.attributes)["value"] not in ("", data["idempotency_key"])
    assert "award-saved" in response["HX-Trigger"]  # the page clears the form
    assert balance(student) == 20


def test_the_answer_says_point_for_one_and_points_for_more(client_as, faculty, student):
    one = Category.objects.create(name="Helping out", min_points=1, max_points=10)
    client = client_as(faculty)

    def answer(**fields: Any) -> str:
        url = reverse("portal:award-create")
        return text(client.post(url, award_data(student, one, **fields), **HX).content)

    assert answer(points=1).startswith("Awarded 1 point to Alice Student.")
    assert answer(points=3).startswith("Awarded 3 points to Alice Student.")
    assert answer(action="deduct", points=1).startswith("Deducted 1 point from Alice Student.")
    assert answer(action="deduct", points=2).startswith("Deducted 2 points from Alice Student.")
    assert balance(student) == 1


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
        "Academic merit awards between 5 and 50 points.",
        id="negative points",
    ),
    pytest.param(
        {"points": 10**9},
        "points-field",
        "Academic merit awards between 5 and 50 points.",
        id="huge points",
    ),
    pytest.param(
        {"points": "abc"},
        "points-field",
        "Enter a whole number of points.",
        id="non-numeric points",
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
    assert "This form was already submitted" in text(find(response.content, role="alert"))
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


def test_the_recent_awards_redraw_themselves_after_an_award(
    client_as, faculty, student, other_student, category
):
    client = client_as(faculty)
    listed = find(client.get(reverse("portal:dashboard")).content, id="recent-awards")
    attrs = dict(listed.attributes)
    assert (attrs["hx-get"], attrs["hx-trigger"]) == (
        reverse("portal:recent-awards"),
        "points-changed from:body",
    )
    client.post(
        reverse("portal:award-create"), award_data(student, category, reason="Robotics"), **HX
    )
    entry = Transaction.objects.get(reason="Robotics")
    redrawn = client.get(reverse("portal:recent-awards"), **HX)
    rows = find_all(find(redrawn.content, id="recent-awards-list"), "li")
    assert dict(rows[0].attributes)["id"] == f"recent-award-{entry.pk}"
    assert find_all(rows[0], "form", action=f"/transactions/{entry.pk}/reverse/")


def test_the_recent_awards_keep_a_place_for_the_first_award(client_as, faculty):
    response = client_as(faculty).get(reverse("portal:dashboard"))
    awards = find(response.content, id="recent-awards")
    assert find(awards, "ul", id="recent-awards-list").children == []
    assert "Awards you make appear here" in text(find(awards, id="recent-awards-empty"))


def test_replayed_award_form_shows_the_first_result(client_as, faculty, student, category):
    client = client_as(faculty)
    data = award_data(student, category)
    client.post(reverse("portal:award-create"), data, **HX)
    replay = client.post(reverse("portal:award-create"), data, **HX)
    assert text(replay.content).startswith("Awarded 20 points to Alice Student.")
    assert ledger_total() == (1, 20)


def test_award_form_names_an_unknown_student_beside_another_error(
    client_as, faculty, student, category
):
    before = ledger_total()
    response = client_as(faculty).post(
        reverse("portal:award-create"),
        award_data(student, category, student=999_999, points=51),
        **HX,
    )
    assert "Choose a student from the list." in text(find(response.content, id="student-error"))
    assert "between 5 and 50" in text(find(response.content, id="points-field"))
    assert ledger_total() == before


def test_award_form_refuses_a_category_no_longer_in_use(client_as, faculty, student, category):
    Category.objects.filter(pk=category.pk).update(is_active=False)
    response = client_as(faculty).post(
        reverse("portal:award-create"), award_data(student, category), **HX
    )
    assert "This category is no longer in use; choose another." in text(
        find(response.content, id="category-error")
    )
    assert balance(student) == 0


def test_award_form_refuses_an_inactive_student_with_the_services_message(
    client_as, faculty, student, category
):
    student.user.is_active = False
    student.user.save(update_fields=["is_active"])
    response = client_as(faculty).post(
        reverse("portal:award-create"), award_data(student, category), **HX
    )
    assert "Choose a student from the list." in text(find(response.content, id="student-error"))
    assert balance(student) == 0


def test_deduct_takes_points_from_the_student(client_as, faculty, student, category, give):
    give(student, 20, actor=faculty, category=category)
    response = client_as(faculty).post(
        reverse("portal:award-create"),
        award_data(student, category, action="deduct", points=5, reason="Damaged lab kit"),
        **HX,
    )
    assert text(response.content).startswith("Deducted 5 points from Alice Student.")
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


def test_bulk_award_of_one_point_to_one_student_says_so_in_the_singular(
    client_as, faculty, student
):
    one = Category.objects.create(name="Helping out", min_points=1, max_points=10)
    client = client_as(faculty)
    response = client.post(reverse("portal:award-bulk"), bulk_data(one, "CS001", points=1))
    assert (
        b"Awarded 1 point to 1 student in Helping out." in client.get(response["Location"]).content
    )


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
    assert "This form was already submitted" in text(find(response.content, role="alert"))
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


def test_the_dashboard_repeats_no_id_with_several_reverse_forms(
    client_as, faculty, student, category, give
):
    for _ in range(3):
        give(student, 5, actor=faculty, category=category)
    response = client_as(faculty).get(reverse("portal:dashboard"))
    ids = [dict(el.attributes).get("id") for el in find_all(response.content)]
    ids = [i for i in ids if i]
    assert ids.count("award-key") == 1
    assert len(ids) == len(set(ids))


def test_the_rendered_reverse_form_posts_the_fields_the_view_reads(
    client_as, faculty, student, category, give
):
    entry = give(student, 20, actor=faculty, category=category)
    client = client_as(faculty)
    awards = find(client.get(reverse("portal:dashboard")).content, id="recent-awards")
    form = next(
        f for f in find_all(awards, "form") if dict(f.attributes)["action"] == reverse_url(entry)
    )
    hidden = find(form, "input", type="hidden", name="idempotency_key")
    data = reverse_data(idempotency_key=dict(hidden.attributes)["value"])
    client.post(reverse_url(entry), data, **HX)
    assert balance(student) == 0


# --- award again, length limits, date ranges (issue 18) -----------------------------------------


def test_a_success_offers_to_award_again_in_a_live_region(client_as, faculty, student, category):
    response = client_as(faculty).post(
        reverse("portal:award-create"), award_data(student, category), **HX
    )
    assert response["HX-Retarget"] == "#award-result"  # fills the region, keeps it
    result = response.content
    entry = Transaction.objects.get()
    again = find(result, "a", href=f"{reverse('portal:award')}?again={entry.pk}")
    assert text(again) == "Award again to Alice Student"
    page = client_as(faculty).get(reverse("portal:award")).content
    assert dict(find(page, id="award-result").attributes)["role"] == "status"


def test_award_again_fills_the_form_with_a_fresh_key(client_as, faculty, student, category):
    entry = award(faculty, student, category, 30, reason="Ran the robotics club")
    client = client_as(faculty)
    response = client.get(f"{reverse('portal:award')}?again={entry.pk}", **HX)
    form = find(response.content, "form", id="award-form")
    assert b"<html" not in response.content
    assert "checked" in dict(find(form, "input", name="student", value=str(student.pk)).attributes)
    option = find(find(form, "select", name="category"), "option", value=str(category.pk))
    assert "selected" in dict(option.attributes)
    points = dict(find(form, "input", name="points").attributes)
    assert points["value"] == "30" and "data-focus" in points
    assert text(find(form, "textarea", name="reason")) == "Ran the robotics club"
    new_key = dict(find(form, "input", name="idempotency_key").attributes)["value"]
    assert new_key != entry.idempotency_key
    # Saving it makes a second entry.
    data = award_data(student, category, points=30, idempotency_key=new_key)
    client.post(reverse("portal:award-create"), data, **HX)
    assert ledger_total() == (2, 60)


@pytest.mark.parametrize("again", ["", "abc", "999999"])
def test_award_again_with_nothing_to_repeat_is_a_fresh_form(client_as, faculty, again):
    response = client_as(faculty).get(f"{reverse('portal:award')}?again={again}")
    assert response.status_code == 200
    assert not find_all(response.content, "input", name="student")


def test_award_again_does_not_repeat_other_kinds_of_entry(client_as, faculty, student):
    from tests.factories import RewardFactory
    from tests.helpers import redeem

    award(faculty, student, Category.objects.create(name="Sport", max_points=50), 40)
    redemption = redeem(student, RewardFactory(cost=10))
    debit = Transaction.objects.get(redemption=redemption)
    response = client_as(faculty).get(f"{reverse('portal:award')}?again={debit.pk}")
    assert not find_all(response.content, "input", name="student")


def test_long_text_fields_show_their_limit(client_as, faculty):
    page = client_as(faculty).get(reverse("portal:award")).content
    counter = dict(find(page, id="id_reason_counter").attributes)
    assert counter["data-counter-for"] == "id_reason" and counter["data-max"] == "500"
    assert text(find(page, id="id_reason_counter")) == "Up to 500 characters"
    reason = dict(find(page, "textarea", name="reason").attributes)
    assert "id_reason_counter" in reason["aria-describedby"].split()


def test_text_over_the_limit_is_refused_not_cut(client_as, faculty, student, category):
    data = award_data(student, category, reason="x" * 501)
    response = client_as(faculty).post(reverse("portal:award-create"), data, **HX)
    assert "at most 500 characters (it has 501)" in text(find(response.content, id="div_id_reason"))
    assert ledger_total() == (0, 0)


def test_a_reversed_date_range_says_so(client_as, faculty, student, category):
    award(faculty, student, category, 20)
    query = {"date_after": "2030-01-02", "date_before": "2020-01-01"}
    response = client_as(faculty).get(reverse("portal:history"), query, **HX)
    error = find(response.content, id="date-range-error")
    assert dict(error.attributes)["role"] == "alert"
    assert "“From” is after “To”" in text(error)
    page = client_as(faculty).get(reverse("portal:history"), query).content
    to = dict(find(page, "input", name="date_before").attributes)
    assert to["aria-invalid"] == "true" and to["aria-describedby"] == "date-range-error"


def test_a_forward_date_range_has_no_error(client_as, faculty, student, category):
    award(faculty, student, category, 20)
    today = timezone.localdate().isoformat()
    query = {"date_after": today, "date_before": today}
    response = client_as(faculty).get(reverse("portal:history"), query, **HX)
    assert not find_all(response.content, id="date-range-error")
    assert "Great work" in response.content.decode()


@pytest.mark.parametrize("data", [None, {"action": "deduct"}, {"action": "bogus"}])
def test_the_award_forms_radios_are_what_the_widget_writes(data):
    """award.html writes the action radios itself (the widget's templates cost 1 ms a page);
    they must stay what `{{ choice.tag }}` writes, checked state and error marking included."""
    import re

    from django.template import engines

    from portal.forms.ledger import AwardForm

    form = AwardForm(data, categories=[])
    if data:
        form.is_valid()
    stock = (
        engines["django"]
        .from_string("{% for choice in f.action %}{{ choice.tag }}{% endfor %}")
        .render({"f": form})
    )
    page = engines["django"].get_template("portal/ledger/award.html#award-form")
    html = page.render({"award_form": form, "categories": []})
    assert "".join(re.findall(r'<input type="radio"[^>]*>', html)) == stock
