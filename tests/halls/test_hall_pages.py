"""The hall pages: search, week view (whole and as the htmx fragment), request form, my
bookings, the admins' hall form and queue; bad input and other people's ids."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import Event, Hall, HallBooking
from portal.selectors import halls as hall_selectors
from portal.services import halls as hall_services
from tests.html import HX

from .helpers import ask, at, make_hall

pytestmark = pytest.mark.django_db

Status = HallBooking.Status


@pytest.fixture
def hall(admin):
    return make_hall(admin)


def day_of(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def test_the_search_finds_a_hall_for_80_people_in_the_afternoon(client_as, faculty, admin, hall):
    small = make_hall(admin, name="Seminar room", capacity=40)
    booked = ask(faculty, hall, start=12, end=16)
    hall_services.approve_booking(actor=admin, booking_id=booked.pk)
    response = client_as(faculty).get(
        reverse("portal:halls"),
        {"people": 80, "day": day_of(1), "part": "afternoon", "length": 60},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Turing Lecture Theatre" in page
    assert "16:00–17:00" in page  # the free hour after the booking
    results = response.context["results"]
    assert [found.hall for found in results] == [hall]
    assert small not in [found.hall for found in results]


def test_the_search_answers_htmx_with_its_results_only(client_as, faculty, hall):
    response = client_as(faculty).get(
        reverse("portal:halls"),
        {"people": 10, "day": day_of(1), "part": "morning", "length": 30},
        **HX,
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="search-results"')
    assert "08:00–12:00" in page


@pytest.mark.parametrize(
    "query",
    [
        {"people": -3, "day": day_of(1), "part": "morning", "length": 60},
        {"people": 10**9, "day": day_of(1), "part": "morning", "length": 60},
        {"people": "many", "day": day_of(1), "part": "morning", "length": 60},
        {"people": 10, "day": day_of(-1), "part": "morning", "length": 60},
        {"people": 10, "day": "not-a-day", "part": "night", "length": 7},
    ],
)
def test_bad_searches_show_the_form_with_errors(client_as, faculty, hall, query):
    response = client_as(faculty).get(reverse("portal:halls"), query)
    assert response.status_code == 200
    assert response.context["results"] is None
    assert response.context["form"].errors


def test_the_week_view_shows_approved_bookings_and_free_stretches(
    client_as, faculty, other_faculty, admin, hall
):
    mine = ask(faculty, hall, start=10, end=12, purpose="Guest lecture")
    hall_services.approve_booking(actor=admin, booking_id=mine.pk)
    ask(other_faculty, hall, start=14, end=15, purpose="Secret pending plan")
    url = reverse("portal:hall-week", args=[hall.pk])
    page = client_as(faculty).get(url, {"week": day_of(1)}).content.decode()
    assert "Guest lecture" in page
    assert "Secret pending plan" not in page  # another organiser's pending request
    assert "Free 12:00–22:00" in page
    admin_page = client_as(admin).get(url, {"week": day_of(1)}).content.decode()
    assert "Secret pending plan" in admin_page


def test_the_week_moves_by_htmx_and_ignores_a_bad_week(client_as, faculty, hall):
    url = reverse("portal:hall-week", args=[hall.pk])
    fragment = client_as(faculty).get(url, {"week": day_of(7)}, **HX).content.decode()
    assert fragment.lstrip().startswith('<section id="week"')
    assert client_as(faculty).get(url, {"week": "2026-99-99"}).status_code == 200


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01", "2026-99-99", "x", ""])
def test_a_week_far_away_or_malformed_shows_this_week(client_as, faculty, hall, week):
    url = reverse("portal:hall-week", args=[hall.pk])
    response = client_as(faculty).get(url, {"week": week})
    assert response.status_code == 200
    assert response.context["week"].starts == hall_selectors.monday_of(timezone.localdate())


def test_a_week_within_two_years_is_shown(client_as, faculty, hall):
    url = reverse("portal:hall-week", args=[hall.pk])
    for days in (-700, 700):
        day = timezone.localdate() + timedelta(days=days)
        response = client_as(faculty).get(url, {"week": day.isoformat()})
        assert response.context["week"].starts == hall_selectors.monday_of(day)


def test_the_week_shows_a_draft_events_booking_to_others_as_booked(
    client_as, faculty, other_faculty, admin, hall, category
):
    from tests.factories import EventFactory

    event = EventFactory(
        organiser=faculty,
        category=category,
        title="Secret launch",
        status=Event.Status.DRAFT,
        capacity=80,
        starts_at=at(1, 10),
        ends_at=at(1, 12),
    )
    booking = ask(faculty, hall, event_id=event.pk, purpose="")
    hall_services.approve_booking(actor=admin, booking_id=booking.pk)
    url = reverse("portal:hall-week", args=[hall.pk])
    others = client_as(other_faculty).get(url, {"week": day_of(1)}).content.decode()
    assert "Secret launch" not in others
    assert "Booked" in others
    assert "Secret launch" in client_as(faculty).get(url, {"week": day_of(1)}).content.decode()
    assert "Secret launch" in client_as(admin).get(url, {"week": day_of(1)}).content.decode()
    Event.objects.filter(pk=event.pk).update(status=Event.Status.PUBLISHED)
    others = client_as(other_faculty).get(url, {"week": day_of(1)}).content.decode()
    assert "Secret launch" in others


def test_the_week_selector_costs_one_query(faculty, hall, django_assert_num_queries):
    ask(faculty, hall)
    with django_assert_num_queries(1):
        hall_selectors.hall_week(hall, viewer=faculty, week_of=timezone.localdate())


def test_requesting_from_a_free_stretch(client_as, faculty, hall):
    url = reverse("portal:hall-request", args=[hall.pk])
    form = client_as(faculty).get(url, {"day": day_of(2), "start": "13:00", "end": "15:00"})
    assert form.context["form"].initial["day"].isoformat() == day_of(2)
    response = client_as(faculty).post(
        url,
        {"purpose": "Reading group", "attendees": 20, "day": day_of(2), "start": "13:00",
         "end": "15:00"},
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:my-bookings")
    booking = HallBooking.objects.get()
    assert (booking.starts_at, booking.ends_at) == (at(2, 13), at(2, 15))
    assert booking.requested_by == faculty


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"start": "15:00", "end": "13:00"}, "end"),
        ({"day": day_of(-2)}, "start"),
        ({"start": "06:00", "end": "07:00"}, "start"),
        ({"attendees": 500}, "attendees"),
        ({"attendees": -1}, "attendees"),
        ({"event": 999_999}, "event"),
    ],
)
def test_bad_requests_put_the_error_next_to_the_field(client_as, faculty, hall, data, field):
    post = {"purpose": "Reading group", "attendees": 20, "day": day_of(2), "start": "13:00"}
    post |= {"end": "15:00", **data}
    response = client_as(faculty).post(reverse("portal:hall-request", args=[hall.pk]), post)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not HallBooking.objects.exists()


def test_another_organisers_event_is_not_offered_nor_accepted(
    client_as, faculty, other_faculty, hall, category
):
    from tests.factories import EventFactory

    theirs = EventFactory(organiser=other_faculty, category=category, starts_at=at(2, 13))
    url = reverse("portal:hall-request", args=[hall.pk])
    form = client_as(faculty).get(url).context["form"]
    assert theirs not in form.fields["event"].queryset
    post = {"purpose": "x", "attendees": 20, "day": day_of(2), "start": "13:00", "end": "15:00"}
    response = client_as(faculty).post(url, {**post, "event": theirs.pk})
    assert "event" in response.context["form"].errors


def test_a_replayed_request_form_books_once(client_as, faculty, hall):
    url = reverse("portal:hall-request", args=[hall.pk])
    post = {"purpose": "x", "attendees": 20, "day": day_of(2), "start": "13:00", "end": "15:00"}
    client = client_as(faculty)
    assert client.post(url, post).status_code == 302
    again = client.post(url, post)
    assert again.status_code == 200
    assert HallBooking.objects.count() == 1


def test_my_bookings_lists_mine_and_withdrawing_works(client_as, faculty, other_faculty, hall):
    mine = ask(faculty, hall, purpose="My seminar")
    ask(other_faculty, hall, start=14, end=15, purpose="Their seminar")
    client = client_as(faculty)
    page = client.get(reverse("portal:my-bookings")).content.decode()
    assert "My seminar" in page
    assert "Their seminar" not in page
    response = client.post(reverse("portal:booking-cancel", args=[mine.pk]))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.status == Status.CANCELLED


def test_another_organiser_cannot_withdraw_my_request(client_as, faculty, other_faculty, hall):
    mine = ask(faculty, hall)
    url = reverse("portal:booking-cancel", args=[mine.pk])
    assert client_as(other_faculty).post(url).status_code == 404
    mine.refresh_from_db()
    assert mine.status == Status.PENDING


def test_the_queue_approves_and_rejects(client_as, faculty, other_faculty, admin, hall):
    first = ask(faculty, hall, start=10, end=12, purpose="First")
    clash = ask(other_faculty, hall, start=11, end=13, purpose="Clash")
    client = client_as(admin)
    queue = client.get(reverse("portal:booking-queue"))
    assert [b.pk for b in queue.context["pending"]] == [first.pk, clash.pk]
    decide = lambda b, **data: client.post(  # noqa: E731
        reverse("portal:booking-decide", args=[b.pk]), data
    )
    assert decide(first, decision="approve").status_code == 302
    queue = client.get(reverse("portal:booking-queue"))
    assert [b.clashes for b in queue.context["pending"]] == [True]
    decide(clash, decision="approve")  # refused: taken
    clash.refresh_from_db()
    assert clash.status == Status.PENDING
    decide(clash, decision="reject", reason="")  # refused: no reason
    clash.refresh_from_db()
    assert clash.status == Status.PENDING
    decide(clash, decision="reject", reason="Taken by the first request")
    clash.refresh_from_db()
    assert clash.status == Status.REJECTED
    decide(clash, decision="approve")  # a replayed form: already decided
    clash.refresh_from_db()
    assert clash.status == Status.REJECTED
    assert decide(clash, decision="maybe").status_code == 302


def test_admins_add_and_edit_halls_with_bounds(client_as, admin):
    client = client_as(admin)
    data = {"name": "Lab 3", "building": "Engineering", "capacity": 30, "equipment": "PCs",
            "opens_at": "08:00", "closes_at": "18:00", "is_active": "on"}  # fmt: skip
    assert client.post(reverse("portal:hall-create"), data).status_code == 302
    hall = Hall.objects.get(name="Lab 3")
    for bad in ({"capacity": 0}, {"capacity": -4}, {"capacity": 10**7}, {"closes_at": "07:00"}):
        response = client.post(reverse("portal:hall-edit", args=[hall.pk]), {**data, **bad})
        assert response.status_code == 200
        assert response.context["form"].errors
    hall.refresh_from_db()
    assert hall.capacity == 30


def test_the_event_form_refuses_a_capacity_above_its_hall(client_as, faculty, hall, category):
    from tests.factories import EventFactory

    event = EventFactory(
        organiser=faculty, category=category, capacity=80, starts_at=at(1, 10), ends_at=at(1, 12)
    )
    ask(faculty, hall, event_id=event.pk)
    response = client_as(faculty).get(reverse("portal:event-edit", args=[event.pk]))
    form = response.context["form"]
    data = {
        name: field.widget.format_value(form.initial.get(name)) or ""
        for name, field in form.fields.items()
        if form.initial.get(name) is not None
    }
    data["capacity"] = 500
    response = client_as(faculty).post(reverse("portal:event-edit", args=[event.pk]), data)
    assert response.status_code == 200
    assert "holds 120 people" in str(response.context["form"].errors["capacity"])


def test_the_event_form_refuses_a_move_out_of_its_hall_booking(client_as, faculty, hall, category):
    from tests.factories import EventFactory

    event = EventFactory(
        organiser=faculty, category=category, capacity=80, starts_at=at(1, 10), ends_at=at(1, 12)
    )
    ask(faculty, hall, event_id=event.pk)
    response = client_as(faculty).get(reverse("portal:event-edit", args=[event.pk]))
    form = response.context["form"]
    data = {
        name: field.widget.format_value(form.initial.get(name)) or ""
        for name, field in form.fields.items()
        if form.initial.get(name) is not None
    }
    data["ends_at"] = data["ends_at"].replace("T12:00", "T13:00")
    response = client_as(faculty).post(reverse("portal:event-edit", args=[event.pk]), data)
    assert response.status_code == 200
    assert "hall booking covers" in str(response.context["form"].errors["starts_at"])
    event.refresh_from_db()
    assert event.ends_at == at(1, 12)


def test_the_hall_form_refuses_a_capacity_below_approved_bookings(client_as, faculty, admin, hall):
    booking = ask(faculty, hall, attendees=50)
    hall_services.approve_booking(actor=admin, booking_id=booking.pk)
    data = {"name": hall.name, "building": hall.building, "capacity": 30, "equipment": "",
            "opens_at": "08:00", "closes_at": "22:00", "is_active": "on"}  # fmt: skip
    response = client_as(admin).post(reverse("portal:hall-edit", args=[hall.pk]), data)
    assert response.status_code == 200
    assert "1 approved booking to come" in str(response.context["form"].errors["capacity"])
    hall.refresh_from_db()
    assert hall.capacity == 120


@pytest.mark.parametrize("pk", ["99999999999999999999999", "0"])
def test_huge_or_zero_ids_are_not_found(client_as, faculty, admin, pk):
    client = client_as(admin)
    for path in (f"/halls/{pk}/", f"/halls/{pk}/request/", f"/halls/{pk}/edit/"):
        assert client.get(path).status_code == 404
    assert client.post(f"/halls/bookings/{pk}/cancel/").status_code == 404
    assert client.post(
        f"/staff/hall-bookings/{pk}/decide/", {"decision": "approve"}
    ).status_code == (404)


@pytest.mark.parametrize("number", ["-5", "0", "1" + "0" * 30, "12abc", "", "1e3", "NaN"])
def test_bad_numbers_in_the_request_form_write_nothing(client_as, faculty, hall, number):
    post = {"purpose": "x", "attendees": number, "day": day_of(2), "start": "13:00", "end": "15:00"}
    response = client_as(faculty).post(reverse("portal:hall-request", args=[hall.pk]), post)
    assert response.status_code == 200
    assert "attendees" in response.context["form"].errors
    assert not HallBooking.objects.exists()


def test_a_form_without_its_csrf_token_is_refused(faculty, hall):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(faculty)
    post = {"purpose": "x", "attendees": 5, "day": day_of(2), "start": "13:00", "end": "15:00"}
    assert client.post(reverse("portal:hall-request", args=[hall.pk]), post).status_code == 403
    assert not HallBooking.objects.exists()


def test_find_a_hall_from_an_event_carries_the_event_to_the_request(
    client_as, faculty, hall, category
):
    from tests.factories import EventFactory

    event = EventFactory(
        organiser=faculty, category=category, capacity=60, starts_at=at(2, 10), ends_at=at(2, 12)
    )
    client = client_as(faculty)
    detail = client.get(reverse("portal:event-detail", args=[event.pk])).content.decode()
    assert (
        f"people=60&amp;day={day_of(2)}&amp;part=day&amp;length=60&amp;event={event.pk}" in detail
    )
    search = client.get(
        reverse("portal:halls"),
        {"people": 60, "day": day_of(2), "part": "day", "length": 60, "event": event.pk},
    ).content.decode()
    assert f"&amp;event={event.pk}" in search
    url = reverse("portal:hall-request", args=[hall.pk])
    form = client.get(url, {"day": day_of(2), "start": "10:00", "end": "12:00", "event": event.pk})
    assert form.context["form"].initial["event"] == event.pk
