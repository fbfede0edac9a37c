"""A session that ends while a page is open: the next htmx request (the bell's poll, a form)
takes the user to the sign-in page, whole, and back to the same page afterwards, instead of
swapping the sign-in page into the bell (issue 18)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.steps import DESKTOP, PASSWORD, sign_in
from tests.factories import StudentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_bells_poll_after_the_session_ended_goes_to_sign_in(page: Page, live_server):
    StudentFactory(user__email="aisha@upas.test", user__name="Aisha Khan")
    base = live_server.url
    page.set_viewport_size(DESKTOP)
    sign_in(page, base, "aisha@upas.test")
    page.goto(f"{base}/rewards/?sort=cost")
    expect(page.locator("#bell")).to_be_visible()

    page.context.clear_cookies()  # the session ends (expired, or signed out elsewhere)
    page.evaluate("() => htmx.trigger(document.body, 'points-changed')")  # the bell refreshes
    page.wait_for_url(re.compile(r"/accounts/login/\?next="))
    assert page.url == f"{base}/accounts/login/?next=%2Frewards%2F%3Fsort%3Dcost"
    expect(page.locator("#bell")).to_have_count(0)

    page.get_by_label(re.compile("email", re.I)).fill("aisha@upas.test")
    page.get_by_label(re.compile("password", re.I)).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_url(f"{base}/rewards/?sort=cost")
