"""The year-end close (services.year_end): graduates become alumni, the others move up,
unspent points expire by ledger entries as configured, once per academic year."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from portal.exceptions import BulkError, PortalError
from portal.models import (
    AcademicYearClose,
    AuditLog,
    Redemption,
    Role,
    StudentProfile,
    Transaction,
    User,
)
from portal.selectors import year_end as year_end_selectors
from portal.selectors.ledger import get_leaderboard
from portal.selectors.periods import Period, period_start
from portal.services import accounts as account_services
from portal.services import draws, events, registrations, rewards
from portal.services.year_end import close_academic_year, expiry_key, graduate_student
from tests.claims.helpers import make_claim
from tests.conftest import key, ledger_total
from tests.factories import DrawFactory, EventFactory, RewardFactory, StudentFactory
from tests.helpers import assert_ledger_consistent, award, redeem

pytestmark = pytest.mark.django_db

YEAR = year_end_selectors.current_academic_year()


@pytest.fixture
def cohort(admin, category, department):
    """A final-year student with 50 points, 20 of them held by a pending redemption, and a
    second-year student with 40 points."""
    senior = StudentFactory(year=4, enrollment_number="SEN1", department=department)
    junior = StudentFactory(year=2, enrollment_number="JUN1", department=department)
    award(admin, senior, category, 50)
    award(admin, junior, category, 40)
    redeem(senior, RewardFactory(cost=20))
    return senior, junior


def refreshed(profile: StudentProfile) -> StudentProfile:
    return StudentProfile.objects.select_related("user").get(pk=profile.pk)


def test_close_graduates_promotes_and_expires_alumni_points(cohort, admin):
    senior, junior = cohort
    report = close_academic_year(actor=admin, academic_year=YEAR)

    senior, junior = refreshed(senior), refreshed(junior)
    assert senior.user.role == Role.ALUMNUS
    assert senior.graduated_in == YEAR
    assert senior.year == 4
    assert junior.user.role == Role.STUDENT
    assert junior.year == 3
    # Defaults: alumni's unspent points expire, continuing students' carry over.
    assert senior.balance == 0
    assert senior.lifetime_points == 50
    assert junior.balance == 40
    expiry = Transaction.objects.get(kind=Transaction.Kind.EXPIRY)
    assert (expiry.student_id, expiry.amount, expiry.counts_for_lifetime) == (senior.pk, -30, False)
    assert expiry.idempotency_key == expiry_key(YEAR, senior.pk)
    # The 20 points of the pending redemption were not in the balance: untouched.
    assert Redemption.objects.get().status == Redemption.Status.PENDING
    assert (report.graduating, report.promoted) == (1, 1)
    assert (report.expiring_students, report.expiring_points) == (1, 30)
    assert (report.carried_points, report.held_points, report.held_redemptions) == (40, 20, 1)
    assert report.done
    close = AcademicYearClose.objects.get()
    assert close.report == report.as_dict()
    assert AuditLog.objects.filter(action="academic_year.close", actor=admin).count() == 1
    assert_ledger_consistent()


def test_dry_run_reports_the_same_figures_and_writes_nothing(cohort, admin):
    senior, junior = cohort
    before = ledger_total()
    dry = year_end_selectors.dry_run(YEAR)
    assert ledger_total() == before
    assert not AcademicYearClose.objects.exists()
    assert refreshed(senior).user.role == Role.STUDENT
    assert refreshed(junior).year == 2
    assert not dry.done

    done = close_academic_year(actor=admin, academic_year=YEAR)
    assert {**dry.as_dict(), "done": True} == done.as_dict()


def test_the_command_dry_run_writes_nothing_and_the_run_closes(cohort, admin, capsys):
    before = ledger_total()
    call_command("close_academic_year", "--dry-run")
    out = capsys.readouterr().out
    assert "Dry run" in out
    assert "1 student(s) would be graduated" in out
    assert "30 unspent point(s) would be expired for 1 student(s)" in out
    assert ledger_total() == before
    assert not AcademicYearClose.objects.exists()

    call_command("close_academic_year")
    assert "Closed the academic year" in capsys.readouterr().out
    assert AcademicYearClose.objects.get().closed_by == admin
    with pytest.raises(CommandError, match="already closed"):
        call_command("close_academic_year")


def test_a_second_close_of_the_same_year_is_refused_and_changes_nothing(cohort, admin):
    _senior, junior = cohort
    close_academic_year(actor=admin, academic_year=YEAR)
    before = ledger_total()
    with pytest.raises(PortalError) as excinfo:
        close_academic_year(actor=admin, academic_year=YEAR)
    assert excinfo.value.code == "already_closed"
    assert ledger_total() == before
    assert refreshed(junior).year == 3
    assert AcademicYearClose.objects.count() == 1


@override_settings(UPAS_YEAR_END_POINTS="expire", UPAS_YEAR_END_ALUMNI_POINTS="carry")
def test_points_policies_apply_to_continuing_students_and_alumni_separately(cohort, admin):
    senior, junior = cohort
    report = close_academic_year(actor=admin, academic_year=YEAR)
    assert refreshed(senior).balance == 30
    assert refreshed(junior).balance == 0
    assert (report.expiring_points, report.carried_points) == (40, 30)
    assert_ledger_consistent()


@override_settings(UPAS_FINAL_YEAR=3)
def test_final_year_setting_decides_who_graduates(admin):
    third = StudentFactory(year=3)
    second = StudentFactory(year=2)
    close_academic_year(actor=admin, academic_year=YEAR)
    assert refreshed(third).user.role == Role.ALUMNUS
    assert refreshed(second).user.role == Role.STUDENT


@pytest.mark.parametrize(
    ("year", "code"), [("2026-27", "bad_year"), ("2026/28", "bad_year"), ("2999/00", "future_year")]
)
def test_bad_academic_years_are_refused(admin, year, code):
    with pytest.raises(PortalError) as excinfo:
        close_academic_year(actor=admin, academic_year=year)
    assert (excinfo.value.code, excinfo.value.field) == (code, "academic_year")
    assert not AcademicYearClose.objects.exists()


def test_an_earlier_year_cannot_be_closed_after_a_later_one(admin):
    close_academic_year(actor=admin, academic_year=YEAR)
    first = int(YEAR[:4]) - 1
    with pytest.raises(PortalError) as excinfo:
        close_academic_year(actor=admin, academic_year=f"{first}/{(first + 1) % 100:02d}")
    assert excinfo.value.code == "already_closed"


@pytest.mark.parametrize("role", [Role.FACULTY, Role.STUDENT])
def test_only_admins_close_the_year(cohort, role):
    actor = User.objects.create_user("x@upas.test", "pw", name="X", role=role)
    with pytest.raises(PortalError) as excinfo:
        close_academic_year(actor=actor, academic_year=YEAR)
    assert excinfo.value.code == "forbidden"
    assert not AcademicYearClose.objects.exists()


# --- alumni afterwards ------------------------------------------------------------------------


@pytest.fixture
def alumnus(cohort, admin):
    close_academic_year(actor=admin, academic_year=YEAR)
    return refreshed(cohort[0])


def test_alumni_receive_no_awards_with_a_clear_message(alumnus, admin, category):
    before = ledger_total()
    with pytest.raises(PortalError) as excinfo:
        award(admin, alumnus, category, 10)
    assert excinfo.value.code == "alumnus"
    assert "has graduated" in excinfo.value.message
    assert ledger_total() == before


def test_alumni_cannot_redeem_register_check_in_claim_or_enter_draws(alumnus, category):
    actor = alumnus.user
    event = EventFactory()
    attempts = [
        lambda: rewards.redeem_reward(
            actor=actor, reward_id=RewardFactory(cost=1).pk, idempotency_key=key()
        ),
        lambda: registrations.register(actor=actor, event_id=event.pk),
        lambda: events.check_in(actor=actor, event_id=event.pk, code="000000"),
        lambda: make_claim(alumnus, category),
        lambda: draws.enter_draw(actor=actor, draw_id=DrawFactory().pk),
    ]
    for attempt in attempts:
        with pytest.raises(PortalError) as excinfo:
            attempt()
        assert excinfo.value.code == "alumnus"
        assert "You have graduated" in excinfo.value.message


def test_alumni_are_off_the_leaderboards(alumnus, cohort):
    """The alumnus earned 50 this term, the junior 40: only the junior is ranked."""
    junior = cohort[1]
    for period in (Period.ALL, Period.TERM):
        board = get_leaderboard(viewer=junior.user, period=period)
        assert [(row.points, row.is_viewer) for row in board.rows] == [(40, True)], period


def test_a_new_terms_leaderboard_starts_from_zero(admin, category):
    """Period totals roll by date: points earned before the current term started (last
    academic year) are not on "this term"; the all-time board keeps them."""
    student = StudentFactory()
    award(admin, student, category, 30, at=period_start(Period.TERM) - timedelta(days=1))
    assert get_leaderboard(viewer=None, period=Period.TERM).rows == []
    assert [r.points for r in get_leaderboard(viewer=None, period=Period.ALL).rows] == [30]
    assert_ledger_consistent()


def test_a_rejected_held_redemption_refunds_the_alumnus(alumnus, admin):
    """Held points were never expired: a rejection after the close gives them back."""
    redemption = Redemption.objects.get(student=alumnus)
    rewards.decide_redemption(
        actor=admin, redemption_id=redemption.pk, decision="reject", note="Out of stock"
    )
    assert refreshed(alumnus).balance == 20
    assert_ledger_consistent()


def test_graduate_one_student_outside_a_close(admin, faculty, category):
    student = StudentFactory(year=4)
    award(admin, student, category, 25)
    profile = graduate_student(actor=admin, student_id=student.pk, academic_year="2025/26")
    profile = refreshed(profile)
    assert (profile.user.role, profile.graduated_in, profile.balance) == (
        Role.ALUMNUS,
        "2025/26",
        0,
    )
    assert AuditLog.objects.filter(action="student.graduate").count() == 1
    with pytest.raises(PortalError) as excinfo:
        graduate_student(actor=admin, student_id=student.pk, academic_year="2025/26")
    assert excinfo.value.code == "not_a_student"
    with pytest.raises(PortalError) as excinfo:
        graduate_student(actor=faculty, student_id=StudentFactory().pk, academic_year="2025/26")
    assert excinfo.value.code == "forbidden"
    assert_ledger_consistent()


def test_the_people_page_role_change_does_not_make_alumni(admin, student):
    with pytest.raises(PortalError) as excinfo:
        account_services.change_role(actor=admin, user_id=student.user_id, role=Role.ALUMNUS)
    assert excinfo.value.code == "bad_role"
    assert refreshed(student).user.role == Role.STUDENT


# --- a list of graduates instead of FINAL_YEAR ------------------------------------------------


def test_a_list_of_graduates_replaces_the_final_year_rule(cohort, admin):
    senior, junior = cohort
    report = close_academic_year(actor=admin, academic_year=YEAR, graduates="JUN1\n\n")
    assert refreshed(junior).user.role == Role.ALUMNUS
    assert refreshed(senior).user.role == Role.STUDENT
    assert refreshed(senior).year == 5
    assert (report.graduating, report.promoted, report.expiring_points) == (1, 1, 40)
    assert_ledger_consistent()


def test_a_bad_list_is_refused_whole_with_line_numbers(cohort, admin):
    before = ledger_total()
    with pytest.raises(BulkError) as excinfo:
        close_academic_year(
            actor=admin,
            academic_year=YEAR,
            graduates="enrollment_number\nSEN1\nNOPE9\nSEN1\nS-1\n",
        )
    assert [(r.line, r.value) for r in excinfo.value.rows] == [
        (3, "NOPE9"),
        (4, "SEN1"),
        (5, "S-1"),
    ]
    assert "Already on line 2" in excinfo.value.rows[1].reason
    assert ledger_total() == before
    assert not AcademicYearClose.objects.exists()
    assert refreshed(cohort[0]).user.role == Role.STUDENT


def test_the_command_takes_a_file_of_graduates(cohort, admin, tmp_path, capsys):
    listed = tmp_path / "graduates.csv"
    listed.write_text("JUN1\nWHO2\n")
    with pytest.raises(CommandError):
        call_command("close_academic_year", "--dry-run", "--graduates", str(listed))
    assert "line 2: WHO2: No current student has this number." in capsys.readouterr().err
    listed.write_text("JUN1\n")
    call_command("close_academic_year", "--dry-run", "--graduates", str(listed))
    assert "1 student(s) would be graduated" in capsys.readouterr().out
    assert not AcademicYearClose.objects.exists()
