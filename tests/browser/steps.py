"""Shared browser steps."""

from __future__ import annotations

import re

from playwright.sync_api import Page

PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory's password
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def sign_in(page: Page, base: str, email: str) -> None:
    # Leave the current page first: an htmx request still in flight there (the bell refreshing
    # after an award) would otherwise set the previous user's CSRF cookie after the clear, and
    # the login form's token would no longer match it.
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label(re.compile("email", re.I)).fill(email)
    page.get_by_label(re.compile("password", re.I)).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_url(f"{base}/")


def collect_console_errors(page: Page) -> list[str]:
    """Console errors (a CSP violation shows up here). Screenshots use caret="initial":
    hiding the caret injects a <style>, which the CSP blocks."""
    errors: list[str] = []
    page.on(
        "console",
        lambda msg: errors.append(f"{page.url}: {msg.text}") if msg.type == "error" else None,
    )
    return errors
