"""The year-end page (/staff/year-end/) and what alumni see afterwards."""

from __future__ import annotations

import pytest

from portal.forms.year_end import list_digest
from portal.models import AcademicYearClose, Role, StudentProfile
from portal.selectors.year_end import current_academic_year
from portal.services.year_end import close_academic_year
from tests.conftest import ledger_total
from tests.factories import RewardFactory, StudentFactory
from tests.helpers import assert_ledger_consistent, award, redeem

pytestmark = pytest.mark.django_db

URL = "/staff/year-end/"
YEAR = current_academic_year()


@pytest.fixture
def senior(admin, category):
    """A final-year student with 45 points, 20 of them held by a pending redemption."""
    profile = StudentFactory(year=4, user__name="Sam Senior", enrollment_number="SEN9")
    award(admin, profile, category, 45)
    redeem(profile, RewardFactory(cost=20, name="Hoodie"))
    return profile


def test_the_page_shows_the_dry_run_and_writes_nothing(client_as, admin, senior, student):
    before = ledger_total()
    page = client_as(admin).get(URL).content.decode()
    assert f"Close the academic year {YEAR}" in page
    assert "Dry run" in page
    assert 'data-figure="graduating">1<' in page
    assert 'data-figure="promoted">1<' in page
    assert 'data-figure="expiring">25<' in page
    assert "SEN9" in page
    assert f"close {YEAR}" in page
    assert ledger_total() == before
    assert not AcademicYearClose.objects.exists()


@pytest.mark.parametrize("typed", ["", "close", "close 1999/00", "yes"])
def test_a_wrong_confirmation_is_refused_next_to_the_field(client_as, admin, senior, typed):
    before = ledger_total()
    response = client_as(admin).post(
        URL, {"confirmation": typed, "action": "close", "previewed": list_digest("")}
    )
    assert response.status_code == 200
    page = response.content.decode()
    expected = "This field is required" if not typed else f"Type “close {YEAR}” exactly"
    assert expected in page
    assert ledger_total() == before
    assert not AcademicYearClose.objects.exists()


def test_confirming_closes_the_year_and_shows_the_report(client_as, admin, senior, student):
    client = client_as(admin)
    response = client.post(
        URL,
        {"confirmation": f"  Close   {YEAR} ", "action": "close", "previewed": list_digest("")},
        follow=True,
    )
    page = response.content.decode()
    assert f"The academic year {YEAR} is closed." in page
    assert "was closed on" in page
    assert 'data-figure="expiring">25<' in page
    assert 'name="confirmation"' not in page
    senior.refresh_from_db()
    assert senior.user.role == Role.ALUMNUS
    assert_ledger_consistent()

    # A second confirmation (a stale tab) changes nothing.
    before = ledger_total()
    assert (
        client.post(
            URL, {"confirmation": f"close {YEAR}", "action": "close", "previewed": list_digest("")}
        ).status_code
        == 200
    )
    assert ledger_total() == before
    assert StudentProfile.objects.get(pk=student.pk).year == student.year + 1
    assert AcademicYearClose.objects.count() == 1


@pytest.fixture
def alumnus(admin, senior):
    close_academic_year(actor=admin, academic_year=YEAR)
    return StudentProfile.objects.select_related("user").get(pk=senior.pk)


def test_alumni_read_their_dashboard_history_and_redemptions(client_as, alumnus):
    client = client_as(alumnus)
    dashboard = client.get("/").content.decode()
    assert f"You graduated at the end of {YEAR}" in dashboard
    assert "Hoodie" in dashboard
    history = client.get("/history/").content.decode()
    assert "Unspent points expired" in history
    mine = client.get("/rewards/mine/")
    assert mine.status_code == 200
    assert "Hoodie" in mine.content.decode()
    assert "Cancel and refund" not in mine.content.decode()


def test_alumni_get_no_student_actions(client_as, alumnus):
    client = client_as(alumnus)
    reward = RewardFactory(cost=1)
    assert client.post(f"/rewards/{reward.pk}/redeem/").status_code == 403
    assert client.get("/dashboard/points-chart/").status_code == 403
    nav = client.get("/history/").content.decode()
    assert "Earn points" not in nav
    assert "/award/" not in nav


def test_alumni_are_off_the_leaderboard_page(client_as, alumnus, student, admin, category):
    award(admin, student, category, 10)
    page = client_as(student).get("/leaderboard/").content.decode()
    assert "Sam Senior" not in page
    assert "Alice Student" in page


def test_a_pasted_list_is_previewed_then_closed(client_as, admin, senior, student):
    client = client_as(admin)
    preview = client.post(URL, {"action": "preview", "graduates": "CS001\n"})
    page = preview.content.decode()
    assert "The dry run above uses your list of graduates." in page
    assert 'data-figure="graduating">1<' in page
    assert 'data-figure="expiring">0<' in page  # Alice has no points; Sam stays a student
    assert not AcademicYearClose.objects.exists()

    # An edited list must be previewed again.
    data = {"action": "close", "confirmation": f"close {YEAR}", "previewed": list_digest("CS001")}
    response = client.post(URL, {**data, "graduates": "SEN9"})
    assert "The list changed since its dry run" in response.content.decode()
    assert not AcademicYearClose.objects.exists()

    client.post(URL, {**data, "graduates": "CS001\n"})
    assert StudentProfile.objects.get(pk=student.pk).user.role == Role.ALUMNUS
    assert StudentProfile.objects.get(pk=senior.pk).user.role == Role.STUDENT


def test_a_bad_list_shows_its_lines_and_changes_nothing(client_as, admin, senior):
    before = ledger_total()
    response = client_as(admin).post(URL, {"action": "preview", "graduates": "SEN9\nGHOST1\n"})
    page = response.content.decode()
    assert "The list was not used" in page
    assert "GHOST1" in page
    assert "No current student has this number." in page
    assert ledger_total() == before
    assert not AcademicYearClose.objects.exists()
