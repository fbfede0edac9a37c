"""Registration on the event page (the panel, plain and htmx), the figures, and the
organiser's registrations page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.models import Registration
from portal.services.events import check_in
from portal.services.registrations import register
from tests.factories import EventFactory, StudentFactory
from tests.html import HX

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(faculty, category):
    return EventFactory(
        organiser=faculty, category=category, requires_registration=True, capacity=1
    )


def test_the_event_page_offers_registration_with_the_places_left(client_as, student, event):
    page = client_as(student).get(reverse("portal:event-detail", args=[event.pk])).content
    assert b'id="registration-panel"' in page
    assert b"1 place left." in page
    assert reverse("portal:event-register", args=[event.pk]).encode() in page


def test_registering_with_htmx_answers_the_panel(client_as, student, event):
    url = reverse("portal:event-register", args=[event.pk])
    response = client_as(student).post(url, **HX)
    page = response.content.decode()
    assert "<html" not in page and 'id="registration-panel"' in page
    assert "You are registered." in page and "Cancel my registration" in page
    assert Registration.objects.get().status == Registration.Status.REGISTERED


def test_a_full_event_offers_the_waitlist_and_says_the_position(client_as, student, event):
    register(actor=StudentFactory().user, event_id=event.pk)
    client = client_as(student)
    page = client.get(reverse("portal:event-detail", args=[event.pk])).content.decode()
    assert "Join the waitlist" in page
    response = client.post(reverse("portal:event-register", args=[event.pk]), **HX)
    page = response.content.decode()
    assert "you are on the waitlist" in page
    assert "You are number 1 on the waitlist." in page and "Leave the waitlist" in page


def test_unregistering_without_htmx_redirects_with_a_message(client_as, student, event):
    register(actor=student.user, event_id=event.pk)
    response = client_as(student).post(
        reverse("portal:event-unregister", args=[event.pk]), follow=True
    )
    assert "Your registration is cancelled." in response.content.decode()
    assert not Registration.objects.exists()


def test_a_refusal_is_shown_in_the_panel(client_as, student, faculty):
    plain = EventFactory(organiser=faculty)
    response = client_as(student).post(
        reverse("portal:event-register", args=[plain.pk]), follow=True
    )
    assert "needs no registration" in response.content.decode()


def test_the_organiser_sees_the_figures_and_the_registrations(client_as, faculty, event, category):
    came, waiting = StudentFactory(), StudentFactory()
    register(actor=came.user, event_id=event.pk)
    register(actor=waiting.user, event_id=event.pk)
    check_in(actor=faculty, event_id=event.pk, student_id=came.pk)
    client = client_as(faculty)
    detail = client.get(reverse("portal:event-detail", args=[event.pk])).content.decode()
    assert "1 registered / 1 · 1 on the waitlist · 1 attended · 0 walk-ins" in " ".join(
        detail.split()
    )
    assert reverse("portal:event-registrations", args=[event.pk]) in detail
    listing = client.get(reverse("portal:event-registrations", args=[event.pk]))
    rows = listing.context["page"].object_list
    assert [(r.student, r.status, r.attended) for r in rows] == [
        (came, "registered", True),
        (waiting, "waitlisted", False),
    ]


def test_no_shows_appear_once_the_event_is_over(client_as, faculty, event):
    register(actor=StudentFactory().user, event_id=event.pk)
    client = client_as(faculty)
    url = reverse("portal:event-detail", args=[event.pk])
    assert "no-show" not in client.get(url).content.decode()
    event.status = "completed"
    event.save()
    assert "1 no-show" in client.get(url).content.decode()


def test_a_refused_change_is_shown_next_to_its_field(client_as, faculty, event, category):
    register(actor=StudentFactory().user, event_id=event.pk)
    data = {
        "title": event.title,
        "location": event.location,
        "starts_at": event.starts_at.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": event.ends_at.strftime("%Y-%m-%dT%H:%M"),
        "category": category.pk,
        "attendance_points": 10,
        "requires_registration": "on",
        "capacity": 1,
    }
    client = client_as(faculty)
    assert client.post(reverse("portal:event-edit", args=[event.pk]), data).status_code == 302
    register(actor=StudentFactory().user, event_id=event.pk)  # waitlisted: one place
    data["requires_registration"] = ""
    response = client.post(reverse("portal:event-edit", args=[event.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors["requires_registration"]
