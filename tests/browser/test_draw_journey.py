"""A prize draw in a real browser: an admin creates a draw for the attendees of an event,
performs it on the draw-day screen; the winner signs in, sees they won and claims the points;
the public verification page says "Verified", and its snippet, run in a plain python3, prints
the recorded winners. Screenshots at 1280 and 375 px."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from portal.models import Draw, DrawWinner, Event, Role
from portal.services import events as event_services
from tests.browser.steps import DESKTOP, PHONE, collect_console_errors, sign_in
from tests.factories import CategoryFactory, EventFactory, StudentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMES = ["Aisha Khan", "Ben Carter", "Chen Wei", "Dara Okafor", "Elif Demir", "Femi Adeyemi"]


@pytest.fixture
def event(db) -> Event:
    """A live event with six students checked in, and an admin."""
    admin = UserFactory(email="sam@upas.test", name="Sam Okoro", role=Role.ADMIN)
    organiser = UserFactory(email="lopez@upas.test", name="Dr Maria Lopez", role=Role.FACULTY)
    event = EventFactory(
        title="Robotics open day",
        organiser=organiser,
        category=CategoryFactory(name="Event attendance", min_points=5, max_points=20),
        attendance_points=10,
    )
    for i, name in enumerate(NAMES):
        first = name.split()[0].lower()
        profile = StudentFactory(
            user__email=f"{first}@upas.test", user__name=name, enrollment_number=f"CS20240{i:02}"
        )
        event_services.check_in(actor=admin, event_id=event.pk, student_id=profile.pk)
    return event


def snap(page: Page, shots: Path, name: str) -> None:
    """Screenshots of the current page at 1280 px and at 375 px; the viewport is restored."""
    size = page.viewport_size
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.screenshot(path=shots / f"{name}-{label}.png", full_page=True, caret="initial")
    page.set_viewport_size(size)


def test_admin_draws_for_an_event_the_winner_claims_and_anyone_verifies(
    page: Page, live_server, event, shots
):
    base = live_server.url
    page.set_viewport_size(DESKTOP)
    errors = collect_console_errors(page)

    # The admin creates the draw for everyone checked in to the event.
    sign_in(page, base, "sam@upas.test")
    page.goto(f"{base}/draws/")
    page.get_by_role("link", name="New draw").click()
    page.get_by_label("Title").fill("Open day prize draw")
    page.get_by_label("Prize", exact=True).fill("100 points and a robot kit photo op")
    page.get_by_label("Or points for each winner").fill("100")
    page.get_by_label("Event (optional)").select_option(label="Robotics open day")
    page.get_by_label("Everyone checked in to the event").check()
    page.get_by_label("Number of winners").fill("1")
    page.get_by_label("Number of alternates").fill("2")
    page.get_by_role("button", name="Create draw").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open day prize draw")
    draw = Draw.objects.get()
    expect(page.get_by_text(draw.commitment)).to_be_visible()
    assert draw.seed not in page.content()

    # The draw-day screen: six attendees, then the reveal.
    page.get_by_role("link", name="Open draw-day screen").click()
    expect(page.get_by_text("6", exact=True)).to_be_visible()
    assert draw.seed not in page.content()
    # Entries are open until the event ends: drawing now means closing them, explicitly.
    page.get_by_role("button", name="Draw the winners").click()
    expect(page.get_by_role("heading", name="The winner")).not_to_be_visible()
    page.get_by_role("checkbox", name="Close them early").check()
    snap(page, shots, "draw-screen-before")
    page.get_by_role("button", name="Draw the winners").click()
    expect(page.get_by_role("heading", name="The winner")).to_be_visible()
    winner = DrawWinner.objects.select_related("entry__student__user").get(draw=draw, position=1)
    name = winner.entry.student.user.name
    winners = page.get_by_role("region", name="The winner")
    expect(winners.get_by_role("listitem").first).to_contain_text(name, timeout=10_000)
    page.wait_for_function(
        "() => document.getAnimations().every(a => a.playState === 'finished')", timeout=10_000
    )
    draw.refresh_from_db()
    expect(page.get_by_text(draw.seed)).to_be_visible()
    snap(page, shots, "draw-screen-after")

    # The winner signs in on a phone, sees the result and claims.
    page.set_viewport_size(PHONE)
    sign_in(page, base, winner.entry.student.user.email)
    page.goto(f"{base}/draws/")
    result = page.get_by_role("listitem").filter(has_text="Open day prize draw")
    expect(result).to_contain_text("among 6 entrants")
    snap(page, shots, "draw-list-student")
    result.get_by_role("link", name="You won — claim it").click()
    prize = page.get_by_role("region", name="Your prize")
    expect(prize.get_by_text("You won!")).to_be_visible()
    snap(page, shots, "draw-detail-claim")
    prize.get_by_role("button", name="Claim 100 points").click()
    expect(page.locator("#messages")).to_contain_text("Claimed! 100 points were added")
    expect(page.get_by_role("region", name="Your prize")).to_contain_text("Claimed on")
    expect(page.locator("#balance-badge")).to_contain_text("110")  # 10 for attending

    # Anyone can verify it: the page recomputes, and its snippet prints the winners.
    page.context.clear_cookies()
    page.set_viewport_size(DESKTOP)
    page.goto(f"{base}/draws/{draw.pk}/verify/")
    expect(page.get_by_role("status")).to_contain_text("Verified")
    for other in NAMES:
        assert other not in page.content()
    snap(page, shots, "draw-verify")
    snippet = page.locator("#verify-code").inner_text()
    ran = subprocess.run(  # noqa: S603 - our own interpreter, running the page's snippet
        [sys.executable, "-I", "-c", snippet], capture_output=True, text=True, timeout=30
    )
    recorded = list(
        DrawWinner.objects.filter(draw=draw).order_by("position").values_list("entry_id", flat=True)
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == str(recorded)
    assert re.fullmatch(r"\[\d+, \d+, \d+\]", ran.stdout.strip())
    assert errors == [], "\n".join(errors)
