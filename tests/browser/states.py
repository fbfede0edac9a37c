"""The states htmx swaps into pages, for the accessibility sweep: each function drives the page
into states (a confirm step, an error, a success, a decision, the phone menu) and calls
`check(label)` in each, which runs axe at both widths. They run in order, per role, after the
page sweep, on the sweep's objects (tests/browser/conftest.py: `sweep_objects`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.axe import wait_for_htmx
from tests.browser.steps import DESKTOP, PHONE


class Check(Protocol):
    def __call__(self, label: str, *, phone_only: bool = False) -> None: ...


@dataclass
class SweepContext:
    page: Page
    base: str
    objects: dict[str, Any]
    shots: Path

    def go(self, name: str, **kwargs: str) -> str:
        """Open the portal page `name`; kwargs name keys of the sweep's objects."""
        path = reverse(f"portal:{name}", kwargs={k: self.objects[v] for k, v in kwargs.items()})
        self.page.goto(self.base + path)
        wait_for_htmx(self.page)
        return path

    def settle(self) -> None:
        wait_for_htmx(self.page)


# --- everyone signed in ---------------------------------------------------------------------


def phone_menu(s: SweepContext, check: Check) -> None:
    """Below md the links are behind the menu button (at md and up the menu closes itself)."""
    s.go("dashboard")
    s.page.set_viewport_size(PHONE)
    s.page.get_by_role("button", name=re.compile("^Menu")).click()
    expect(s.page.locator("#site-menu")).to_be_visible()
    check("/ (phone menu open)", phone_only=True)
    s.page.keyboard.press("Escape")
    s.page.set_viewport_size(DESKTOP)


def discord_link_code(s: SweepContext, check: Check) -> None:
    """Settings, Discord: the one-time link code swapped into the section."""
    s.go("settings")
    s.page.get_by_role("button", name="Get a link code").click()
    expect(s.page.locator("#discord-settings [role=status]")).to_be_visible()
    check("/settings/ (Discord link code)")


# --- signed out -----------------------------------------------------------------------------


def login_error(s: SweepContext, check: Check) -> None:
    s.page.goto(f"{s.base}/accounts/login/")
    s.page.get_by_label(re.compile("email", re.I)).fill("nobody@upas.test")
    s.page.get_by_label(re.compile("password", re.I)).fill("wrong password")
    s.page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    expect(s.page.get_by_role("alert").first).to_be_visible()
    check("/accounts/login/ (wrong password)")


def signup_error(s: SweepContext, check: Check) -> None:
    s.page.goto(f"{s.base}/accounts/signup/")
    s.page.evaluate("() => document.querySelectorAll('form').forEach(f => f.noValidate = true)")
    s.page.locator("form button[type=submit]").last.click()
    s.page.wait_for_load_state()
    check("/accounts/signup/ (errors)")


# --- student --------------------------------------------------------------------------------


def redeem_steps(s: SweepContext, check: Check) -> None:
    s.go("rewards")
    card = s.page.get_by_role("listitem").filter(has=s.page.get_by_role("link", name="Redeem"))
    card.first.get_by_role("link", name="Redeem").click()
    expect(s.page.get_by_role("button", name="Confirm")).to_be_visible()
    s.settle()
    check("/rewards/ (redeem: confirm step)")
    s.page.get_by_role("button", name="Confirm").click()
    expect(s.page.get_by_text("Redeemed! Waiting for approval.")).to_be_visible()
    s.settle()
    check("/rewards/ (redeem: done)")


def cancel_redemption(s: SweepContext, check: Check) -> None:
    s.go("my-redemptions")
    s.page.get_by_text("Cancel and refund…").first.click()
    expect(s.page.get_by_role("button", name="Yes, cancel and refund")).to_be_focused()
    check("/rewards/mine/ (cancel: asked to confirm)")
    s.page.get_by_role("button", name="Yes, cancel and refund").click()
    expect(s.page.get_by_text("points are back in your balance")).to_be_visible()
    s.settle()
    check("/rewards/mine/ (cancelled)")


def claim_errors(s: SweepContext, check: Check) -> None:
    s.go("claim-create")
    s.page.get_by_role("button", name="Send claim").click()
    s.page.wait_for_load_state()
    expect(s.page.locator(".field-error").first).to_be_visible()
    check("/claims/new/ (errors)")


def withdraw_claim(s: SweepContext, check: Check) -> None:
    s.go("claims")
    s.page.get_by_role("button", name="Withdraw claim").first.click()
    expect(s.page.get_by_text("Claim withdrawn.")).to_be_visible()
    s.settle()
    check("/claims/ (withdrawn)")


def event_checkin(s: SweepContext, check: Check) -> None:
    path = s.go("event-detail", pk="event")
    s.page.get_by_role("button", name="Remind me").click()
    expect(s.page.get_by_text("We will remind you")).to_be_visible()
    s.settle()
    check(f"{path} (reminder set)")
    s.page.get_by_label("Code on the screen").fill(s.objects["bad_code"])
    s.page.get_by_role("button", name="Check in").click()
    expect(s.page.locator("#code-error")).to_be_visible()
    s.settle()
    check(f"{path} (check-in: wrong code)")
    from portal.models import Event
    from portal.services import events as event_services

    code = event_services.current_code(Event.objects.get(pk=s.objects["event"]))
    s.page.get_by_label("Code on the screen").fill(code)
    s.page.get_by_role("button", name="Check in").click()
    expect(s.page.get_by_text("You're checked in!")).to_be_visible()
    s.settle()
    check(f"{path} (checked in)")


def dispute_panel(s: SweepContext, check: Check) -> None:
    """ "I was there": the waiting dispute on "club_event", then a new one at an event where the
    student was refused at the door."""
    path = s.go("event-detail", pk="club_event")
    expect(s.page.locator("#dispute-panel")).to_contain_text("They will answer")
    check(f"{path} (dispute waiting)")
    from portal.models import CheckInAttempt
    from tests.factories import EventFactory

    event = EventFactory(organiser=s.objects["users"]["faculty"], title="Refused at the door")
    CheckInAttempt.objects.create(
        event=event,
        student=s.objects["users"]["student"].student_profile,
        reason="bad_code",
        method="code",
    )
    s.page.goto(s.base + reverse("portal:event-detail", args=[event.pk]))
    s.settle()
    check(f"/events/{event.pk}/ (dispute form)")
    s.page.get_by_label("What happened").fill("I was in the second row.")
    s.page.get_by_role("button", name="Send to the organiser").click()
    expect(s.page.get_by_text("Sent to the organiser.")).to_be_visible()
    s.settle()
    check(f"/events/{event.pk}/ (dispute sent)")


def enter_draw(s: SweepContext, check: Check) -> None:
    path = s.go("draw-detail", pk="draw")
    s.page.get_by_role("button", name="Enter the draw").click()
    expect(s.page.get_by_text("You're in the draw. Good luck!")).to_be_visible()
    s.settle()
    check(f"{path} (entered)")


def abandon_open(s: SweepContext, check: Check) -> None:
    path = s.go("task-detail", pk="task")
    s.page.locator("#assignment-panel summary").click()
    check(f"{path} (abandon: confirm open)")


# --- faculty --------------------------------------------------------------------------------


def award_states(s: SweepContext, check: Check) -> None:
    path = s.go("award")
    s.page.get_by_role("button", name="Save").click()
    expect(s.page.locator("#award-form .field-error").first).to_be_visible()
    s.settle()
    check(f"{path} (award: errors)")
    s.page.get_by_label("Reason", exact=True).fill("x" * 510)
    expect(s.page.locator("#id_reason_counter")).to_have_text("10 characters too many")
    check(f"{path} (award: reason too long)")
    s.page.locator("#student-search").fill("Alice")
    expect(s.page.get_by_label(re.compile("Alice Student"))).to_be_visible()
    s.settle()
    check(f"{path} (award: search results)")
    s.page.get_by_label(re.compile("Alice Student")).check()
    s.page.get_by_label("Category").select_option(label="Academic merit")
    expect(s.page.get_by_label("Points", exact=True)).to_have_value("20")
    s.page.get_by_label("Reason", exact=True).fill("Helped at the open day")
    s.page.get_by_role("button", name="Save").click()
    expect(s.page.get_by_text("Awarded 20 points to Alice Student.")).to_be_visible()
    s.settle()
    check(f"{path} (award: done)")
    s.page.get_by_role("link", name="Award again to Alice Student").click()
    expect(s.page.get_by_label("Reason", exact=True)).to_have_value("Helped at the open day")
    s.settle()
    check(f"{path} (award: award again)")
    s.page.locator("#recent-awards summary").first.click()
    check(f"{path} (reverse: open)")


def bulk_award_errors(s: SweepContext, check: Check) -> None:
    path = s.go("award-bulk")
    s.page.get_by_label("Category").select_option(label="Academic merit")
    s.page.get_by_label("Points").fill("10")
    s.page.get_by_label("Reason").fill("Lab helpers")
    s.page.get_by_label("Students", exact=True).fill("CS001\nNOPE999\nCS001")
    s.page.get_by_role("button", name="Award all").click()
    expect(s.page.get_by_role("alert").first).to_be_visible()
    s.settle()
    check(f"{path} (bulk award: bad lines)")


def review_decisions(s: SweepContext, check: Check) -> None:
    path = s.go("reviews")
    s.page.locator("#review-table details summary").first.click()
    check(f"{path} (reject: open)")
    s.page.keyboard.press("Escape")
    s.page.locator("#review-table").get_by_role("button", name="Approve").first.click()
    expect(s.page.locator("#review-table [role=status]")).to_be_visible()
    s.settle()
    check(f"{path} (approved)")


def reversed_dates(s: SweepContext, check: Check) -> None:
    path = s.go("history")
    s.page.get_by_label("From", exact=True).fill("2030-01-02")
    s.page.get_by_label("To", exact=True).fill("2020-01-01")
    expect(s.page.locator("#date-range-error")).to_be_visible()
    s.settle()
    check(f"{path} (reversed date range)")


def attendance_search(s: SweepContext, check: Check) -> None:
    path = s.go("event-attendance", pk="event")
    s.page.locator("#manual-search").fill("Bob")
    expect(s.page.locator("#manual-results")).to_contain_text("Bob Student")
    s.settle()
    check(f"{path} (search results)")


def pass_scan_refused(s: SweepContext, check: Check) -> None:
    """The scan mode's result panel, with a typed code that is not a pass."""
    path = s.go("event-pass-scan", pk="event")
    s.page.get_by_role("textbox", name="Pass code").fill("12-ABCDEFGH")
    s.page.get_by_role("button", name="Check in").click()
    expect(s.page.locator("#pass-result [role=alert]")).to_be_visible()
    s.settle()
    check(f"{path} (refused)")


def annul_open(s: SweepContext, check: Check) -> None:
    path = s.go("event-attendance", pk="event")
    s.page.locator("#attendance-list details summary").first.click()
    expect(s.page.locator("#attendance-list details textarea").first).to_be_visible()
    check(f"{path} (annul: open)")
    s.page.keyboard.press("Escape")


def dispute_decisions(s: SweepContext, check: Check) -> None:
    path = s.go("dispute-queue")
    s.page.locator("#dispute-list details summary").first.click()
    check(f"{path} (reject: open)")
    s.page.keyboard.press("Escape")
    s.page.locator("#dispute-list").get_by_role("button", name=re.compile("^Accept")).first.click()
    # Accepted, or refused with the reason (the sweep's club event is full for some roles):
    # either way the list comes back with its message, which is what is checked.
    expect(
        s.page.locator("#dispute-list").locator("[role=status], [role=alert]").first
    ).to_be_visible()
    s.settle()
    check(f"{path} (decided)")


def form_errors(name: str, button: str) -> Callable[[SweepContext, Check], None]:
    def state(s: SweepContext, check: Check) -> None:
        path = s.go(name)
        # The server's errors, not the browser's own bubbles for `required` fields.
        s.page.evaluate("() => document.querySelectorAll('form').forEach(f => f.noValidate = true)")
        s.page.locator("main").get_by_role("button", name=button).first.click()
        s.page.wait_for_load_state()
        s.settle()
        expect(s.page.locator(".field-error, .alert-error").first).to_be_visible()
        check(f"{path} (errors)")

    state.__name__ = f"{name}_errors"
    return state


# --- admin ----------------------------------------------------------------------------------


def queue_decisions(s: SweepContext, check: Check) -> None:
    path = s.go("redemption-queue")
    s.page.get_by_role("button", name="Apply").click()
    expect(s.page.locator("#queue-table [role=alert]")).to_be_visible()
    s.settle()
    check(f"{path} (bulk: nothing ticked)")
    s.page.locator("#queue-table details summary").first.click()
    check(f"{path} (reject: open)")
    s.page.keyboard.press("Escape")
    s.page.locator("#queue-table").get_by_role("button", name="Approve").first.click()
    expect(s.page.locator("#queue-table [role=status]")).to_be_visible()
    s.settle()
    check(f"{path} (approved)")


def import_errors(s: SweepContext, check: Check) -> None:
    path = s.go("student-import")
    s.page.locator("#import-panel button[type=submit]").click()
    expect(s.page.locator("#import-panel .field-error").first).to_be_visible()
    s.settle()
    check(f"{path} (errors)")


STATES: dict[str, list[Callable[[SweepContext, Check], None]]] = {
    "anonymous": [login_error, signup_error],
    "student": [
        phone_menu,
        redeem_steps,
        cancel_redemption,
        claim_errors,
        withdraw_claim,
        event_checkin,
        dispute_panel,
        enter_draw,
        abandon_open,
        discord_link_code,
    ],
    "faculty": [
        phone_menu,
        award_states,
        bulk_award_errors,
        review_decisions,
        reversed_dates,
        attendance_search,
        pass_scan_refused,
        annul_open,
        dispute_decisions,
        form_errors("event-create", "Save"),
        form_errors("task-create", "Post task"),
    ],
    "admin": [
        phone_menu,
        queue_decisions,
        import_errors,
        form_errors("category-create", "Save"),
        form_errors("reward-create", "Save"),
        form_errors("user-create", "Create account"),
        form_errors("draw-create", "Create draw"),
        form_errors("partners", "Send the invitation"),
    ],
    "partner": [phone_menu],
}
