"""Check-in in real browsers: the organiser's screen shows the rotating code; a student on a
phone (a second browser context, 375 px) types it and sees the success and the new balance."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from portal.models import Event, Role
from portal.services.events import current_code
from tests.browser.steps import DESKTOP, PASSWORD, PHONE, collect_console_errors, sign_in
from tests.factories import CategoryFactory, StudentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def event(db) -> Event:
    organiser = UserFactory(email="lopez@upas.test", name="Dr Maria Lopez", role=Role.FACULTY)
    StudentFactory(
        user__email="aisha@upas.test", user__name="Aisha Khan", enrollment_number="CS2024001"
    )
    now = timezone.now()
    return Event.objects.create(
        title="Guest lecture: AI safety",
        location="Lecture Theatre 1",
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=1),
        organiser=organiser,
        category=CategoryFactory(name="Event attendance", min_points=5, max_points=20),
        attendance_points=15,
        status=Event.Status.PUBLISHED,
    )


def test_student_types_the_code_from_the_organisers_screen(
    page: Page, browser: Browser, live_server, event, shots
):
    base = live_server.url
    page.set_viewport_size(DESKTOP)
    organiser_errors = collect_console_errors(page)
    sign_in(page, base, "lopez@upas.test")
    page.goto(f"{base}/events/{event.pk}/screen/")
    expect(page.locator("#screen-live svg")).to_be_visible()
    code = page.locator("#screen-code").inner_text().strip()
    assert len(code) == 6
    page.screenshot(path=shots / "checkin-screen-desktop.png", full_page=True, caret="initial")

    phone = browser.new_context(viewport=PHONE)
    student = phone.new_page()
    student_errors = collect_console_errors(student)
    sign_in(student, base, "aisha@upas.test")
    student.goto(f"{base}/events/{event.pk}/")
    student.get_by_label("Code on the screen").fill(code.lower())
    student.get_by_role("button", name="Check in").click()
    expect(student.get_by_role("status")).to_contain_text("You're checked in!")
    expect(student.locator("#balance-badge")).to_contain_text("15")
    student.screenshot(path=shots / "checkin-student-phone.png", full_page=True, caret="initial")

    # The screen polls: the count and the name appear without a reload.
    expect(page.locator("#screen-count")).to_contain_text("1", timeout=10_000)
    expect(page.locator("#screen-live")).to_contain_text("Aisha Khan")
    page.screenshot(
        path=shots / "checkin-screen-after-desktop.png", full_page=True, caret="initial"
    )
    phone.close()
    assert organiser_errors == [] and student_errors == [], organiser_errors + student_errors


def test_checking_in_before_the_start_updates_the_page_around_the_panel(
    page: Page, live_server, event, shots
):
    """Check-in opens half an hour before the start: the page offers a reminder until then.
    Checking in takes the reminder away and counts the student in "Places", without a reload,
    while the focus stays on the success message."""
    Event.objects.filter(pk=event.pk).update(starts_at=timezone.now() + timedelta(minutes=20))
    base = live_server.url
    page.set_viewport_size(PHONE)
    errors = collect_console_errors(page)
    sign_in(page, base, "aisha@upas.test")
    page.goto(f"{base}/events/{event.pk}/")
    expect(page.locator("#reminder-panel")).to_be_visible()
    expect(page.locator("#event-places")).to_have_text("0 checked in")
    page.get_by_label("Code on the screen").fill(current_code(event))
    page.get_by_role("button", name="Check in").click()
    expect(page.get_by_role("status")).to_contain_text("You're checked in!")
    expect(page.locator("#reminder-panel")).to_have_count(0)
    expect(page.locator("#event-places")).to_have_text("1 checked in")
    expect(page.locator("#checkin-panel [role=status]")).to_be_focused()
    page.screenshot(path=shots / "checkin-before-start-phone.png", full_page=True, caret="initial")
    assert errors == [], errors


def test_a_wrong_code_is_refused_in_place(page: Page, live_server, event, shots):
    base = live_server.url
    page.set_viewport_size(PHONE)
    sign_in(page, base, "aisha@upas.test")
    page.goto(f"{base}/events/{event.pk}/")
    page.get_by_label("Code on the screen").fill("ZZZZZZ")
    page.get_by_role("button", name="Check in").click()
    expect(page.get_by_role("alert")).to_contain_text("wrong or has expired")
    page.screenshot(path=shots / "checkin-wrong-code-phone.png", full_page=True, caret="initial")


def test_a_scan_before_signing_in_checks_in_after_signing_in(
    page: Page, browser: Browser, live_server, event, shots
):
    """The QR link of the moment, opened on a phone that is not signed in: sign in, and the
    check-in completes by itself. A link copied from someone else's phone checks nobody in."""
    base = live_server.url
    from portal.services.events import current_code

    phone = browser.new_context(viewport=PHONE)
    student = phone.new_page()
    errors = collect_console_errors(student)
    student.goto(f"{base}/events/{event.pk}/scan/{current_code(event)}/")
    student.get_by_label(re.compile("email", re.I)).fill("aisha@upas.test")
    student.get_by_label(re.compile("password", re.I)).fill(PASSWORD)
    student.get_by_role("button", name=re.compile("sign in", re.I)).click()
    expect(student.get_by_text("Checked in! 15 points added.")).to_be_visible()
    assert "?t=" not in student.url
    student.screenshot(path=shots / "checkin-after-scan-phone.png", full_page=True)

    # Aisha's own link, sent to a friend at home: the token is hers alone.
    StudentFactory(user__email="friend@upas.test", user__name="Friend At Home")
    scanned = phone.request.get(
        f"{base}/events/{event.pk}/scan/{current_code(event)}/", max_redirects=0
    )
    link = base + scanned.headers["location"]
    assert "?t=" in link
    sign_in(page, base, "friend@upas.test")
    page.set_viewport_size(PHONE)
    page.goto(link)
    expect(page.get_by_role("alert")).to_contain_text("This scan has expired")
    page.screenshot(path=shots / "checkin-shared-link-phone.png", full_page=True)
    phone.close()
    assert errors == [], errors
