"""Club pages: the list and a club's page, joining and leaving (plain and htmx), the admins'
club form and officer page, and an officer's way to their club's events."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.models import Club, ClubMembership, Event
from portal.services import clubs as club_services
from portal.services import ledger
from tests.conftest import key
from tests.factories import EventFactory, StudentFactory
from tests.html import HX

pytestmark = pytest.mark.django_db


def test_the_list_shows_clubs_with_member_counts_and_the_students_own(
    client_as, student, other_student, club
):
    Club.objects.create(name="Chess", slug="chess")
    club_services.join_club(actor=student.user, club_id=club.pk)
    club_services.join_club(actor=other_student.user, club_id=club.pk)
    page = client_as(student).get(reverse("portal:clubs")).content.decode()
    assert "Robotics" in page and "Chess" in page
    assert "2 members" in page and "0 members" in page
    assert "You are a member" in page


def test_the_club_page_shows_officers_members_events_and_term_points(
    client_as, student, other_student, officer, faculty, club, category
):
    club_services.join_club(actor=other_student.user, club_id=club.pk)
    other_student.show_on_leaderboard = False
    other_student.save()
    EventFactory(organiser=faculty, club=club, title="Build night")
    EventFactory(organiser=faculty, title="Not the club's")
    for profile, points in ((other_student, 20), (officer, 15), (student, 40)):
        ledger.award_points(
            actor=faculty,
            student_id=profile.pk,
            category_id=category.pk,
            amount=points,
            reason="Lab work",
            idempotency_key=key(),
        )
    response = client_as(student).get(reverse("portal:club-detail", args=[club.slug]))
    page = response.content.decode()
    assert "We build robots." in page
    assert "Olga Officer" in page
    assert "Anonymous student" in page and "Bob Student" not in page
    assert "Build night" in page and "Not the club&#x27;s" not in page
    # Members and officers, not the student who has not joined.
    assert response.context["page"].term_points == 35
    assert "Join club" in page


def test_joining_with_htmx_answers_the_membership_panel(client_as, student, club):
    response = client_as(student).post(reverse("portal:club-join", args=[club.slug]), **HX)
    page = response.content.decode()
    assert "<html" not in page
    assert 'id="membership-panel"' in page
    assert "You joined Robotics." in page and "Leave club" in page
    assert ClubMembership.objects.filter(user=student.user, club=club).exists()


def test_leaving_without_htmx_redirects_with_a_message(client_as, student, club):
    club_services.join_club(actor=student.user, club_id=club.pk)
    client = client_as(student)
    response = client.post(reverse("portal:club-leave", args=[club.slug]), follow=True)
    assert "You left Robotics." in response.content.decode()
    assert not ClubMembership.objects.filter(user=student.user).exists()


def test_an_officer_sees_why_they_cannot_leave(client_as, officer, club):
    response = client_as(officer).post(reverse("portal:club-leave", args=[club.slug]), **HX)
    assert "hand your role over" in response.content.decode()
    assert ClubMembership.objects.filter(user=officer.user).exists()


def test_an_officer_gets_a_new_event_button_for_their_club(client_as, officer, student, club):
    url = reverse("portal:club-detail", args=[club.slug])
    create = reverse("portal:event-create")
    assert f"{create}?club={club.pk}" in client_as(officer).get(url).content.decode()
    assert create not in client_as(student).get(url).content.decode()


def test_an_admin_creates_a_club(client_as, admin):
    response = client_as(admin).post(
        reverse("portal:club-create"),
        {"name": "Debating", "slug": "debating", "description": "Motions."},
    )
    assert response["Location"] == reverse("portal:club-detail", args=["debating"])
    assert Club.objects.get(slug="debating").name == "Debating"


@pytest.mark.parametrize("slug", ["new", "Not a slug!"])
def test_a_club_address_must_be_a_free_slug(client_as, admin, slug):
    response = client_as(admin).post(reverse("portal:club-create"), {"name": "X", "slug": slug})
    assert response.status_code == 200
    assert response.context["form"].errors["slug"]
    assert not Club.objects.exists()


def test_an_admin_appoints_an_officer_by_email(client_as, admin, student, club):
    url = reverse("portal:club-officers", args=[club.slug])
    response = client_as(admin).post(url, {"email": "alice@upas.test"}, follow=True)
    assert "Alice Student is now an officer of Robotics." in response.content.decode()
    assert ClubMembership.objects.get(user=student.user).position == "officer"


def test_appointing_an_unknown_address_shows_the_error_next_to_the_field(client_as, admin, club):
    url = reverse("portal:club-officers", args=[club.slug])
    response = client_as(admin).post(url, {"email": "ghost@upas.test"})
    assert response.context["form"].errors["email"]
    assert not ClubMembership.objects.exists()


def test_an_officer_creates_an_event_for_their_club_only(client_as, officer, club, category):
    Club.objects.create(name="Chess", slug="chess")
    client = client_as(officer)
    form = client.get(reverse("portal:event-create") + f"?club={club.pk}").context["form"]
    assert list(form.fields["club"].queryset) == [club]
    assert form.fields["club"].required
    data = {
        "title": "Build night",
        "location": "Lab 2",
        "starts_at": "2030-05-01T18:00",
        "ends_at": "2030-05-01T20:00",
        "category": category.pk,
        "attendance_points": 10,
        "club": club.pk,
        "requires_registration": "on",
        "capacity": 12,
    }
    response = client.post(reverse("portal:event-create"), data)
    event = Event.objects.get(title="Build night")
    assert response["Location"] == reverse("portal:event-detail", args=[event.pk])
    assert (event.club, event.organiser, event.requires_registration) == (club, officer.user, True)


def test_a_plain_student_is_refused_the_event_form(client_as, student):
    assert client_as(student).get(reverse("portal:event-create")).status_code == 403


def test_the_event_page_names_its_club(client_as, student, faculty, club):
    event = EventFactory(organiser=faculty, club=club)
    page = client_as(student).get(reverse("portal:event-detail", args=[event.pk]))
    assert reverse("portal:club-detail", args=[club.slug]) in page.content.decode()


def test_members_beyond_the_first_sixty_are_counted_not_listed(client_as, student, club):
    for profile in [StudentFactory() for _ in range(62)]:
        club_services.join_club(actor=profile.user, club_id=club.pk)
    response = client_as(student).get(reverse("portal:club-detail", args=[club.slug]))
    assert len(response.context["page"].members) == 60
    assert "The newest of 62 members." in response.content.decode()
