"""Door passes in real browsers. A student opens their pass on a phone (375 px); the organiser
types the pass code into the scan mode and sees the student checked in. Then the camera path,
end to end: the QR image the pass page drew becomes the picture of Chromium's fake camera
(--use-file-for-fake-video-capture), and the scan page reads it with the vendored jsQR (Chromium
on Linux has no BarcodeDetector) and checks the student in, without anyone typing."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Browser, BrowserType, Page, expect

from portal.models import CheckIn, Event, Role
from tests.browser.steps import DESKTOP, PHONE, collect_console_errors, sign_in
from tests.factories import CategoryFactory, StudentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def event(db) -> Event:
    organiser = UserFactory(email="lopez@upas.test", name="Dr Maria Lopez", role=Role.FACULTY)
    StudentFactory(
        user__email="aisha@upas.test", user__name="Aisha Khan", enrollment_number="CS2024001"
    )
    StudentFactory(
        user__email="ben@upas.test", user__name="Ben Osei", enrollment_number="CS2024002"
    )
    now = timezone.now()
    return Event.objects.create(
        title="Robotics night",
        location="Lab 2",
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=1),
        organiser=organiser,
        category=CategoryFactory(name="Event attendance", min_points=5, max_points=20),
        attendance_points=15,
        status=Event.Status.PUBLISHED,
    )


def open_pass(page: Page, base: str) -> str:
    page.goto(f"{base}/pass/")
    expect(page.locator("#door-pass svg")).to_be_visible()
    return page.locator("[data-pass-code]").inner_text().strip()


def test_organiser_checks_a_student_in_with_the_typed_pass_code(
    page: Page, browser: Browser, live_server, event, shots
):
    base = live_server.url
    phone = browser.new_context(viewport=PHONE)
    student = phone.new_page()
    student_errors = collect_console_errors(student)
    sign_in(student, base, "aisha@upas.test")
    code = open_pass(student, base)
    box = student.locator("#door-pass [role=img]").bounding_box()
    assert box["width"] >= 300, "big enough for a scanner at 375 px"
    student.screenshot(path=shots / "pass-phone.png", full_page=True, caret="initial")

    page.set_viewport_size(DESKTOP)
    organiser_errors = collect_console_errors(page)
    sign_in(page, base, "lopez@upas.test")
    page.goto(f"{base}/events/{event.pk}/")
    page.get_by_role("link", name="Scan passes").click()
    # The click returns once the new page starts loading: on a busy CI host the form was sent
    # before htmx had started (a plain POST, whose full page says "Checked in" but leaves the
    # live region empty). Wait for the page's scripts, as a person's next click would.
    page.wait_for_url(f"{base}/events/{event.pk}/passes/")
    page.wait_for_load_state()
    page.get_by_role("textbox", name="Pass code").fill(code.lower())
    page.get_by_role("button", name="Check in").click()
    result = page.get_by_role("status").filter(has_text="Aisha Khan")
    expect(result).to_contain_text("Checked in")
    expect(page.locator("#announcer")).to_contain_text("Aisha Khan")
    expect(page.get_by_role("textbox", name="Pass code")).to_have_value(
        ""
    )  # ready for the next one
    page.screenshot(path=shots / "pass-scan-desktop.png", full_page=True, caret="initial")

    # The same pass again: refused in place, with the reason.
    page.get_by_role("textbox", name="Pass code").fill(code)
    page.get_by_role("button", name="Check in").click()
    expect(page.get_by_role("alert")).to_contain_text("Already checked in")
    page.set_viewport_size(PHONE)
    page.screenshot(path=shots / "pass-scan-phone.png", full_page=True, caret="initial")

    student.set_viewport_size(DESKTOP)
    student.goto(f"{base}/")
    expect(student.locator("#door-pass svg")).to_be_visible()
    student.screenshot(path=shots / "pass-dashboard-desktop.png", full_page=True, caret="initial")
    phone.close()
    assert CheckIn.objects.get().method == CheckIn.Method.PASS
    assert student_errors == [] and organiser_errors == [], student_errors + organiser_errors


def y4m_of(png: bytes, path: Path, size: int = 480) -> Path:
    """One still frame (YUV 4:2:0) of the image, centred on white, for Chromium's fake camera."""
    image = Image.open(io.BytesIO(png)).convert("L")
    image.thumbnail((size - 80, size - 80))
    frame = Image.new("L", (size, size), 255)
    frame.paste(image, ((size - image.width) // 2, (size - image.height) // 2))
    chroma = bytes([128]) * (size // 2) * (size // 2)
    path.write_bytes(
        f"YUV4MPEG2 W{size} H{size} F10:1 Ip A1:1 C420jpeg\n".encode()
        + b"FRAME\n"
        + frame.tobytes()
        + chroma
        + chroma
    )
    return path


def test_the_camera_reads_the_pass_and_checks_the_student_in(
    page: Page,
    browser_type: BrowserType,
    browser_type_launch_args: dict,
    live_server,
    event,
    shots,
    tmp_path,
):
    base = live_server.url
    page.set_viewport_size(PHONE)
    sign_in(page, base, "ben@upas.test")
    code = open_pass(page, base)
    qr_png = page.locator("#door-pass [role=img]").screenshot()
    camera = y4m_of(qr_png, tmp_path / "pass.y4m")

    args = [
        *browser_type_launch_args["args"],
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={camera}",
    ]
    with browser_type.launch(**{**browser_type_launch_args, "args": args}) as scanner:
        context = scanner.new_context(viewport=PHONE)
        organiser = context.new_page()
        errors = collect_console_errors(organiser)
        sign_in(organiser, base, "lopez@upas.test")
        organiser.goto(f"{base}/events/{event.pk}/passes/")
        uses_jsqr = organiser.evaluate("!('BarcodeDetector' in window) && !!window.jsQR")
        expect(organiser.get_by_role("button", name="Stop camera")).to_be_hidden()
        organiser.get_by_role("button", name="Start camera").click()
        expect(organiser.get_by_role("button", name="Stop camera")).to_be_visible()
        expect(organiser.get_by_role("button", name="Start camera")).to_be_hidden()
        result = organiser.get_by_role("status").filter(has_text="Ben Osei")
        expect(result).to_contain_text("Checked in", timeout=15_000)
        organiser.screenshot(path=shots / "pass-camera-phone.png", full_page=True, caret="initial")
        organiser.get_by_role("button", name="Stop camera").click()
        expect(organiser.get_by_role("button", name="Start camera")).to_be_focused()
        expect(organiser.locator("video")).to_be_hidden()
        context.close()
    checkin = CheckIn.objects.get()
    assert (checkin.student.user.email, checkin.method) == ("ben@upas.test", CheckIn.Method.PASS)
    assert code.startswith(f"{checkin.student.user_id}-")
    assert uses_jsqr, "this run decoded with the vendored jsQR"
    assert errors == [], errors
