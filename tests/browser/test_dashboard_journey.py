"""Issue 7 in a real browser: a faculty member awards points in one browser while the student
has the portal open in another; the student's bell count rises, and the points chart draws the
award (Chart.js) and switches granularity with htmx. The admin's dashboard draws its charts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from portal.models import Role
from tests.browser.steps import DESKTOP, PHONE, collect_console_errors, sign_in
from tests.factories import CategoryFactory, DepartmentFactory, StudentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAST_BAR = """() => {
  const chart = Chart.getChart(document.querySelector('#points-chart canvas'));
  return chart ? chart.data.datasets[0].data.at(-1) : null;
}"""


@pytest.fixture
def cast(db):
    dept = DepartmentFactory(name="Computer Science", code="CS")
    CategoryFactory(name="Academic merit", default_points=25, min_points=10, max_points=100)
    UserFactory(email="lopez@upas.test", name="Dr Maria Lopez", role=Role.FACULTY)
    UserFactory(email="ada@upas.test", name="Ada Admin", role=Role.ADMIN)
    StudentFactory(
        user__email="aisha@upas.test",
        user__name="Aisha Khan",
        enrollment_number="CS2024001",
        department=dept,
    )


def award_40_points(page: Page, base: str) -> None:
    sign_in(page, base, "lopez@upas.test")
    page.get_by_placeholder(re.compile("Search by name")).fill("aisha")
    page.get_by_label(re.compile("Aisha Khan")).check()
    page.get_by_label("Category").select_option(label="Academic merit")
    points = page.get_by_label("Points", exact=True)
    expect(points).to_have_value("25")  # pre-filled from the category by htmx first
    points.fill("40")
    page.get_by_label("Reason").fill("Best project demo")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Awarded 40 points")).to_be_visible()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_student_sees_the_bell_rise_and_the_chart_draw_the_award(
    browser: Browser, live_server, cast, shots, viewport
):
    base = live_server.url
    label = "phone" if viewport is PHONE else "desktop"
    student = browser.new_context(viewport=viewport, reduced_motion="reduce").new_page()
    faculty = browser.new_context(viewport=DESKTOP).new_page()
    console_errors = collect_console_errors(student)

    sign_in(student, base, "aisha@upas.test")
    bell = student.locator("#bell")
    expect(bell).to_have_accessible_name("Notifications")  # nothing unread yet
    expect(student.locator("#points-chart")).to_contain_text("Nothing to show")

    award_40_points(faculty, base)

    # The student moves on to another page: the bell, refreshed on navigation, shows the
    # award and the first-award badge.
    student.goto(f"{base}/leaderboard/")
    expect(bell).to_have_accessible_name(re.compile(r"Notifications: 2 unread"))
    student.goto(f"{base}/")
    expect(student.locator("#balance")).to_have_text("40")
    canvas = student.locator("#points-chart canvas")
    expect(canvas).to_have_attribute("data-chart-ready", "1")
    assert student.evaluate(LAST_BAR) == 40  # this week's bar
    student.screenshot(path=shots / f"dashboard-chart-{label}.png", full_page=True, caret="initial")

    student.get_by_role("link", name="Daily").click()
    expect(student.get_by_role("link", name="Daily")).to_have_attribute("aria-current", "true")
    expect(canvas).to_have_attribute("data-chart-ready", "1")
    assert student.evaluate(LAST_BAR) == 40  # today's bar
    student.get_by_text("Show as a table").click()
    expect(student.locator("#points-chart table")).to_contain_text("40")

    student.get_by_role("link", name=re.compile("^Notifications")).click()
    expect(student.get_by_text(re.compile("You received 40 points"))).to_be_visible()
    assert console_errors == []


def test_admin_dashboard_draws_its_charts_and_switches_period(page: Page, live_server, cast):
    base = live_server.url
    console_errors = collect_console_errors(page)
    award_40_points(page, base)
    sign_in(page, base, "ada@upas.test")
    canvas = page.locator("canvas[data-chart='category-chart-canvas-data']")
    expect(canvas).to_have_attribute("data-chart-ready", "1")
    # No redemptions or events yet: those two say so instead of drawing empty axes.
    expect(page.locator("#dashboard-charts")).to_contain_text("Nothing to show for this period")
    figures = page.locator("#trend-figures")
    expect(figures).to_contain_text("Points issued")
    expect(figures).to_contain_text("40")
    page.get_by_role("link", name="This term").click()
    expect(page.get_by_role("link", name="This term")).to_have_attribute("aria-current", "true")
    expect(figures).to_contain_text("against the same point last term")
    assert console_errors == []
