"""The year-end close in a real browser: the admin reads the dry run, mistypes the
confirmation and is told so next to the field, confirms, and reads the report; the graduate
then signs in to their read-only alumni dashboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal.models import Role
from portal.selectors.year_end import current_academic_year
from tests.browser.axe import BLOCKING, run_axe
from tests.browser.steps import DESKTOP, PHONE, collect_console_errors, sign_in
from tests.factories import CategoryFactory, RewardFactory, StudentFactory, UserFactory
from tests.helpers import award, redeem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cast(db):
    admin = UserFactory(email="ada@upas.test", name="Ada Admin", role=Role.ADMIN)
    category = CategoryFactory(name="Academic merit", min_points=1, max_points=100)
    senior = StudentFactory(
        user__email="sam@upas.test", user__name="Sam Senior", enrollment_number="CS2023001", year=4
    )
    junior = StudentFactory(user__name="Jo Junior", enrollment_number="CS2026007", year=1)
    award(admin, senior, category, 80)
    award(admin, junior, category, 30)
    redeem(senior, RewardFactory(name="Campus hoodie", cost=25))
    return admin, senior


def blocking(page: Page) -> list[str]:
    return [v["id"] for v in run_axe(page) if v["impact"] in BLOCKING]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_admin_closes_the_year_after_the_dry_run(page: Page, live_server, cast, shots, viewport):
    base = live_server.url
    label = "phone" if viewport is PHONE else "desktop"
    year = current_academic_year()
    page.set_viewport_size(viewport)
    console_errors = collect_console_errors(page)

    sign_in(page, base, "ada@upas.test")
    page.goto(f"{base}/staff/year-end/")
    expect(page.get_by_role("heading", name=f"Close the academic year {year}")).to_be_visible()
    expect(page.get_by_text("Nothing has changed yet")).to_be_visible()
    expect(page.locator('[data-figure="graduating"]')).to_have_text("1")
    expect(page.locator('[data-figure="promoted"]')).to_have_text("1")
    expect(page.locator('[data-figure="expiring"]')).to_have_text("55")
    expect(page.get_by_role("cell", name="CS2023001")).to_be_visible()
    page.screenshot(path=shots / f"year-end-dry-run-{label}.png", full_page=True, caret="initial")
    assert blocking(page) == []

    confirmation = page.get_by_label("Type the words shown above to confirm")
    confirmation.fill("close it")
    page.get_by_role("button", name=f"Close {year}").click()
    expect(page.get_by_text(f"Type “close {year}” exactly to close the year.")).to_be_visible()
    page.screenshot(path=shots / f"year-end-mistyped-{label}.png", full_page=True, caret="initial")
    assert blocking(page) == []

    page.get_by_label("Type the words shown above to confirm").fill(f"close {year}")
    page.get_by_role("button", name=f"Close {year}").click()
    expect(page.get_by_text(f"The academic year {year} is closed.")).to_be_visible()
    expect(page.get_by_text("was closed on")).to_be_visible()
    expect(page.locator('[data-figure="expiring"]')).to_have_text("55")
    expect(page.get_by_role("button", name=f"Close {year}")).to_have_count(0)
    page.screenshot(path=shots / f"year-end-report-{label}.png", full_page=True, caret="initial")
    assert blocking(page) == []

    sign_in(page, base, "sam@upas.test")
    expect(page.get_by_text(f"You graduated at the end of {year}")).to_be_visible()
    expect(page.get_by_text("Campus hoodie")).to_be_visible()
    page.screenshot(path=shots / f"alumnus-dashboard-{label}.png", full_page=True, caret="initial")
    assert blocking(page) == []
    page.goto(f"{base}/history/")
    expect(page.locator("#history-table")).to_contain_text("Unspent points expired")
    assert console_errors == [], "\n".join(console_errors)
