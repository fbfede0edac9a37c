"""A failed htmx request is never silent, and its toast speaks the page's language: the words
come from the page's #toasts (translated by the template), never from the script."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.steps import DESKTOP, sign_in
from tests.factories import StudentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_404_and_a_500_are_told_in_the_pages_words(page: Page, live_server):
    StudentFactory(user__email="aisha@upas.test", user__name="Aisha Khan")
    base = live_server.url
    page.set_viewport_size(DESKTOP)
    sign_in(page, base, "aisha@upas.test")
    page.goto(f"{base}/rewards/")
    # The bell loads after the page: without it the request below would have no target and
    # never be sent (a slow machine showed it).
    expect(page.locator("#bell")).to_be_attached()
    page.evaluate(
        "() => { htmx.ajax('GET', '/rewards/999999/', {target: '#bell'}).catch(() => {}); }"
    )
    expect(page.locator("#toasts [role=alert]")).to_have_text("That item no longer exists.")
    # The page's own text is what shows: change it, and the toast follows.
    page.evaluate(
        "() => document.getElementById('toasts')"
        ".setAttribute('data-error-other', 'Erreur %(status)s.')"
    )
    page.route("**/boom/", lambda route: route.fulfill(status=500, body="x"))
    page.evaluate("() => { htmx.ajax('GET', '/boom/', {target: '#bell'}).catch(() => {}); }")
    expect(page.locator("#toasts [role=alert]").last).to_have_text("Erreur 500.")
