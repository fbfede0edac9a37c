"""Mentors in a real browser: an admin gives a student a mentor on the mentors page; the
mentor finds the student under "My mentees" with their waiting claim, and that claim first in
the review queue although another student's is older."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from portal.models import ActivityClaim, Club, Role
from tests.browser.steps import DESKTOP, PHONE, collect_console_errors, sign_in
from tests.claims.helpers import make_claim
from tests.factories import CategoryFactory, StudentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cast(db):
    UserFactory(email="sam@upas.test", name="Sam Okoro", role=Role.ADMIN)
    UserFactory(email="maria@upas.test", name="Dr Maria Lopez", role=Role.FACULTY)
    UserFactory(email="james@upas.test", name="Prof James Webb", role=Role.FACULTY)
    aisha = StudentFactory(
        user__email="aisha@upas.test", user__name="Aisha Khan", enrollment_number="CS2024001"
    )
    ben = StudentFactory(
        user__email="ben@upas.test", user__name="Ben Carter", enrollment_number="EE2023002"
    )
    volunteering = CategoryFactory(
        name="Volunteering", min_points=5, max_points=50, default_points=15
    )
    older = make_claim(ben, volunteering, 10, description="Helped at the blood drive")
    ActivityClaim.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=2))
    make_claim(aisha, volunteering, 20, description="Guided visitors at the open day")


def shoot(page: Page, shots, name: str, label: str) -> None:
    page.screenshot(path=shots / f"{name}-{label}.png", full_page=True, caret="initial")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_admin_assigns_a_mentor_who_sees_the_mentee_first(
    page: Page, live_server, cast, shots, viewport
):
    base = live_server.url
    label = "phone" if viewport is PHONE else "desktop"
    page.set_viewport_size(viewport)
    errors = collect_console_errors(page)

    sign_in(page, base, "sam@upas.test")
    page.goto(f"{base}/staff/mentors/")
    page.get_by_label("Search by name, enrollment number or mentor").fill("Aisha")
    page.get_by_role("button", name="Search").click()
    row = page.locator("tr").filter(has_text="Aisha Khan")
    expect(row).to_contain_text("None yet")
    row.get_by_role("link", name="Change Aisha Khan").click()
    expect(page.get_by_label("Student's enrollment number")).to_have_value("CS2024001")
    page.get_by_label("Mentor (optional)").select_option(label="Dr Maria Lopez (maria@upas.test)")
    shoot(page, shots, "mentors-assign", label)
    page.get_by_role("button", name="Save mentor").click()
    page.wait_for_url(f"{base}/staff/mentors/")
    expect(page.get_by_role("status").first).to_contain_text(
        "Dr Maria Lopez is now the mentor of Aisha Khan."
    )
    expect(page.locator("tr").filter(has_text="Aisha Khan")).to_contain_text("Dr Maria Lopez")
    shoot(page, shots, "mentors-assigned", label)

    sign_in(page, base, "maria@upas.test")
    page.get_by_role("link", name="My mentees").click()
    page.wait_for_url(f"{base}/mentees/")
    mentee = page.locator("tr").filter(has_text="Aisha Khan")
    expect(mentee).to_contain_text("CS2024001")
    expect(page.get_by_text("Ben Carter")).to_have_count(0)
    shoot(page, shots, "my-mentees", label)

    page.get_by_role("link", name="Review my mentees' claims").click()
    page.wait_for_url(f"{base}/reviews/?mine=mentees")
    expect(page.locator("#review-table tbody tr")).to_have_count(1)
    page.get_by_label("Students").select_option(label="Everyone")
    expect(page.locator("#review-table tbody tr")).to_have_count(2)
    # The mentee's claim is first although Ben's is two days older.
    first = page.locator("#review-table tbody tr").first
    expect(first).to_contain_text("Aisha Khan")
    expect(first).to_contain_text("Your mentee")
    shoot(page, shots, "review-queue-mentee-first", label)
    assert errors == [], "\n".join(errors)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_admin_appoints_a_club_adviser_shown_on_the_club_page(
    page: Page, live_server, cast, shots, viewport
):
    base = live_server.url
    label = "phone" if viewport is PHONE else "desktop"
    page.set_viewport_size(viewport)
    errors = collect_console_errors(page)
    Club.objects.create(name="Robotics Club", slug="robotics", description="We build robots.")

    sign_in(page, base, "sam@upas.test")
    page.goto(f"{base}/clubs/robotics/")
    page.get_by_role("link", name="Officers and advisers").click()
    advisers = page.locator("section").filter(
        has=page.get_by_role("heading", name="Faculty advisers")
    )
    advisers.get_by_label("Email address").fill("aisha@upas.test")
    advisers.get_by_role("button", name="Appoint adviser").click()
    expect(page.get_by_text("No active faculty member has this email address.")).to_be_visible()
    advisers.get_by_label("Email address").fill("maria@upas.test")
    advisers.get_by_role("button", name="Appoint adviser").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Dr Maria Lopez is now a faculty adviser of Robotics Club."
    )
    expect(advisers.get_by_role("listitem")).to_contain_text("Dr Maria Lopez")
    shoot(page, shots, "club-advisers", label)

    page.goto(f"{base}/clubs/robotics/")
    club_advisers = page.locator("section").filter(
        has=page.get_by_role("heading", name="Faculty advisers")
    )
    expect(club_advisers).to_contain_text("Dr Maria Lopez")
    shoot(page, shots, "club-page-adviser", label)
    assert errors == [], "\n".join(errors)
