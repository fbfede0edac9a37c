"""The level card and the badges on the settings page."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string

from portal.domain.levels import level_for
from portal.services.events import check_in
from tests.factories import EventFactory
from tests.helpers import award

pytestmark = pytest.mark.django_db


def test_the_level_card_shows_progress_to_the_next_level():
    html = render_to_string("portal/components/level_progress.html", {"level": level_for(120)})
    assert "Bronze" in html
    assert 'role="progressbar"' in html
    assert 'aria-valuemin="100"' in html
    assert 'aria-valuemax="300"' in html
    assert 'aria-valuenow="120"' in html
    assert 'aria-valuetext="120 of 300 points to Silver"' in html
    assert "120 of 300 points to Silver" in html
    assert "180 to go" in html
    assert '<rect width="10"' in html  # 20 of the 200 points between Bronze and Silver
    assert "card" in html


def test_the_level_card_at_the_top_level():
    html = render_to_string("portal/components/level_progress.html", {"level": level_for(2000)})
    assert "Platinum" in html
    assert "Highest level reached" in html
    assert "points to" not in html
    assert 'aria-valuetext="Highest level reached"' in html


def test_the_settings_page_shows_the_students_level_and_badges(client_as, student, faculty, wide):
    award(faculty, student, wide, 120)
    event = EventFactory()
    check_in(actor=event.organiser, event_id=event.pk, student_id=student.pk)

    response = client_as(student).get("/settings/")

    html = response.content.decode()
    assert 'id="badges"' in html
    assert "Level and badges" in html
    assert "130 of 300 points to Silver" in html
    assert "3 of 12 earned" in html  # first award, first event, Bronze
    assert html.count("Earned <time") == 3
    assert "Check in to 5 events." in html  # not earned yet: how to earn it
    assert "Not earned yet." in html


def test_staff_settings_have_no_badges(client_as, faculty):
    response = client_as(faculty).get("/settings/")
    assert response.status_code == 200
    assert 'id="badges"' not in response.content.decode()
