"""The draws on the student dashboard (prizes to claim, open draws), read in one query."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.draws.conftest import enter, expire, perform, pick_of
from tests.factories import DrawFactory
from tests.html import find, find_all, text

pytestmark = pytest.mark.django_db


def in_days(days: int):
    return timezone.now() + timedelta(days=days)


@pytest.fixture
def won(admin, student):
    """A performed draw the student alone entered, so won."""
    draw = DrawFactory(created_by=admin, title="Autumn draw", alternates_count=0)
    enter(draw, student)
    perform(draw, admin)
    return draw


def test_a_prize_to_claim_names_the_draw_links_to_it_and_gives_the_deadline(
    client_as, student, won
):
    pick = pick_of(won, student)
    html = client_as(student).get(reverse("portal:dashboard")).content
    banner = find(html, role="status")
    assert text(banner).startswith("You won a prize in “Autumn draw”!")
    deadline = timezone.localtime(pick.claim_deadline).strftime("%a %-d %b, %H:%M")
    assert f"Claim it by {deadline}." in text(banner)
    assert find(banner, "a", href=reverse("portal:draw-detail", args=[won.pk]))
    assert not find_all(html, "section", aria_labelledby="draws-title")  # no open draw


def test_a_prize_past_its_deadline_or_won_by_someone_else_is_not_offered(
    client_as, student, other_student, won
):
    assert "You won a prize" not in text(
        find(client_as(other_student).get(reverse("portal:dashboard")).content, "main")
    )
    expire(pick_of(won, student))
    assert "You won a prize" not in text(
        find(client_as(student).get(reverse("portal:dashboard")).content, "main")
    )


def test_the_three_open_draws_closing_soonest_are_listed_with_the_students_entry(
    client_as, admin, student
):
    draws = [
        DrawFactory(
            created_by=admin, title=f"Draw closing in {days} days", entry_deadline=in_days(days)
        )
        for days in (9, 3, 5, 7)
    ]
    DrawFactory(created_by=admin, title="Closed already", entry_deadline=in_days(-1))
    enter(draws[2], student)
    section = find(
        client_as(student).get(reverse("portal:dashboard")).content,
        "section",
        aria_labelledby="draws-title",
    )
    rows = find_all(section, "li")
    assert [text(find(r, "a")) for r in rows] == [
        "Draw closing in 3 days",
        "Draw closing in 5 days",
        "Draw closing in 7 days",
    ]
    assert "entered" in text(rows[1])
    assert "Take part" in text(rows[0])


def test_the_dashboard_draws_carry_the_stored_values_as_aware_datetimes(admin, student, won):
    """Read by a statement of its own: the values are those the ORM reads, deadlines aware
    (SQLite hands back naive datetimes and text)."""
    from portal.models import Draw
    from portal.selectors.draws import draws_for_dashboard

    later = DrawFactory(created_by=admin, title="Spring draw", entry_deadline=in_days(4))
    enter(later, student)
    found = draws_for_dashboard(student)
    [prize] = found.prizes
    assert (prize.pk, prize.title, prize.status) == (won.pk, "Autumn draw", Draw.Status.DRAWN)
    assert prize.my_pick_deadline == pick_of(won, student).claim_deadline
    assert timezone.is_aware(prize.my_pick_deadline) and prize.entered
    [open_draw] = found.open_draws
    stored = Draw.objects.get(pk=later.pk)
    assert (open_draw.pk, open_draw.prize, open_draw.entry_deadline) == (
        later.pk,
        stored.prize,
        stored.entry_deadline,
    )
    assert open_draw.entered and open_draw.my_pick_deadline is None
