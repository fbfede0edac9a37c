"""The student side of events through the test client: the list and its filters, the detail
page, checking in by typed code (htmx and plain) and by QR scan. Organiser pages:
test_organiser_views.py."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import dateformat, timezone

from portal.models import CheckIn, Event
from portal.services.events import check_in, current_code
from tests.conftest import ledger_total
from tests.factories import CategoryFactory, EventFactory
from tests.helpers import balance
from tests.html import HX, find, find_all, text

pytestmark = pytest.mark.django_db

LIST = reverse("portal:events")
LOGIN = "/accounts/login/"


@pytest.fixture
def event(faculty, category):
    return EventFactory(
        title="Robotics open day", organiser=faculty, category=category, attendance_points=15
    )


def checkin_url(event: Event) -> str:
    return reverse("portal:event-checkin", kwargs={"pk": event.pk})


def detail_url(event: Event) -> str:
    return reverse("portal:event-detail", kwargs={"pk": event.pk})


def written() -> tuple[tuple[int, int], int]:
    return ledger_total(), CheckIn.objects.count()


def titles(response) -> list[str]:
    return [text(h2) for h2 in find_all(find(response.content, id="event-list"), "h2")]


def card(response, title: str):
    for li in find_all(find(response.content, id="event-list"), "li"):
        if title in text(li):
            return li
    raise AssertionError(f"no card for {title}")


def wrong_code(event: Event) -> str:
    return "ZZZZZZ" if current_code(event) != "ZZZZZZ" else "YYYYYY"


# --- typing the code ----------------------------------------------------------------------------


def test_typing_the_code_via_htmx_answers_with_the_check_in_panel(client_as, student, event):
    response = client_as(student).post(checkin_url(event), {"code": current_code(event)}, **HX)
    assert b"<html" not in response.content
    panel = find(response.content, id="checkin-panel")
    assert "You're checked in!" in text(panel)
    assert "+15 points" in text(panel)


def test_typing_the_code_via_htmx_tells_the_page_the_points_changed(client_as, student, event):
    response = client_as(student).post(checkin_url(event), {"code": current_code(event)}, **HX)
    assert "points-changed" in response["HX-Trigger"]


def test_typing_the_code_credits_the_student(client_as, student, event):
    client_as(student).post(checkin_url(event), {"code": current_code(event).lower()}, **HX)
    assert CheckIn.objects.get(student=student).method == CheckIn.Method.CODE
    assert balance(student) == 15


def test_a_wrong_code_is_shown_in_the_panel_and_nothing_is_written(client_as, student, event):
    before = written()
    response = client_as(student).post(checkin_url(event), {"code": wrong_code(event)}, **HX)
    panel = find(response.content, id="checkin-panel")
    assert "wrong or has expired" in text(find(panel, id="code-error"))
    assert dict(find(panel, "input", name="code").attributes)["aria-invalid"] == "true"
    assert written() == before


def test_typing_the_code_via_htmx_tells_the_page_the_student_checked_in(client_as, student, event):
    response = client_as(student).post(checkin_url(event), {"code": current_code(event)}, **HX)
    assert "checked-in" in response["HX-Trigger"]


def places_url(event: Event) -> str:
    return reverse("portal:event-places", kwargs={"pk": event.pk})


def test_the_places_line_redraws_itself_for_a_student_after_a_check_in(client_as, student, event):
    client = client_as(student)
    places = find(client.get(detail_url(event)).content, id="event-places")
    assert "0 checked in" in text(places)
    attributes = dict(places.attributes)
    assert attributes["hx-get"] == places_url(event)
    assert attributes["hx-trigger"] == "checked-in from:body"
    client.post(checkin_url(event), {"code": current_code(event)}, **HX)
    response = client.get(places_url(event), **HX)
    assert b"<html" not in response.content
    assert text(find(response.content, id="event-places")) == "1 checked in"


def test_the_places_line_of_an_event_with_registration_counts_the_attendance(
    client_as, student, event
):
    Event.objects.filter(pk=event.pk).update(
        requires_registration=True,
        capacity=30,
        registration_closes_at=timezone.now() + timedelta(hours=1),
    )
    client = client_as(student)
    client.post(reverse("portal:event-register", kwargs={"pk": event.pk}), **HX)
    client.post(checkin_url(event), {"code": current_code(event)}, **HX)
    places = text(find(client.get(places_url(event), **HX).content, id="event-places"))
    assert places == "1 registered / 30 · 0 on the waitlist · 1 attended · 0 walk-ins"


def test_the_places_line_asks_a_fixed_number_of_queries(
    client_as, student, event, django_assert_num_queries
):
    client = client_as(student)
    client.post(checkin_url(event), {"code": current_code(event)}, **HX)
    with django_assert_num_queries(4):  # the session, the user, the event, the count
        client.get(places_url(event), **HX)


def test_a_plain_visit_to_the_places_line_goes_to_the_event(client_as, student, event):
    response = client_as(student).get(places_url(event))
    assert response.status_code == 302
    assert response["Location"] == detail_url(event)


def test_staff_see_the_places_line_without_a_redraw(client_as, faculty, event):
    places = find(client_as(faculty).get(detail_url(event)).content, id="event-places")
    assert "hx-get" not in dict(places.attributes)


def test_the_reminder_panel_leaves_the_page_on_a_check_in(client_as, student, category):
    # static/js/app.js removes what is marked when the check-in's answer says "checked-in";
    # the browser journey (tests/browser/test_checkin_journey.py) sees it go.
    event = EventFactory(category=category, starts_at=timezone.now() + timedelta(days=2))
    page = client_as(student).get(detail_url(event)).content
    assert "data-leaves-on-check-in" in dict(find(page, id="reminder-panel").attributes)


def test_a_wrong_code_does_not_tell_the_page_the_points_changed(client_as, student, event):
    response = client_as(student).post(checkin_url(event), {"code": wrong_code(event)}, **HX)
    assert "HX-Trigger" not in response


def test_an_empty_code_asks_for_the_code(client_as, student, event):
    response = client_as(student).post(checkin_url(event), {"code": ""}, **HX)
    assert "Type the code" in text(find(response.content, id="code-error"))


def test_a_second_check_in_says_already_checked_in_in_the_panel(client_as, student, event):
    client = client_as(student)
    client.post(checkin_url(event), {"code": current_code(event)}, **HX)
    response = client.post(checkin_url(event), {"code": current_code(event)}, **HX)
    assert "You are checked in." in text(find(response.content, id="checkin-panel"))
    assert balance(student) == 15


def test_a_plain_post_of_the_code_redirects_to_the_event_with_a_message(client_as, student, event):
    response = client_as(student).post(
        checkin_url(event), {"code": current_code(event)}, follow=True
    )
    assert response.redirect_chain == [(detail_url(event), 302)]
    assert "Checked in! 15 points added." in text(find(response.content, id="messages"))


def test_a_plain_post_of_a_wrong_code_shows_the_error_message(client_as, student, event):
    response = client_as(student).post(checkin_url(event), {"code": wrong_code(event)}, follow=True)
    assert "wrong or has expired" in text(find(response.content, id="messages"))
    assert not CheckIn.objects.exists()


def test_a_cancelled_event_says_so_in_the_panel(client_as, student, event):
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    response = client_as(student).get(detail_url(event))
    assert "This event was cancelled." in text(find(response.content, id="checkin-panel"))


def aside_classes(response) -> list[str]:
    return dict(find(response.content, "aside").attributes)["class"].split()


def test_check_in_open_now_puts_the_panel_first_on_phones(client_as, student, event):
    response = client_as(student).get(detail_url(event))
    assert find(find(response.content, id="checkin-panel"), "form")
    assert "order-first" in aside_classes(response)


def test_before_check_in_opens_the_panel_says_when_and_comes_after_the_details(
    client_as, student, category
):
    starts = timezone.now() + timedelta(days=2)
    event = EventFactory(category=category, starts_at=starts)
    response = client_as(student).get(detail_url(event))
    panel = find(response.content, id="checkin-panel")
    opens = timezone.localtime(event.opens_at)
    expected = f"Check-in opens at {dateformat.format(opens, 'H:i')} on "
    expected += f"{dateformat.format(opens, 'D j M')}."
    assert expected in text(panel)
    assert not find_all(panel, "form")
    assert "order-first" not in aside_classes(response)


def test_after_check_in_closes_the_panel_says_so_without_a_form(client_as, student, category):
    event = EventFactory(category=category, starts_at=timezone.now() - timedelta(hours=3))
    response = client_as(student).get(detail_url(event))
    panel = find(response.content, id="checkin-panel")
    assert "Check-in has closed." in text(panel)
    assert not find_all(panel, "form")
    assert "order-first" not in aside_classes(response)


def test_the_reminder_panel_draws_its_bell_without_an_emoji(client_as, student, category):
    event = EventFactory(category=category, starts_at=timezone.now() + timedelta(days=2))
    client = client_as(student)
    response = client.post(
        reverse("portal:event-remind", kwargs={"pk": event.pk}), {"remind": "1"}, **HX
    )
    panel = find(response.content, id="reminder-panel")
    assert find_all(panel, "svg")
    assert "\N{BELL}" not in response.content.decode()


def test_the_detail_page_shows_the_student_their_check_in(client_as, student, event, faculty):
    check_in(actor=faculty, event_id=event.pk, student_id=student.pk)
    panel = find(client_as(student).get(detail_url(event)).content, id="checkin-panel")
    assert "You are checked in." in text(panel)
    assert not find_all(panel, "form")


def test_the_detail_page_shows_staff_no_check_in_panel(client_as, faculty, event):
    assert not find_all(client_as(faculty).get(detail_url(event)).content, id="checkin-panel")


# --- scanning the QR code -----------------------------------------------------------------------


def scan(client, event: Event, code: str | None = None):
    url = reverse("portal:event-scan", kwargs={"pk": event.pk, "code": code or current_code(event)})
    return client.get(url)


def test_scanning_the_current_code_redirects_to_the_check_in_page_with_a_token(
    client_as, student, event
):
    location = scan(client_as(student), event)["Location"]
    assert location.startswith(checkin_url(event) + "?t=")


def test_an_anonymous_scan_is_sent_to_login_with_no_token_in_the_link(client_as, event):
    client = client_as(None)
    response = scan(client, event)
    login = urlsplit(response["Location"])
    assert login.path == LOGIN
    assert parse_qs(login.query)["next"] == [checkin_url(event)]
    assert "t" not in parse_qs(login.query)


def test_the_scan_landing_page_submits_the_token(client_as, student, event):
    client = client_as(student)
    target = scan(client, event)["Location"]
    form = find(client.get(target).content, "form", action=checkin_url(event))
    token = parse_qs(urlsplit(target).query)["t"][0]
    assert dict(find(form, "input", name="t").attributes)["value"] == token


def test_a_scan_made_before_signing_in_checks_in_whoever_then_signs_in(client_as, student, event):
    client = client_as(None)
    scan(client, event)
    client.force_login(student.user)  # the session keeps the scan across the sign-in
    form = find(client.get(checkin_url(event)).content, "form", action=checkin_url(event))
    token = dict(find(form, "input", name="t").attributes)["value"]
    response = client.post(checkin_url(event), {"t": token})
    assert response["Location"] == detail_url(event)
    assert CheckIn.objects.get(student=student).method == CheckIn.Method.QR
    assert balance(student) == 15


def test_scanning_an_old_code_shows_the_expired_page(client_as, student, event):
    response = scan(client_as(student), event, wrong_code(event))
    assert response.status_code == 400
    assert "This QR code has expired" in text(find(response.content, "h1"))


def test_a_forged_token_checks_nobody_in(client_as, student, event):
    client_as(student).post(checkin_url(event), {"t": "forged"})
    assert not CheckIn.objects.exists()


# --- the list -----------------------------------------------------------------------------------


@pytest.fixture
def listing(faculty, other_faculty, category, event):
    """Upcoming: the robotics open day (faculty, `category`), a chess night (other_faculty,
    sport), a draft of other_faculty's; past: last week's lecture (faculty)."""
    sport = CategoryFactory(name="Sport")
    week_ago = timezone.now() - timedelta(days=7)
    return {
        "robotics": event,
        "chess": EventFactory(
            title="Chess night",
            location="Library",
            organiser=other_faculty,
            category=sport,
            starts_at=timezone.now() + timedelta(days=1),
        ),
        "draft": EventFactory(
            title="Secret draft", organiser=other_faculty, status=Event.Status.DRAFT
        ),
        "lecture": EventFactory(
            title="Guest lecture", organiser=faculty, category=category, starts_at=week_ago
        ),
    }


def test_the_list_shows_upcoming_events_soonest_first(client_as, student, listing):
    assert titles(client_as(student).get(LIST)) == ["Robotics open day", "Chess night"]


def test_the_list_shows_past_events_on_request(client_as, student, listing):
    assert titles(client_as(student).get(LIST + "?when=past")) == ["Guest lecture"]


def test_the_list_searches_titles_and_places(client_as, student, listing):
    assert titles(client_as(student).get(LIST + "?q=library")) == ["Chess night"]
    assert titles(client_as(student).get(LIST + "?q=robot")) == ["Robotics open day"]


def test_the_list_filters_by_category(client_as, student, listing, category):
    assert titles(client_as(student).get(f"{LIST}?category={category.pk}")) == ["Robotics open day"]


def test_the_list_filters_by_organiser(client_as, student, listing, other_faculty):
    assert titles(client_as(student).get(f"{LIST}?organiser={other_faculty.pk}")) == ["Chess night"]


def test_the_filters_offer_the_categories_and_organisers_with_the_chosen_ones_selected(
    client_as, student, faculty, other_faculty, admin, listing, category
):
    query = f"{LIST}?category={category.pk}&organiser={other_faculty.pk}"
    response = client_as(student).get(query)
    options = {
        name: [
            (text(o), "selected" in dict(o.attributes))
            for o in find_all(find(response.content, id=f"id_{name}"), "option")
        ]
        for name in ("category", "organiser")
    }
    assert options["category"][0] == ("All categories", False)
    assert "Sport" in {name for name, _chosen in options["category"]}
    assert [name for name, chosen in options["category"] if chosen] == [category.name]
    # People with a published event only: not the admin, who has none, nor a draft's author
    # for the draft alone.
    assert options["organiser"] == [
        ("Any organiser", False),
        (faculty.name, False),
        (other_faculty.name, True),
    ]


@pytest.mark.parametrize("organiser", ["999999", "x", "-1"])
def test_an_unknown_organiser_falls_back_to_every_event(client_as, student, listing, organiser):
    response = client_as(student).get(f"{LIST}?organiser={organiser}")
    assert response.status_code == 200
    assert titles(response) == ["Robotics open day", "Chess night"]


def test_the_list_shows_a_draft_only_to_its_organiser(client_as, student, other_faculty, listing):
    assert "Secret draft" not in titles(client_as(student).get(LIST))
    assert "Secret draft" in titles(client_as(other_faculty).get(LIST))


def test_the_list_marks_the_events_the_student_checked_in_to(client_as, student, faculty, listing):
    check_in(actor=faculty, event_id=listing["robotics"].pk, student_id=student.pk)
    response = client_as(student).get(LIST)
    assert "Checked in" in text(card(response, "Robotics open day"))
    assert "Checked in" not in text(card(response, "Chess night"))


def test_the_checked_in_badge_is_the_students_own(client_as, student, other_student, listing):
    check_in(
        actor=listing["robotics"].organiser,
        event_id=listing["robotics"].pk,
        student_id=other_student.pk,
    )
    assert "Checked in" not in text(card(client_as(student).get(LIST), "Robotics open day"))


def test_staff_see_live_counts_on_the_cards(client_as, faculty, student, listing):
    check_in(actor=faculty, event_id=listing["robotics"].pk, student_id=student.pk)
    assert "1 checked in" in text(card(client_as(faculty).get(LIST), "Robotics open day"))


def test_only_those_who_organise_see_the_counts(client_as, faculty, student, officer, listing):
    """The count is read only for someone who sees it (`abilities_of`: the view and the
    template ask once): a club officer, a student who organises, sees it; a student does not."""
    check_in(actor=faculty, event_id=listing["robotics"].pk, student_id=student.pk)
    assert "1 checked in" in text(card(client_as(officer.user).get(LIST), "Robotics open day"))
    shown = text(card(client_as(student).get(LIST), "Robotics open day"))
    assert "Checked in" in shown and "1 checked in" not in shown


def test_the_list_pages_through_every_event_keeping_the_filters(client_as, student, faculty):
    now = timezone.now()
    for i in range(30):  # past, newest first: "Talk 0" ended an hour ago
        EventFactory(title=f"Talk {i}", organiser=faculty, starts_at=now - timedelta(hours=2 + i))
    client = client_as(student)
    first = client.get(LIST, {"when": "past"})
    assert titles(first) == [f"Talk {i}" for i in range(24)]
    pager = find(find(first.content, id="event-list"), "nav", aria_label="Pages")
    [older] = find_all(pager, "a")
    assert text(older) == "Older →"
    link = dict(older.attributes)
    assert parse_qs(urlsplit(link["href"]).query) == {"when": ["past"], "page": ["2"]}
    assert (link["hx-get"], link["hx-target"]) == (link["href"], "#event-list")
    second = client.get(LIST + link["href"], **HX)  # as the link asks: the list alone
    assert "<html" not in second.content.decode()
    assert titles(second) == [f"Talk {i}" for i in range(24, 30)]
    [newer] = find_all(find(second.content, "nav", aria_label="Pages"), "a")
    assert text(newer) == "← Newer"
    # A page that is not a number, or past the end, is the first.
    for page in ("x", "-1", "99", "9" * 30):
        assert titles(client.get(LIST, {"when": "past", "page": page}))[0] == "Talk 0", page


def test_a_list_that_fits_on_one_page_has_no_pager(client_as, student, listing):
    response = client_as(student).get(LIST)
    assert find_all(find(response.content, id="event-list"), "nav") == []


def test_the_filtered_list_via_htmx_is_only_the_list(client_as, student, listing):
    response = client_as(student).get(LIST + "?q=chess", **HX)
    assert b"<html" not in response.content
    assert titles(response) == ["Chess night"]


def test_an_empty_result_says_no_events_found(client_as, student, listing):
    response = client_as(student).get(LIST + "?q=nothing-like-this")
    assert "No events found" in text(find(response.content, id="event-list"))


# --- dashboards and history ---------------------------------------------------------------------


def dashboard_events(client) -> str:
    return text(find(client.get("/").content, "section", aria_labelledby="events-title"))


def test_the_student_dashboard_lists_upcoming_events(client_as, student, listing):
    assert "Robotics open day" in dashboard_events(client_as(student))
    assert "Secret draft" not in dashboard_events(client_as(student))


def test_the_student_dashboard_marks_events_they_checked_in_to(client_as, student, faculty, event):
    check_in(actor=faculty, event_id=event.pk, student_id=student.pk)
    assert "checked in" in dashboard_events(client_as(student))


def test_the_student_dashboard_does_not_offer_cancelled_events_as_upcoming(
    client_as, student, event
):
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    assert "Robotics open day" not in dashboard_events(client_as(student))


def test_the_faculty_dashboard_shows_their_events_with_live_counts(
    client_as, faculty, student, event
):
    check_in(actor=faculty, event_id=event.pk, student_id=student.pk)
    link = find(client_as(faculty).get("/").content, "a", href=url_attendance(event))
    assert text(link) == "1 in"


def test_the_admin_dashboard_counts_check_ins_this_week_so_far(client_as, admin, student, event):
    check_in(actor=admin, event_id=event.pk, student_id=student.pk)
    response = client_as(admin).get("/")
    figure = next(
        div for div in find_all(response.content, "div") if text(div).startswith("Check-ins")
    )
    assert text(find(figure, "dd", **{"class": "stat-value"})) == "1"


def test_the_attendance_credit_shows_in_the_students_history(client_as, student, faculty, event):
    check_in(actor=faculty, event_id=event.pk, student_id=student.pk)
    response = client_as(student).get(reverse("portal:history"))
    assert "Attended: Robotics open day" in response.content.decode()


def url_attendance(event: Event) -> str:
    return reverse("portal:event-attendance", kwargs={"pk": event.pk})


def test_a_one_point_event_says_one_point(client_as, student, faculty, category):
    event = EventFactory(title="Quiz", organiser=faculty, category=category, attendance_points=1)
    client = client_as(student)
    response = client.post(checkin_url(event), {"code": current_code(event)}, follow=True)
    assert "Checked in! 1 point added." in text(find(response.content, id="messages"))
    assert "+1 point, credited at" in text(find(client.get(detail_url(event)).content, "main"))
