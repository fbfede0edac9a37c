"""Data rights in a real browser: a student adds a photo and asks for their data to be erased;
an admin erases it from the queue (typing the address to confirm); the student's name is gone
from the people list and the ledger is exact."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.models import ErasureRequest, Role, User
from tests.browser.axe import Report
from tests.browser.steps import DESKTOP, PHONE, sign_in
from tests.claims.helpers import png_bytes
from tests.factories import CategoryFactory, StudentFactory, UserFactory
from tests.helpers import assert_ledger_consistent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cast(db):
    UserFactory(email="ada@upas.test", name="Ada Admin", role=Role.ADMIN)
    faculty = UserFactory(email="lopez@upas.test", name="Dr Lopez", role=Role.FACULTY)
    student = StudentFactory(user__email="aisha@upas.test", user__name="Aisha Khan")
    from portal.services import ledger

    ledger.award_points(
        actor=faculty,
        student_id=student.pk,
        category_id=CategoryFactory(max_points=100).pk,
        amount=40,
        reason="Best demo",
        idempotency_key="a" * 32,
    )
    return student


def check_axe(page: Page, where: str) -> None:
    report = Report()
    report.check(page, where)
    assert report.by_impact("critical", "serious") == [], report.text("critical", "serious")


def test_a_student_adds_a_photo_and_asks_for_erasure_which_an_admin_carries_out(
    page: Page, live_server, cast, shots, tmp_path
):
    base = live_server.url
    sign_in(page, base, "aisha@upas.test")
    page.goto(f"{base}/settings/")
    photo = tmp_path / "me.png"
    photo.write_bytes(png_bytes((200, 200), "teal"))
    page.get_by_label(re.compile(r"^Photo")).set_input_files(str(photo))
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile was saved.")).to_be_visible()
    expect(page.locator("header img.rounded-full")).to_be_visible()

    page.get_by_text("Ask for your data to be erased").click()
    page.get_by_role("button", name="Ask for erasure").click()
    expect(page.get_by_text("This field is required.")).to_be_visible()  # the confirmation box
    page.get_by_label(re.compile("I understand")).check()
    page.get_by_label(re.compile("Anything the admin")).fill("I am leaving the university.")
    page.get_by_role("button", name="Ask for erasure").click()
    expect(page.get_by_text(re.compile("An admin will decide soon"))).to_be_visible()
    for size, label in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page.set_viewport_size(size)
        page.locator("#your-data").scroll_into_view_if_needed()
        page.screenshot(
            path=shots / f"erasure-requested-{label}.png", full_page=True, caret="initial"
        )
        check_axe(page, f"settings with an erasure request @{label}")
    page.set_viewport_size(DESKTOP)

    sign_in(page, base, "ada@upas.test")
    page.goto(f"{base}/staff/erasure/")
    expect(page.get_by_text("I am leaving the university.")).to_be_visible()
    for size, label in ((PHONE, "phone"), (DESKTOP, "desktop")):
        page.set_viewport_size(size)
        page.screenshot(path=shots / f"erasure-queue-{label}.png", full_page=True, caret="initial")
        check_axe(page, f"erasure queue @{label}")
    confirm = page.get_by_label("Type the account's email address to confirm")
    confirm.fill("wrong@upas.test")
    page.get_by_role("button", name="Erase their data").click()
    expect(page.get_by_text("Type the account's email address exactly to confirm.")).to_be_visible()
    check_axe(page, "erasure queue with an error @desktop")
    page.get_by_label("Type the account's email address to confirm").fill("aisha@upas.test")
    page.get_by_role("button", name="Erase their data").click()
    expect(page.get_by_text(re.compile("personal data was erased"))).to_be_visible()
    expect(page.get_by_text("No requests waiting.")).to_be_visible()

    user = User.objects.get(pk=cast.user_id)
    assert user.erased_at and not user.photo
    assert ErasureRequest.objects.get(user=user).status == ErasureRequest.Status.ERASED
    page.goto(f"{base}/staff/people/?q=aisha")
    expect(page.get_by_text("Nobody matches.")).to_be_visible()
    assert_ledger_consistent()
