"""Rewards in a real browser: a student redeems with the inline confirm step and sees the
balance drop; an admin rejects it with a note; the student sees the refund and the note."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal.models import Reward, Role
from portal.services import ledger
from tests.browser.steps import DESKTOP, PHONE, collect_console_errors, sign_in
from tests.conftest import key
from tests.factories import CategoryFactory, StudentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cast(db):
    admin = UserFactory(email="sam@upas.test", name="Sam Okoro", role=Role.ADMIN)
    student = StudentFactory(
        user__email="aisha@upas.test", user__name="Aisha Khan", enrollment_number="CS2024001"
    )
    category = CategoryFactory(name="Academic merit", min_points=1, max_points=500)
    ledger.award_points(
        actor=admin,
        student_id=student.pk,
        category_id=category.pk,
        amount=200,
        reason="Dean's list",
        idempotency_key=key(),
    )
    Reward.objects.create(
        name="University hoodie", cost=150, stock=3, description="Heavyweight hoodie."
    )
    Reward.objects.create(name="Lunch with the Dean", cost=800, stock=2)
    return admin, student


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_student_redeems_and_admin_rejects_with_a_note(
    page: Page, live_server, cast, shots, viewport
):
    base = live_server.url
    label = "phone" if viewport is PHONE else "desktop"
    page.set_viewport_size(viewport)
    errors = collect_console_errors(page)

    sign_in(page, base, "aisha@upas.test")
    page.goto(f"{base}/rewards/")
    expect(page.get_by_text("You need 600 more points for this reward.")).to_be_visible()
    card = page.get_by_role("listitem").filter(has_text="University hoodie")
    card.get_by_role("link", name="Redeem").click()
    expect(card.get_by_text("Balance after")).to_be_visible()
    expect(card).to_contain_text("50")
    page.screenshot(path=shots / f"redeem-confirm-{label}.png", full_page=True, caret="initial")
    card.get_by_role("button", name="Confirm").click()
    expect(card.get_by_role("status")).to_contain_text("Redeemed! Waiting for approval.")
    expect(page.locator("#balance-badge")).to_contain_text(
        "50"
    )  # the header listened to points-changed
    page.screenshot(path=shots / f"redeem-done-{label}.png", full_page=True, caret="initial")

    sign_in(page, base, "sam@upas.test")
    page.goto(f"{base}/staff/redemptions/")
    row = page.locator("tr").filter(has_text="Aisha Khan")
    row.get_by_text("Reject…").click()
    row.get_by_label("Note for the student").fill("Sorry, that size sold out.")
    row.get_by_role("button", name="Reject and refund").click()
    expect(page.get_by_role("status").filter(has_text="Rejected and refunded")).to_be_visible()
    page.screenshot(path=shots / f"queue-rejected-{label}.png", full_page=True, caret="initial")

    sign_in(page, base, "aisha@upas.test")
    expect(page.locator("#balance")).to_have_text("200")
    page.goto(f"{base}/rewards/mine/")
    expect(page.get_by_text("Sorry, that size sold out.")).to_be_visible()
    expect(page.get_by_text("Rejected", exact=True).first).to_be_visible()
    page.screenshot(path=shots / f"my-redemptions-{label}.png", full_page=True, caret="initial")
    assert errors == [], "\n".join(errors)
