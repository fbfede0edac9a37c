"""A student's preferred name on leaderboards (issue 22, item 5): chosen in settings, shown to
everyone on the leaderboard (the privacy switch still wins), cleared by an admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.exceptions import AccountError
from portal.models import AuditLog
from portal.selectors.ledger import get_leaderboard
from portal.services import account_admin
from portal.services.accounts import set_leaderboard_visibility

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranked(student, other_student, faculty, category, give):
    give(student, 30, actor=faculty, category=category)
    give(other_student, 20, actor=faculty, category=category)
    return student


def names(viewer=None, top=10) -> list[str]:
    return [row.name for row in get_leaderboard(viewer=viewer, top=top).rows]


def test_the_student_chooses_their_name_in_settings(client_as, ranked):
    response = client_as(ranked).post(
        reverse("portal:settings"), {"show_on_leaderboard": "on", "leaderboard_name": "  Ali  S. "}
    )
    assert response.status_code == 302
    ranked.refresh_from_db()
    assert ranked.leaderboard_name == "Ali S."
    assert names() == ["Ali S.", "Bob Student"]
    page = client_as(None).get(reverse("portal:leaderboard")).content.decode()
    assert "Ali S." in page and "Alice Student" not in page


def test_hiding_still_shows_anonymous_student(ranked):
    set_leaderboard_visibility(profile=ranked, visible=False, name="Ali S.")
    assert names() == ["Anonymous student", "Bob Student"]
    assert names(viewer=ranked.user)[0] == "Ali S."  # they see themself


def test_the_viewers_own_row_outside_the_top_uses_it(ranked, other_student):
    set_leaderboard_visibility(profile=other_student, visible=True, name="Bobby")
    board = get_leaderboard(viewer=other_student.user, top=1)
    assert board.viewer_row is not None and board.viewer_row.name == "Bobby"


def test_an_empty_name_means_the_full_name(ranked):
    set_leaderboard_visibility(profile=ranked, visible=True, name="Ali")
    set_leaderboard_visibility(profile=ranked, visible=True, name="   ")
    assert names()[0] == "Alice Student"


def test_control_characters_are_refused_next_to_the_field(client_as, ranked):
    with pytest.raises(AccountError) as excinfo:
        set_leaderboard_visibility(profile=ranked, visible=True, name="Ali\u202eevil")
    assert excinfo.value.code == "leaderboard_name"
    response = client_as(ranked).post(
        reverse("portal:settings"), {"show_on_leaderboard": "on", "leaderboard_name": "A\u0007B"}
    )
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    ranked.refresh_from_db()
    assert ranked.leaderboard_name == ""


def test_a_name_too_long_is_refused(client_as, ranked):
    response = client_as(ranked).post(
        reverse("portal:settings"), {"show_on_leaderboard": "on", "leaderboard_name": "x" * 41}
    )
    assert response.status_code == 200
    ranked.refresh_from_db()
    assert ranked.leaderboard_name == ""


def test_an_admin_clears_an_unsuitable_name_and_it_is_audited(admin, ranked):
    set_leaderboard_visibility(profile=ranked, visible=True, name="Rude word")
    account_admin.correct_details(
        actor=admin,
        user_id=ranked.user_id,
        name=ranked.user.name,
        enrollment_number=ranked.enrollment_number,
        department=ranked.department,
        year=ranked.year,
        leaderboard_name="",
    )
    ranked.refresh_from_db()
    assert ranked.leaderboard_name == ""
    audit = AuditLog.objects.get(action="user.correct")
    assert audit.before == {"leaderboard_name": "Rude word"}
    assert audit.after == {"leaderboard_name": ""}
