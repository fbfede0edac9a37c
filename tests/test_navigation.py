"""The header: the main links in a row from md up, and below md a labelled menu button that
opens the same links (its behaviour, Escape and the focus trap, is in
tests/browser/test_keyboard_journeys.py). Staff see what waits for them on the button."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from portal.context_processors import navigation
from portal.permissions import abilities_of
from tests.claims.helpers import make_claim
from tests.factories import RewardFactory
from tests.helpers import redeem
from tests.html import find, find_all, text

pytestmark = pytest.mark.django_db


def links(element) -> list[str]:
    return [text(a) for a in find_all(element, "a")]


@pytest.mark.parametrize("role", ["student", "faculty", "admin"])
def test_the_phone_menu_holds_the_same_links_as_the_header(request, client_as, role):
    page = client_as(request.getfixturevalue(role)).get(reverse("portal:dashboard")).content
    button = find(page, "button", data_menu_toggle="")
    attrs = dict(button.attributes)
    assert attrs["aria-expanded"] == "false"
    assert attrs["aria-controls"] == "site-menu"
    assert text(button).startswith("Menu")
    menu = find(page, id="site-menu")
    assert "hidden" in dict(menu.attributes)
    header_links = [link for link in links(find(page, "nav", id="main-nav")) if link]
    menu_links = links(find(menu, "nav"))
    for link in header_links:
        assert any(m.startswith(link.split(" (")[0]) for m in menu_links), link
    # Settings and signing out are in the menu too (the account menu is hidden below md).
    assert "Settings" in links(menu)
    assert find(menu, "button", type="submit")


def test_the_current_page_is_marked_for_screen_readers(client_as, student):
    page = client_as(student).get(reverse("portal:history")).content
    current = [
        text(a) for a in find_all(find(page, "nav", id="main-nav"), "a", aria_current="page")
    ]
    assert current == ["My points"]


def test_the_menu_button_shows_what_waits_for_a_reviewer(client_as, faculty, student, category):
    make_claim(student, category, 10)
    response = client_as(faculty).get(reverse("portal:review-count"))
    assert text(find(response.content, id="menu-badge")) == "1 (1 item waiting for you)"
    assert text(find(response.content, id="menu-review-count")) == "1 (1 waiting)"
    assert dict(find(response.content, id="menu-badge").attributes)["hx-swap-oob"] == "true"


def test_the_menu_button_adds_pending_redemptions_for_admins(
    client_as, admin, faculty, student, category, give
):
    give(student, 50, actor=faculty, category=category)
    redeem(student, RewardFactory(cost=10))
    make_claim(student, category, 10)
    page = client_as(admin).get(reverse("portal:dashboard")).content
    assert text(find(page, id="menu-badge")) == "1 (1 item waiting for you)"  # before the load
    response = client_as(admin).get(reverse("portal:review-count"))
    assert text(find(response.content, id="menu-badge")) == "2 (2 items waiting for you)"
    badge = dict(find(response.content, id="review-badge").attributes)
    assert badge["hx-trigger"] == (
        "review-decided from:body, dispute-decided from:body, redemption-decided from:body"
    )


def test_students_have_no_counts_on_the_menu_button(client_as, student):
    page = client_as(student).get(reverse("portal:dashboard")).content
    assert text(find(page, id="menu-badge")) == ""


def test_a_request_has_one_abilities_per_user(student, faculty):
    """`abilities_of`: the view and the templates' `can` share one answer per request, and a
    request whose user changes (signing in or out) gets a new one."""
    request = RequestFactory().get("/")
    request.user = student.user
    can = abilities_of(request)
    assert navigation(request)["can"] is can and can.check_in
    request.user = faculty
    assert abilities_of(request) is not can
    assert abilities_of(request).award and not abilities_of(request).check_in
