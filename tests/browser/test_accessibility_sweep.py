"""axe-core over every page of every role, at 1280 and 375 px, and over the states htmx swaps in
(confirm steps, errors, successes, decisions, the phone menu).

One browser context per role; each page is loaded once and checked at both widths (the layout
follows the viewport, the HTML does not). Critical and serious violations fail the test; moderate
and minor ones are listed at the end of the test run (tests/conftest.py) and, with every node, in
artifacts/browser/axe-report.json. The page list is built from the URL x role matrix: see
tests/browser/pages.py."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Browser, Page

from portal.models import User
from tests.browser.axe import BLOCKING, Report, wait_for_htmx
from tests.browser.pages import ROLES, PageSpec, pages_for
from tests.browser.states import STATES, SweepContext
from tests.browser.steps import DESKTOP, PHONE
from tests.test_permissions import ANONYMOUS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = ((DESKTOP, "1280"), (PHONE, "375"))


def url_of(spec: PageSpec, objects: dict[str, Any]) -> str:
    if spec.path:
        return spec.path
    if spec.name.startswith("account:"):
        return reverse(spec.name.removeprefix("account:"))
    return reverse(f"portal:{spec.name}", kwargs={k: objects[v] for k, v in spec.kwargs})


def sign_in_quickly(page: Page, base: str, user: User) -> None:
    """A session made on the server and handed to the browser (the login form has its own
    journey test, and its page is swept signed out)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])


def check_both_widths(page: Page, report: Report, where: str, *, phone_only: bool = False) -> None:
    for size, label in WIDTHS[1:] if phone_only else WIDTHS:
        page.set_viewport_size(size)
        report.check(page, f"{where} @{label}")
    page.set_viewport_size(DESKTOP)


def check_every_page(
    page: Page, base: str, report: Report, role: str, objects: dict, *, direction: str = "ltr"
) -> None:
    """Every page of `role`'s list at both widths; `direction` is what `<html dir>` must say."""
    suffix = "" if direction == "ltr" else f" ({direction})"
    for spec in pages_for(role):
        url = url_of(spec, objects)
        page.goto(base + url)
        wait_for_htmx(page)
        assert page.locator("html").get_attribute("dir") == direction, url
        check_both_widths(page, report, f"{role} {url}{suffix}")


@pytest.mark.parametrize("role", ROLES)
def test_every_page_and_state_has_no_serious_axe_violation(
    browser: Browser, live_server, sweep_objects, request, record_property, shots, role
):
    base = live_server.url
    context = browser.new_context(viewport=DESKTOP, reduced_motion="reduce")
    page = context.new_page()
    page.set_default_timeout(10_000)
    report = Report()
    if role != ANONYMOUS:
        sign_in_quickly(page, base, sweep_objects["users"][role])

    try:
        # The check-in page without a scan (a token, or a scan waiting in the session) says the
        # scan expired; with one it submits itself (checked in the check-in journey).
        check_every_page(page, base, report, role, sweep_objects)

        sweep = SweepContext(page=page, base=base, objects=sweep_objects, shots=shots)
        for state in STATES[role]:
            state(
                sweep,
                lambda label, phone_only=False: check_both_widths(
                    page, report, f"{role} {label}", phone_only=phone_only
                ),
            )
    finally:
        context.close()
        out = {
            "role": role,
            "checked": len(report.checked),
            "counts": report.counts(),
            "summary": report.summary(),
            "findings": [f.__dict__ for f in report.findings],
        }
        (shots / f"axe-report-{role}.json").write_text(json.dumps(out, indent=1))
        record_property("axe", json.dumps({k: v for k, v in out.items() if k != "findings"}))
    blocking = report.by_impact(*BLOCKING)
    assert not blocking, (
        f"{len(blocking)} critical/serious axe violation(s) as {role}:\n" + report.text(*BLOCKING)
    )


@pytest.mark.parametrize("role", ROLES)
def test_every_page_in_arabic_has_no_serious_axe_violation(
    browser: Browser, live_server, sweep_objects, record_property, shots, role
):
    """The same pages right to left, in Arabic (the browser asks for it): the language and
    direction are declared and nothing the translation changed breaks a rule. The swapped
    states are driven by their English labels and are checked above."""
    base = live_server.url
    context = browser.new_context(viewport=DESKTOP, reduced_motion="reduce", locale="ar")
    page = context.new_page()
    page.set_default_timeout(10_000)
    report = Report()
    if role != ANONYMOUS:
        sign_in_quickly(page, base, sweep_objects["users"][role])
    try:
        check_every_page(page, base, report, role, sweep_objects, direction="rtl")
    finally:
        context.close()
        record_property("axe-ar", json.dumps({"checked": len(report.checked)}))
    blocking = report.by_impact(*BLOCKING)
    assert not blocking, (
        f"{len(blocking)} critical/serious axe violation(s) in Arabic as {role}:\n"
        + report.text(*BLOCKING)
    )
