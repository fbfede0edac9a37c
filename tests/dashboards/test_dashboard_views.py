"""The dashboards' chart and figure partials: what each role gets, the htmx contract (a plain
visit of a partial URL goes to the dashboard), fallbacks for bad input, and query counts that do
not grow with the data. These run on the real clock: entries are made now (or days ago), the
selector tests pin the calendar arithmetic with fixed times."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.models import Role
from portal.selectors.stats import trend_window
from tests.factories import CategoryFactory, StudentFactory, UserFactory
from tests.helpers import page_queries
from tests.html import HX, find, find_all, text

from .helpers import award_at, checkin_at, move_event, open_event, prize_handover_at, redeem_at

pytestmark = pytest.mark.django_db

POINTS_CHART = "/dashboard/points-chart/"
FIGURES = "/dashboard/figures/"
CHARTS = "/dashboard/charts/"


def chart_data(html: str, data_id: str) -> dict:
    return json.loads(text(find(html, "script", id=data_id)))


def current_buttons(html: str, group_label: str) -> list[str]:
    group = find(html, "div", role="group", aria_label=group_label)
    return [text(a) for a in find_all(group, "a", aria_current="true")]


def trend_cards(html: str) -> dict[str, str]:
    """Each figure's label and the text of its value and change."""
    section = find(html, "section", id="trend-figures")
    cards = {}
    for card in find_all(section, "div", **{"class": "card card-body"}):
        label = text(find(card, "dt"))
        cards[label] = " ".join(text(dd) for dd in find_all(card, "dd"))
    return cards


# --- student dashboard and its chart --------------------------------------------------------


def test_student_dashboard_loads_the_chart_after_the_page(client_as, student):
    html = client_as(student).get("/").content.decode()
    loader = find(html, "div", hx_get=f"{POINTS_CHART}?granularity=week")
    assert dict(loader.attributes)["hx-trigger"] == "load"
    assert "/static/js/vendor/chart-4.6.1.umd.js" in html
    assert "/static/js/charts.js" in html
    assert "<canvas" not in html  # the chart itself comes with the second request


@pytest.mark.parametrize(
    ("query", "granularity"),
    [("?granularity=month", "month"), ("?granularity=day", "day"), ("?granularity=x%3C", "week")],
)
def test_student_dashboard_passes_the_granularity_to_the_loader(
    client_as, student, query, granularity
):
    response = client_as(student).get(f"/{query}")
    assert response.status_code == 200
    find(response.content.decode(), "div", hx_get=f"{POINTS_CHART}?granularity={granularity}")


def test_points_chart_partial_has_canvas_data_and_table(
    client_as, student, other_student, faculty, category
):
    now = timezone.now()
    award_at(faculty, student, category, 20, now - timedelta(minutes=1))
    award_at(faculty, student, category, 15, now - timedelta(days=7))
    award_at(faculty, other_student, category, 50, now - timedelta(minutes=1))
    response = client_as(student).get(POINTS_CHART, {"granularity": "week"}, **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="points-chart"' in html
    canvas = find(html, "canvas", data_chart="points-chart-canvas-data")
    assert dict(canvas.attributes)["role"] == "img"
    data = chart_data(html, "points-chart-canvas-data")
    assert (data["kind"], len(data["labels"])) == ("bar", 12)
    assert data["series"] == [{"label": "Points", "values": [0] * 10 + [15, 20]}]
    rows = find_all(find(html, "table"), "tr")
    assert len(rows) == 1 + 12
    assert [text(c) for c in rows[-1].children if not isinstance(c, str)] == [
        data["labels"][-1],
        "20",
    ]
    assert current_buttons(html, "Show points per") == ["Weekly"]


@pytest.mark.parametrize(
    ("granularity", "button", "buckets"),
    [("day", "Daily", 30), ("month", "Monthly", 12), ("hourly", "Weekly", 12), ("", "Weekly", 12)],
)
def test_points_chart_granularity_and_fallback(client_as, student, granularity, button, buckets):
    response = client_as(student).get(POINTS_CHART, {"granularity": granularity}, **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert current_buttons(html, "Show points per") == [button]
    # with nothing yet: a message instead of the canvas, the table hidden but present
    assert "Nothing to show for this period yet." in html
    assert "<canvas" not in html
    assert len(find_all(find(html, "tbody"), "tr")) == buckets


def test_points_chart_buttons_swap_the_partial(client_as, student):
    html = client_as(student).get(POINTS_CHART, **HX).content.decode()
    link = find(html, "a", hx_get=f"{POINTS_CHART}?granularity=month")
    attrs = dict(link.attributes)
    assert (attrs["href"], attrs["hx-target"], attrs["hx-swap"]) == (
        "?granularity=month",
        "#points-chart",
        "outerHTML",
    )


@pytest.mark.parametrize(
    ("url", "who", "target"),
    [
        (f"{POINTS_CHART}?granularity=day", "student", "/?granularity=day"),
        (POINTS_CHART, "student", "/"),
        (f"{FIGURES}?period=month", "admin", "/?period=month"),
        (f"{FIGURES}?period=term", "faculty", "/?period=term"),
        (CHARTS, "admin", "/"),
        (f"{CHARTS}?x=1", "faculty", "/?x=1"),
    ],
)
def test_a_plain_visit_of_a_partial_goes_to_the_dashboard(request, client_as, url, who, target):
    response = client_as(request.getfixturevalue(who)).get(url)
    assert response.status_code == 302
    assert response["Location"] == target


@pytest.mark.parametrize(
    ("url", "who"),
    [
        (POINTS_CHART, "faculty"),
        (POINTS_CHART, "admin"),
        (FIGURES, "student"),
        (CHARTS, "student"),
    ],
)
def test_partials_of_another_role_are_forbidden(request, client_as, url, who):
    assert client_as(request.getfixturevalue(who)).get(url, **HX).status_code == 403


@pytest.mark.parametrize("url", [POINTS_CHART, FIGURES, CHARTS])
def test_partials_need_a_sign_in(client_as, url):
    """htmx is told to load the sign-in page whole (HtmxSignInRedirectMiddleware)."""
    response = client_as(None).get(url, **HX)
    assert response.status_code == 204
    assert "/login/" in response["HX-Redirect"]


@pytest.mark.parametrize("url", [POINTS_CHART, FIGURES, CHARTS])
def test_partials_are_get_only(client_as, student, admin, url):
    who = student if url == POINTS_CHART else admin
    assert client_as(who).post(url, **HX).status_code == 405


# --- trend figures ------------------------------------------------------------------------------


def test_staff_dashboards_render_the_week_figures_and_the_charts_loader(client_as, faculty, admin):
    for who in (faculty, admin):
        html = client_as(who).get("/").content.decode()
        heading = find(html, "h2", id="figures-title")
        assert text(heading) == "This week so far, against the same point last week"
        find(html, "div", hx_get=CHARTS)
        assert "/static/js/charts.js" in html


def test_trend_figures_for_a_month(client_as, admin, student, faculty, category):
    award_at(faculty, student, category, 20, timezone.now() - timedelta(minutes=1))
    response = client_as(admin).get(FIGURES, {"period": "month"}, **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert text(find(html, "h2", id="figures-title")) == (
        "This month so far, against the same point last month"
    )
    assert current_buttons(html, "Period") == ["This month"]
    cards = trend_cards(html)
    assert list(cards) == ["Points issued", "Active students", "Redemptions", "Check-ins"]
    assert cards["Points issued"] == "20 none in the previous period"
    assert cards["Redemptions"] == "0 none yet"


def test_trend_figures_show_the_change(client_as, admin, student, faculty, category):
    # Entries near the start of the previous window and just now: the previous stretch has
    # 40, this one 20, whatever day of the week the test runs on.
    w = trend_window("week")
    award_at(faculty, student, category, 40, w.previous_start)
    award_at(faculty, student, category, 20, timezone.now() - timedelta(microseconds=1))
    if w.previous_end == w.previous_start:  # the first instant of a week: nothing to compare
        pytest.skip("run at Monday 00:00 exactly")
    if w.start == timezone.now():
        pytest.skip("run at Monday 00:00 exactly")
    html = client_as(admin).get(FIGURES, {"period": "week"}, **HX).content.decode()
    card = trend_cards(html)["Points issued"]
    assert card == "20 ▼ down 50% from 40"


@pytest.mark.parametrize(
    ("period", "heading"),
    [
        ("term", "This term so far, against the same point last term"),
        ("year", "This week so far, against the same point last week"),
        ("all", "This week so far, against the same point last week"),
        ("<b>", "This week so far, against the same point last week"),
    ],
)
def test_trend_figures_period_and_fallback(client_as, faculty, period, heading):
    response = client_as(faculty).get(FIGURES, {"period": period}, **HX)
    assert response.status_code == 200
    assert text(find(response.content.decode(), "h2", id="figures-title")) == heading


def test_bad_period_on_the_dashboard_falls_back_to_the_week(client_as, admin):
    response = client_as(admin).get("/", {"period": "decade"})
    assert response.status_code == 200
    assert current_buttons(response.content.decode(), "Period") == ["This week"]


def test_everyones_figures_are_shared_for_a_minute(client_as, admin, faculty, student, category):
    award_at(faculty, student, category, 20, timezone.now() - timedelta(minutes=1))
    first = trend_cards(client_as(admin).get(FIGURES, {"period": "week"}, **HX).content)
    assert first["Points issued"].startswith("20 ")
    award_at(faculty, student, category, 30, timezone.now() - timedelta(seconds=1))
    # Another admin within the minute: the same figures, without the query.
    other = client_as(UserFactory(role=Role.ADMIN))
    assert page_queries(other, f"{FIGURES}?period=week", **HX) == 2  # session, user
    assert trend_cards(other.get(FIGURES, {"period": "week"}, **HX).content) == first
    # The faculty member's own figures are never shared: their award shows at once.
    own = trend_cards(client_as(faculty).get(FIGURES, {"period": "week"}, **HX).content)
    assert own["Points you awarded"].startswith("50 ")
    # Each period has its own copy, and the copy goes when it expires.
    term = trend_cards(other.get(FIGURES, {"period": "term"}, **HX).content)
    assert term["Points issued"].startswith("50 ")
    cache.clear()
    again = trend_cards(other.get(FIGURES, {"period": "week"}, **HX).content)
    assert again["Points issued"].startswith("50 ")


def test_faculty_figures_are_their_own(client_as, faculty, other_faculty, student, category):
    award_at(faculty, student, category, 20, timezone.now() - timedelta(minutes=1))
    award_at(other_faculty, student, category, 30, timezone.now() - timedelta(minutes=1))
    html = client_as(faculty).get(FIGURES, {"period": "term"}, **HX).content.decode()
    cards = trend_cards(html)
    assert list(cards) == [
        "Points you awarded",
        "Students you awarded",
        "Redemptions (all students)",
        "Check-ins at your events",
    ]
    assert cards["Points you awarded"].startswith("20 ")
    assert cards["Students you awarded"].startswith("1 ")
    admin_cards = trend_cards(
        client_as(UserFactory(role=Role.ADMIN)).get(FIGURES, {"period": "term"}, **HX).content
    )
    assert admin_cards["Points issued"].startswith("50 ")


# --- staff charts -------------------------------------------------------------------------------


def test_admin_charts_partial_has_three_charts(client_as, admin, faculty, student, category):
    now = timezone.now()
    award_at(faculty, student, category, 30, now - timedelta(minutes=1))
    redeem_at(student, now - timedelta(minutes=1))
    event = open_event(faculty, title="Robotics night")
    checkin_at(event, student, now)
    response = client_as(admin).get(CHARTS, **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    titles = [text(h) for h in find_all(html, "h2")]
    assert titles == [
        "Points issued per week by category",
        "Redemptions per week",
        "Check-ins per event",
    ]
    category_data = chart_data(html, "category-chart-canvas-data")
    # the award and the check-in's attendance points, both in the event's or the fixture's
    # category
    assert sum(sum(s["values"]) for s in category_data["series"]) == 30 + event.attendance_points
    assert chart_data(html, "redemptions-chart-canvas-data")["series"][0]["values"][-1] == 1
    # the event starts ten minutes from now: not in the chart yet, which says so
    assert not find_all(html, "script", id="checkins-chart-canvas-data")
    assert html.count("Nothing to show for this period yet.") == 1


def test_faculty_charts_partial_has_only_their_checkins(
    client_as, faculty, other_faculty, student, other_student
):
    mine = open_event(faculty, title="Robotics night")
    theirs = open_event(other_faculty, title="Chess club")
    now = timezone.now()
    checkin_at(mine, student, now)
    checkin_at(mine, other_student, now)
    checkin_at(theirs, student, now)
    move_event(mine, now - timedelta(hours=1))
    move_event(theirs, now - timedelta(hours=1))
    html = client_as(faculty).get(CHARTS, **HX).content.decode()
    assert [text(h) for h in find_all(html, "h2")] == ["Check-ins per event"]
    data = chart_data(html, "checkins-chart-canvas-data")
    assert len(data["labels"]) == 1 and data["labels"][0].startswith("Robotics night (")
    assert data["series"][0]["values"] == [2]
    assert data["horizontal"] is True
    assert "Chess club" not in html


def test_empty_charts_show_a_message_not_a_canvas(client_as, admin):
    html = client_as(admin).get(CHARTS, **HX).content.decode()
    assert html.count("Nothing to show for this period yet.") == 3
    assert "<canvas" not in html


# --- query counts -------------------------------------------------------------------------------

_amounts = itertools.count()


def count_queries(client: Client, url: str) -> int:
    """The queries of `url` with nothing in the cache (everyone's trend figures are kept there
    for a minute), so that the figures are counted."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, **HX).status_code == 200
    return len(queries)


@pytest.fixture
def grow(admin, faculty, student, category):
    """Add `n` awards (to `student` and to new students, in three categories, spread over the
    last 80 days, by faculty and admin), a redemption for every fifth and a checked-in event for
    every tenth. Everything lands inside the charts' and the term's windows."""
    categories = [category, CategoryFactory(name="Sport"), CategoryFactory(name="Volunteering")]
    now = timezone.now()

    def add(n: int) -> None:
        for i in range(n):
            i_all = next(_amounts)
            profile = student if i % 2 == 0 else StudentFactory()
            when = now - timedelta(days=i_all % 80, minutes=5)
            actor = (faculty, admin)[i % 2]
            award_at(actor, profile, categories[i % 3], 20 + i % 30, when)
            if i % 5 == 0:
                redeem_at(profile, when)
            if i % 10 == 0:
                event = open_event(faculty, title=f"Talk {i_all}")
                checkin_at(event, profile, now)
                move_event(event, now - timedelta(days=i_all % 80, hours=1))
        prize_handover_at(admin, StudentFactory(), now - timedelta(minutes=3))

    return add


@pytest.mark.parametrize(
    ("url", "who", "expected"),
    [
        # session, user, own profile, the chart
        (f"{POINTS_CHART}?granularity=day", "student", 4),
        (f"{POINTS_CHART}?granularity=month", "student", 4),
        # session, user, the figures (one statement)
        (f"{FIGURES}?period=term", "admin", 3),
        (f"{FIGURES}?period=week", "faculty", 3),
        # session, user, one query per chart
        (CHARTS, "admin", 5),
        (CHARTS, "faculty", 3),
    ],
)
def test_partial_query_counts_do_not_grow_with_the_data(
    request, grow, client_as, url, who, expected
):
    client = client_as(request.getfixturevalue(who))
    grow(5)
    small = count_queries(client, url)
    grow(95)
    assert count_queries(client, url) == small == expected


def test_dashboard_loads_recent_activity_after_the_page(client_as, student, faculty, category):
    for i in range(10):
        award_at(faculty, student, category, 10 + i, timezone.now() - timedelta(hours=i))
    client = client_as(student)
    page = client.get("/").content.decode()
    assert 'hx-get="/activity/?compact=1"' in page
    html = client.get("/activity/?compact=1", **HX).content.decode()
    times = find_all(html, "time")
    assert len(times) == 8  # the dashboard's short list, one time per item
    assert "Load more" not in html and "<html" not in html
    assert html.index("+10") < html.index("+11")  # newest first
    assert "+18" not in html and "+19" not in html  # the two oldest are left for the page


def test_the_dashboard_leaderboard_ranks_the_student_below_the_top_five_as_the_standing_does(
    client_as, student, faculty, category
):
    """The row under the top five takes its rank from the standing card, not a second count:
    both say 7th, with a tie for 5th above."""
    for points in (50, 45, 40, 35, 30, 30):
        award_at(faculty, StudentFactory(), category, points, timezone.now())
    award_at(faculty, student, category, 20, timezone.now())
    response = client_as(student).get("/")
    rows = [text(li) for li in find_all(find(response.content, "ol"), "li")]
    assert [row.split()[0] for row in rows] == ["1", "2", "3", "4", "5"]  # a tie for 5th
    assert text(find(response.content, **{"aria-label": "Your rank"})).split()[0] == "7"
    stats = [text(dd) for dd in find_all(response.content, "dd", **{"class": "stat-value"})]
    assert "#7" in stats  # the standing card's overall rank
