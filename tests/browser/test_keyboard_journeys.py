"""The main journeys with the keyboard only (Tab, Shift+Tab, Enter, Space, arrows, typing,
Escape), asserting where the focus lands after every htmx swap: it follows the work (the
confirm button, the first invalid field, the result) instead of falling back to <body>.

Pages are opened by their address (as a bookmark would); everything after that is keys."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from portal.models import Event, Reward, Role
from portal.services import events as event_services
from tests.browser.axe import wait_for_htmx
from tests.browser.steps import DESKTOP, PHONE, collect_console_errors, sign_in
from tests.claims.helpers import make_claim
from tests.factories import CategoryFactory, DepartmentFactory, StudentFactory, UserFactory
from tests.helpers import award, redeem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the focused element is, for the assertions and for failure messages.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {tag: "body", name: "", text: "", invalid: null};
  const labels = el.labels ? [...el.labels].map(l => l.textContent.trim()).join(" ") : "";
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    name: (el.getAttribute("aria-label") || labels || el.textContent || el.value || "")
      .trim().replace(/\\s+/g, " "),
    text: el.textContent.trim().replace(/\\s+/g, " "),
    value: "value" in el ? el.value : null,
    invalid: el.getAttribute("aria-invalid"),
  };
}"""


def focused(page: Page) -> dict:
    return page.evaluate(FOCUSED)


def tab_to(page: Page, name: str | re.Pattern[str], *, limit: int = 60, back: bool = False) -> int:
    """Press Tab (Shift+Tab with back=True) until the focused element's name matches; the
    number of presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        current = focused(page)["name"]
        if re.search(name, current) if isinstance(name, re.Pattern) else current == name:
            return presses
    raise AssertionError(f"{name!r} not reached in {limit} presses; last: {focused(page)}")


def expect_focus(page: Page, locator) -> None:
    expect(locator).to_be_focused()


@pytest.fixture
def cast(db):
    dept = DepartmentFactory(name="Computer Science", code="CS")
    category = CategoryFactory(
        name="Academic merit", default_points=25, min_points=10, max_points=100
    )
    faculty = UserFactory(email="lopez@upas.test", name="Dr Maria Lopez", role=Role.FACULTY)
    admin = UserFactory(email="sam@upas.test", name="Sam Okoro", role=Role.ADMIN)
    student = StudentFactory(
        user__email="aisha@upas.test",
        user__name="Aisha Khan",
        enrollment_number="CS2024001",
        department=dept,
    )
    award(faculty, student, category, 100, reason="Dean's list")
    award(faculty, student, category, 100, reason="Hackathon")
    return {"faculty": faculty, "admin": admin, "student": student, "category": category}


def test_award_by_keyboard(page: Page, live_server, cast, shots):
    base = live_server.url
    page.set_viewport_size(DESKTOP)
    errors = collect_console_errors(page)
    sign_in(page, base, "lopez@upas.test")
    page.goto(f"{base}/award/")

    # Saving an empty form: the focus lands on the first field that needs attention.
    tab_to(page, "Save")
    page.keyboard.press("Enter")
    expect_focus(page, page.locator("#student-search"))
    assert focused(page)["invalid"] == "true"

    page.keyboard.type("Aisha")
    expect(page.get_by_label(re.compile("Aisha Khan"))).to_be_checked()  # the only match
    page.keyboard.press("Tab")
    expect_focus(page, page.get_by_label(re.compile("Aisha Khan")))
    page.keyboard.press("Tab")
    expect_focus(page, page.get_by_label("Category"))
    page.keyboard.press("ArrowDown")  # the first category; its points come in by htmx
    expect(page.get_by_label("Points", exact=True)).to_have_value("25")
    expect_focus(page, page.get_by_label("Category"))  # the swap beside it kept the focus
    page.keyboard.press("Tab")
    expect_focus(page, page.get_by_label("Points", exact=True))
    page.keyboard.press("Control+A")
    page.keyboard.type("40")
    page.keyboard.press("Tab")
    expect_focus(page, page.get_by_label("Reason", exact=True))
    page.keyboard.type("Best project demo")
    expect(page.locator("#id_reason_counter")).to_have_text("483 characters left")
    page.keyboard.press("Tab")
    expect_focus(page, page.get_by_role("button", name="Save"))
    page.keyboard.press("Enter")

    # The result is focused and sits in a live region that stays when the form is swapped.
    result = page.locator("#award-result")
    expect(result).to_have_attribute("role", "status")
    expect(result).to_contain_text("Awarded 40 points to Aisha Khan.")
    expect_focus(page, result.locator("div").first)
    # The refreshes the award set off (balance, bell, counts) leave the focus where it is.
    page.evaluate("() => htmx.trigger(document.body, 'notifications-read')")
    wait_for_htmx(page)
    expect_focus(page, result.locator("div").first)
    page.screenshot(path=shots / "keyboard-award-done-desktop.png", full_page=True, caret="initial")

    # "Award again" keeps student, category, points and reason, with a fresh key.
    page.keyboard.press("Tab")
    expect_focus(page, page.get_by_role("link", name="Award again to Aisha Khan"))
    page.keyboard.press("Enter")
    points = page.get_by_label("Points", exact=True)
    expect_focus(page, points)
    expect(points).to_have_value("40")
    expect(page.get_by_label("Reason", exact=True)).to_have_value("Best project demo")
    expect(page.get_by_label("Category")).to_have_value(str(cast["category"].pk))
    expect(page.get_by_label(re.compile("Aisha Khan"))).to_be_checked()
    expect(result).to_be_empty()
    page.keyboard.press("Enter")  # Enter in the points field sends the form again
    expect(result).to_contain_text("Awarded 40 points to Aisha Khan.")
    expect_focus(page, result.locator("div").first)
    cast["student"].refresh_from_db()
    assert cast["student"].balance == 280  # 200 before, then two awards of 40
    assert errors == [], errors


def test_redeem_by_keyboard(page: Page, live_server, cast, shots):
    Reward.objects.create(name="University hoodie", cost=150, stock=3)
    base = live_server.url
    page.set_viewport_size(PHONE)
    errors = collect_console_errors(page)
    sign_in(page, base, "aisha@upas.test")
    page.goto(f"{base}/rewards/")
    tab_to(page, "Redeem")
    page.keyboard.press("Enter")
    confirm = page.get_by_role("button", name="Confirm")
    expect_focus(page, confirm)  # not 32 Tabs away any more: straight on Confirm
    page.screenshot(path=shots / "keyboard-redeem-confirm-phone.png", full_page=True)
    page.keyboard.press("Enter")
    done = page.get_by_role("status").filter(has_text="Redeemed! Waiting for approval.")
    # The server's answer, as the other journeys wait for theirs: on a loaded two-core host the
    # redemption once took longer than the 5 s default (the confirm panel still on screen).
    expect(done).to_be_visible(timeout=10_000)
    expect_focus(page, done)
    expect(page.locator("#balance-badge")).to_contain_text("50")

    # Cancelling asks first; the answer is focused too.
    page.goto(f"{base}/rewards/mine/")
    tab_to(page, "Cancel and refund…")
    page.keyboard.press("Enter")
    expect_focus(page, page.get_by_role("button", name="Yes, cancel and refund"))
    page.screenshot(path=shots / "keyboard-cancel-confirm-phone.png", full_page=True)
    page.keyboard.press("Escape")  # changed my mind: closed, back on its button
    expect_focus(page, page.get_by_text("Cancel and refund…"))
    page.keyboard.press("Enter")
    expect_focus(page, page.get_by_role("button", name="Yes, cancel and refund"))
    page.keyboard.press("Enter")
    expect_focus(page, page.get_by_role("status").filter(has_text="points are back"))
    assert errors == [], errors


def test_check_in_by_keyboard_on_a_phone(page: Page, live_server, cast, shots):
    now = timezone.now()
    event = Event.objects.create(
        title="Guest lecture",
        location="Lecture Theatre 1",
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=1),
        organiser=cast["faculty"],
        category=cast["category"],
        attendance_points=15,
        status=Event.Status.PUBLISHED,
    )
    base = live_server.url
    page.set_viewport_size(PHONE)
    sign_in(page, base, "aisha@upas.test")
    page.goto(f"{base}/events/{event.pk}/")
    tab_to(page, "Code on the screen")
    page.keyboard.type("zzzzzz")
    page.keyboard.press("Enter")
    code = page.get_by_label("Code on the screen")
    expect(code).to_have_attribute("aria-invalid", "true")
    expect_focus(page, code)  # back in the field, which now describes the error
    expect(code).to_have_attribute("aria-describedby", "code-error")
    # Let htmx finish settling the swapped form before the next Enter: submitted mid-settle on
    # a loaded machine, the form once went as a plain POST (a page load and a flash message).
    expect(page.locator(".htmx-settling, .htmx-swapping, .htmx-request")).to_have_count(0)
    page.keyboard.press("Control+A")
    page.keyboard.type(event_services.current_code(event).lower())
    page.keyboard.press("Enter")
    done = page.get_by_role("status").filter(has_text="You're checked in!")
    expect_focus(page, done)
    page.screenshot(path=shots / "keyboard-checked-in-phone.png", full_page=True)


def test_paging_past_events_by_keyboard_on_a_phone(page: Page, live_server, cast, shots):
    now = timezone.now()
    for i in range(30):
        Event.objects.create(
            title=f"Talk {i}",
            location="Room 2",
            starts_at=now - timedelta(days=1 + i),
            ends_at=now - timedelta(days=1 + i) + timedelta(hours=1),
            organiser=cast["faculty"],
            category=cast["category"],
            attendance_points=5,
            status=Event.Status.PUBLISHED,
        )
    base = live_server.url
    page.set_viewport_size(PHONE)
    errors = collect_console_errors(page)
    sign_in(page, base, "aisha@upas.test")
    page.goto(f"{base}/events/?when=past")
    cards = page.locator("#event-list h2")
    expect(cards).to_have_count(24)
    tab_to(page, "Older →", limit=80)
    page.keyboard.press("Enter")
    expect(cards).to_have_count(6)
    expect(cards.first).to_have_text("Talk 24")
    expect(page).to_have_url(re.compile(r"when=past.*page=2|page=2.*when=past"))
    expect_focus(page, page.locator("#event-list"))  # the new page of cards, read from the top
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "Talk 24"
    page.screenshot(path=shots / "keyboard-events-page-2-phone.png", full_page=True)
    assert errors == []


def test_review_decisions_by_keyboard(page: Page, live_server, cast, shots):
    make_claim(cast["student"], cast["category"], 20, description="Ran the open day")
    make_claim(cast["student"], cast["category"], 30, description="Wrote the guide")
    base = live_server.url
    page.set_viewport_size(DESKTOP)
    errors = collect_console_errors(page)
    sign_in(page, base, "lopez@upas.test")
    page.goto(f"{base}/reviews/")
    tab_to(page, "Approve")
    page.keyboard.press("Enter")
    notice = page.locator("#review-table [role=status]")
    expect(notice).to_contain_text("Approved")
    expect_focus(page, notice)

    tab_to(page, "Reject…")
    page.keyboard.press("Enter")
    comment = page.get_by_label("Comment for the student")
    expect_focus(page, comment)
    page.keyboard.type("The certificate does not show your name")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # past the counter's field description to the button
    if focused(page)["name"] != "Reject":
        page.keyboard.press("Shift+Tab")
    expect_focus(page, page.get_by_role("button", name="Reject", exact=True))
    page.keyboard.press("Enter")
    expect(notice).to_contain_text("Rejected")
    expect_focus(page, notice)
    expect(page.get_by_text("Nothing waiting for review.")).to_be_visible()
    page.screenshot(path=shots / "keyboard-review-done-desktop.png", full_page=True)
    assert errors == [], errors


def test_redemption_decisions_by_keyboard(page: Page, live_server, cast, shots):
    hoodie = Reward.objects.create(name="University hoodie", cost=50, stock=5)
    redeem(cast["student"], hoodie)
    redeem(cast["student"], hoodie)
    base = live_server.url
    page.set_viewport_size(PHONE)
    sign_in(page, base, "sam@upas.test")
    page.goto(f"{base}/staff/redemptions/")
    tab_to(page, "Approve")
    page.keyboard.press("Enter")
    notice = page.locator("#queue-table [role=status]")
    expect(notice).to_contain_text("Approved: University hoodie for Aisha Khan.")
    expect_focus(page, notice)

    tab_to(page, "Reject…")
    page.keyboard.press("Enter")
    note = page.get_by_role("textbox", name="Note for the student")
    expect_focus(page, note)  # in the bottom sheet on a phone
    page.screenshot(path=shots / "keyboard-queue-reject-phone.png", full_page=True)
    page.keyboard.type("Sold out in your size")
    tab_to(page, "Reject and refund", limit=3)
    page.keyboard.press("Enter")
    expect(notice).to_contain_text("Rejected and refunded")
    expect_focus(page, notice)


def test_phone_menu_by_keyboard(page: Page, live_server, cast, shots):
    make_claim(cast["student"], cast["category"], 20)
    base = live_server.url
    page.set_viewport_size(PHONE)
    sign_in(page, base, "lopez@upas.test")
    button = page.get_by_role("button", name=re.compile("^Menu"))
    expect(button).to_have_accessible_name("Menu (1 item waiting for you)")
    expect(page.get_by_role("link", name="Reviews")).to_be_hidden()
    tab_to(page, re.compile("^Menu"))
    expect(button).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    menu = page.locator("#site-menu")
    expect(menu).to_be_visible()
    expect(menu.get_by_role("link", name="Reviews (1 waiting)")).to_be_visible()
    page.screenshot(path=shots / "keyboard-menu-open-phone.png", caret="initial")

    # The focus stays inside while it is open: past the last item back to the button ...
    page.keyboard.press("Tab")
    expect_focus(page, menu.get_by_role("link", name="Dashboard"))
    page.keyboard.press("Shift+Tab")
    expect_focus(page, button)
    page.keyboard.press("Shift+Tab")
    expect_focus(page, menu.get_by_role("button", name="Sign out"))
    page.keyboard.press("Tab")
    expect_focus(page, button)
    # ... and Escape closes it, the focus back on the button.
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect_focus(page, button)

    # A link in the menu goes where it says.
    page.keyboard.press("Enter")
    tab_to(page, re.compile("^Reviews"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/reviews/")
    expect(page.locator("#site-menu")).to_be_hidden()
