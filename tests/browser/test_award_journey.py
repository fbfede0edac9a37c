"""The foundation journey in a real browser: a faculty member awards points with the htmx form;
the student signs in and sees the new balance and the entry in their history."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.models import Role
from tests.browser.steps import DESKTOP, PHONE, collect_console_errors, sign_in
from tests.factories import CategoryFactory, DepartmentFactory, StudentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cast(db):
    dept = DepartmentFactory(name="Computer Science", code="CS")
    CategoryFactory(name="Academic merit", default_points=25, min_points=10, max_points=100)
    faculty = UserFactory(email="lopez@upas.test", name="Dr Maria Lopez", role=Role.FACULTY)
    student = StudentFactory(
        user__email="aisha@upas.test",
        user__name="Aisha Khan",
        enrollment_number="CS2024001",
        department=dept,
    )
    return faculty, student


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_faculty_award_shows_up_for_the_student(page: Page, live_server, cast, shots, viewport):
    base = live_server.url
    label = "phone" if viewport is PHONE else "desktop"
    page.set_viewport_size(viewport)
    console_errors = collect_console_errors(page)

    sign_in(page, base, "lopez@upas.test")
    page.get_by_placeholder(re.compile("Search by name")).fill("aisha")
    page.get_by_label(re.compile("Aisha Khan")).check()
    page.get_by_label("Category").select_option(label="Academic merit")
    points = page.get_by_label("Points", exact=True)
    expect(points).to_have_value("25")  # pre-filled from the category by htmx
    points.fill("40")
    page.get_by_label("Reason").fill("Best project demo")
    page.screenshot(path=shots / f"award-form-filled-{label}.png", full_page=True, caret="initial")
    page.get_by_role("button", name="Save").click()

    expect(
        page.get_by_role("status").filter(has_text="Awarded 40 points to Aisha Khan")
    ).to_be_visible()
    expect(page.locator("#recent-awards")).to_contain_text("Aisha Khan")  # refreshed out of band
    expect(page.get_by_label("Reason", exact=True)).to_have_value(
        ""
    )  # a fresh form for the next award
    page.screenshot(path=shots / f"award-done-{label}.png", full_page=True, caret="initial")

    sign_in(page, base, "aisha@upas.test")
    expect(page.locator("#balance")).to_have_text("40")
    expect(page.locator("#balance-badge")).to_contain_text("40")
    page.screenshot(path=shots / f"student-dashboard-{label}.png", full_page=True, caret="initial")
    page.get_by_role("link", name="All activity").click()
    expect(page.locator("#feed")).to_contain_text("Best project demo")
    page.get_by_role("link", name="Points history").click()
    expect(page.locator("#history-table")).to_contain_text("Best project demo")
    expect(page.locator("#history-table")).to_contain_text("+40")
    page.screenshot(path=shots / f"student-history-{label}.png", full_page=True, caret="initial")
    assert console_errors == [], "\n".join(console_errors)


def test_award_form_shows_errors_inline_and_keeps_input(page: Page, live_server, cast, shots):
    base = live_server.url
    sign_in(page, base, "lopez@upas.test")
    page.get_by_placeholder(re.compile("Search by name")).fill("CS2024001")
    page.get_by_placeholder(re.compile("Search by name")).press("Enter")  # must not submit the form
    expect(page.get_by_role("alert")).to_have_count(0)
    page.get_by_label(re.compile("Aisha Khan")).check()
    page.get_by_label("Category").select_option(label="Academic merit")
    expect(page.get_by_label("Points", exact=True)).to_have_value("25")
    page.get_by_label("Points", exact=True).fill("500")
    page.get_by_label("Reason").fill("Too generous")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Academic merit awards between 10 and 100 points.")).to_be_visible()
    expect(page.get_by_label("Reason")).to_have_value("Too generous")
    expect(page.get_by_label(re.compile("Aisha Khan"))).to_be_checked()
    page.screenshot(path=shots / "award-form-error-desktop.png", full_page=True, caret="initial")
