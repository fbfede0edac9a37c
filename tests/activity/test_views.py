"""The /activity/ page: the full page, the htmx "Load more" fragment, and who may see it."""

from __future__ import annotations

import pytest
from django.test.html import parse_html
from django.utils import timezone

from portal.selectors.activity import feed_page
from tests.factories import RewardFactory
from tests.helpers import award, redeem
from tests.html import HX, find_all

pytestmark = pytest.mark.django_db

URL = "/activity/"


@pytest.fixture
def thirty(student, faculty, category):
    """30 awards, so the feed has a second page (20 a page)."""
    return [award(faculty, student, category, 10 + i, reason=f"Entry {i}") for i in range(30)]


def item_ids(html: bytes) -> list[str]:
    return [
        dict(li.attributes)["id"]
        for li in find_all(html, "li")
        if dict(li.attributes).get("id", "").startswith("ledger-")
    ]


def test_the_page_lists_the_newest_items_with_a_load_more_link(client_as, student, thirty):
    response = client_as(student).get(URL)
    assert response.status_code == 200
    assert b"<html" in response.content
    ids = item_ids(response.content)
    assert ids == [f"ledger-{t.pk}" for t in reversed(thirty)][:20]
    cursor = feed_page(student).next_cursor
    (more,) = find_all(response.content, "a", hx_target="#feed-more")
    attrs = dict(more.attributes)
    assert attrs["href"] == f"/activity/?before={cursor}"
    assert attrs["hx-get"] == attrs["href"]
    assert attrs["hx-swap"] == "outerHTML"
    assert find_all(response.content, "li", id="feed-more")


def test_load_more_over_htmx_returns_only_the_next_items(client_as, student, thirty):
    client = client_as(student)
    cursor = feed_page(student).next_cursor
    response = client.get(URL, {"before": cursor}, **HX)
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b'id="feed"' not in response.content  # items only, appended where the button was
    assert item_ids(response.content) == [f"ledger-{t.pk}" for t in reversed(thirty)][20:]
    assert not find_all(response.content, "li", id="feed-more")
    assert "HX-Request" in response["Vary"]


def test_without_javascript_the_link_opens_the_next_page_in_full(client_as, student, thirty):
    cursor = feed_page(student).next_cursor
    response = client_as(student).get(URL, {"before": cursor})
    assert b"<html" in response.content
    assert item_ids(response.content) == [f"ledger-{t.pk}" for t in reversed(thirty)][20:]
    assert b"Back to the latest" in response.content


def test_an_item_shows_its_title_time_amount_and_link(client_as, student, faculty, category):
    entry = award(faculty, student, category, 20, reason="Won the hackathon")
    response = client_as(student).get(URL)
    (item,) = find_all(response.content, "li", id=f"ledger-{entry.pk}")
    html = str(item)
    assert "+20 points · Academic merit" in html
    assert "Won the hackathon" in html
    assert 'href="/history/"' in html
    (time,) = find_all(item, "time")
    assert dict(time.attributes)["datetime"] == timezone.localtime(entry.created_at).isoformat()
    assert "ago" in str(time) or "now" in str(time)


def test_a_redemption_shows_its_status_in_the_title(client_as, student, faculty, category):
    award(faculty, student, category, 50)
    redemption = redeem(student, RewardFactory(name="Coffee voucher", cost=30))
    response = client_as(student).get(URL)
    (item,) = find_all(response.content, "li", id=f"redemption-{redemption.pk}")
    assert "Redeemed Coffee voucher — waiting for approval" in str(item)
    assert "−30" in str(item)


def test_an_empty_feed_says_so(client_as, student):
    response = client_as(student).get(URL)
    assert b"Nothing here yet" in response.content
    assert not find_all(response.content, "li", id="feed-more")


def test_the_day_heading_is_not_repeated_on_the_next_page(client_as, student, thirty):
    client = client_as(student)
    first = client.get(URL)
    assert len(find_all(first.content, "h2")) == 1  # all today
    more = client.get(URL, {"before": feed_page(student).next_cursor}, **HX)
    assert find_all(parse_html(more.content.decode()), "h2") == []


def test_only_the_viewers_items_are_shown(client_as, student, other_student, faculty, category):
    theirs = award(faculty, other_student, category, 20)
    mine = award(faculty, student, category, 20)
    ids = item_ids(client_as(student).get(URL).content)
    assert ids == [f"ledger-{mine.pk}"]
    assert f"ledger-{theirs.pk}" not in ids


@pytest.mark.parametrize("who", ["faculty", "admin"])
def test_staff_get_403(request, client_as, who):
    assert client_as(request.getfixturevalue(who)).get(URL).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client_as):
    response = client_as(None).get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_dashboard_can_include_the_first_page_without_load_more(student, thirty):
    from django.template import engines

    template = engines["django"].from_string(
        '{% include "portal/activity/feed.html#feed-list" with feed=feed compact=True %}'
    )
    html = template.render({"feed": feed_page(student, limit=8)})
    assert item_ids(html) == [f"ledger-{t.pk}" for t in reversed(thirty)][:8]
    assert not find_all(html, "li", id="feed-more")
    assert not find_all(html, "h2")
