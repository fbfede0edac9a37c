"""Halls in a real browser: a faculty member searches for a hall for 80 people tomorrow
afternoon, requests a free stretch, an admin approves it, and the week view (moved by htmx to
next week and back) shows the booking."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from portal.models import Hall, HallBooking, Role
from tests.browser.steps import DESKTOP, PHONE, collect_console_errors, sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cast(db):
    admin = UserFactory(email="sam@upas.test", name="Sam Okoro", role=Role.ADMIN)
    UserFactory(email="maria@upas.test", name="Dr Maria Lopez", role=Role.FACULTY)
    Hall.objects.create(
        name="Seminar Room 2.14", building="Humanities", capacity=40, opens_at=time(8),
        closes_at=time(20),
    )  # fmt: skip
    Hall.objects.create(
        name="Turing Lecture Theatre", building="Science Block A", capacity=220,
        equipment="projector, microphones", opens_at=time(8), closes_at=time(22),
    )  # fmt: skip
    return admin


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_search_request_approve_and_see_the_week(page: Page, live_server, cast, shots, viewport):
    base = live_server.url
    label = "phone" if viewport is PHONE else "desktop"
    page.set_viewport_size(viewport)
    errors = collect_console_errors(page)
    tomorrow = timezone.localdate() + timedelta(days=1)

    sign_in(page, base, "maria@upas.test")
    page.goto(f"{base}/halls/")
    page.get_by_label("People").fill("80")
    page.get_by_label("Day").fill(tomorrow.isoformat())
    page.get_by_label("When").select_option("afternoon")
    page.get_by_role("button", name="Search").click()
    results = page.locator("#search-results")
    expect(results).to_contain_text("1 hall is free")
    expect(results).not_to_contain_text("Seminar Room")
    results.get_by_role("link", name="Request 12:00–17:00").click()

    page.get_by_label("Purpose").fill("Guest lecture")
    page.get_by_label("Expected people").fill("80")
    page.get_by_label("To").fill("14:00")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_text("Your request for Turing Lecture Theatre was sent")).to_be_visible()
    expect(page.get_by_text("Waiting for approval")).to_be_visible()

    sign_in(page, base, "sam@upas.test")
    page.goto(f"{base}/staff/hall-bookings/")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Approved: Turing Lecture Theatre is booked.")).to_be_visible()
    assert HallBooking.objects.get().status == HallBooking.Status.APPROVED

    hall = Hall.objects.get(name="Turing Lecture Theatre")
    page.goto(f"{base}/halls/{hall.pk}/?week={tomorrow.isoformat()}")
    week = page.locator("#week")
    expect(week).to_contain_text("Guest lecture")
    week.get_by_role("link", name="Next week").click()
    expect(week).not_to_contain_text("Guest lecture")
    week.get_by_role("link", name="Previous week").click()
    expect(page.locator("#week")).to_contain_text("Guest lecture")
    page.screenshot(path=shots / f"halls-week-{label}.png", full_page=True, caret="initial")
    assert not errors
