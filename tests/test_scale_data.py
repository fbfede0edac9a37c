"""The scale data generator (issue 9) on a small set: the ledger invariants hold afterwards, the
counts are what was asked for, and the guards refuse what they should."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum
from django.test import override_settings

from portal.management.commands import generate_scale_data
from portal.models import (
    Achievement,
    CheckIn,
    Draw,
    DrawWinner,
    Redemption,
    Reward,
    Role,
    StudentProfile,
    Transaction,
    User,
)
from portal.selectors.ledger import get_leaderboard, get_standing
from portal.selectors.periods import Period
from portal.services.draws import verify_draw
from tests.factories import DepartmentFactory, StudentFactory
from tests.helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db

Kind = Transaction.Kind


def generate(*args: str, students: int = 50, transactions: int = 2000) -> None:
    with override_settings(DEBUG=True):
        call_command(
            "generate_scale_data",
            f"--students={students}",
            f"--transactions={transactions}",
            *args,
            stdout=io.StringIO(),
        )


def test_generated_data_keeps_the_ledger_invariants():
    generate("--seed=3")
    assert StudentProfile.objects.count() == 50
    assert Transaction.objects.count() == 2000
    assert_ledger_consistent()
    call_command("check_ledger", stdout=io.StringIO())
    assert not StudentProfile.objects.filter(balance__lt=0).exists()

    kinds = dict(Transaction.objects.values_list("kind").annotate(n=Count("id")))
    for kind in (Kind.AWARD, Kind.ATTENDANCE, Kind.REDEMPTION, Kind.DEDUCTION, Kind.CLAIM):
        assert kinds.get(kind, 0) > 0, kind
    # Every entry is linked to what caused it, as the services link them.
    assert Transaction.objects.filter(kind=Kind.ATTENDANCE).count() == CheckIn.objects.count()
    assert not Transaction.objects.filter(kind=Kind.ATTENDANCE, checkin__isnull=True).exists()
    assert not Transaction.objects.filter(
        kind__in=[Kind.REDEMPTION, Kind.REFUND], redemption__isnull=True
    ).exists()
    assert Transaction.objects.filter(kind=Kind.REDEMPTION).count() == Redemption.objects.count()
    refunded = Redemption.objects.filter(status__in=["rejected", "cancelled"]).count()
    assert Transaction.objects.filter(kind=Kind.REFUND).count() == refunded
    # Lifetime points move with the merit kinds only.
    assert not Transaction.objects.filter(
        kind__in=[Kind.REDEMPTION, Kind.REFUND], counts_for_lifetime=True
    ).exists()
    # Stock: what is left plus what is held is never below zero (the CHECK would refuse it).
    assert not Reward.objects.filter(stock__lt=0).exists()
    # No student holds more of a reward than its limit allows.
    over = (
        Redemption.objects.filter(status__in=Redemption.ACTIVE_STATUSES, prize__isnull=True)
        .values("student", "reward", "reward__limit_per_student")
        .filter(reward__limit_per_student__isnull=False)
        .annotate(n=Count("id"))
    )
    assert all(row["n"] <= row["reward__limit_per_student"] for row in over)
    # Prize entries belong to claimed picks, and every performed draw verifies.
    prizes = Transaction.objects.filter(kind=Kind.PRIZE)
    assert prizes.count() == DrawWinner.objects.filter(status="claimed").count()
    drawn = Draw.objects.filter(status=Draw.Status.DRAWN)
    assert drawn.exists()
    for draw in drawn:
        assert verify_draw(draw).ok
    # Badges reached are recorded, as the live hook would have: a first award for every student
    # with an award, and no badge for a student without one.
    awarded = set(Transaction.objects.filter(kind=Kind.AWARD).values_list("student", flat=True))
    first = set(Achievement.objects.filter(code="first_award").values_list("student", flat=True))
    assert awarded and first == awarded


def test_running_balances_never_go_negative():
    generate("--seed=5", students=20, transactions=800)
    running: dict[int, int] = {}
    for student, amount in Transaction.objects.order_by("created_at", "id").values_list(
        "student", "amount"
    ):
        running[student] = running.get(student, 0) + amount
        assert running[student] >= 0
    totals = dict(Transaction.objects.values_list("student").annotate(s=Sum("amount")).order_by())
    assert totals == running


def test_reset_replaces_the_data_set():
    generate(students=10, transactions=300)
    generate("--reset", students=12, transactions=400)
    assert StudentProfile.objects.count() == 12
    assert Transaction.objects.count() == 400
    assert_ledger_consistent()


def test_refuses_without_debug_unless_forced():
    with override_settings(DEBUG=False), pytest.raises(CommandError, match="DEBUG"):
        call_command("generate_scale_data", "--students=3", "--transactions=10")
    assert not User.objects.exists()
    with override_settings(DEBUG=False):
        call_command(
            "generate_scale_data",
            "--students=3",
            "--transactions=10",
            "--force",
            stdout=io.StringIO(),
        )
    assert StudentProfile.objects.count() == 3


def test_refuses_to_mix_with_a_populated_database(monkeypatch):
    monkeypatch.setattr(generate_scale_data, "MAX_EXISTING_STUDENTS", 1)
    StudentFactory()
    StudentFactory()
    with pytest.raises(CommandError, match="--reset"):
        generate(students=3, transactions=10)
    assert Transaction.objects.count() == 0
    generate("--reset", students=3, transactions=10)
    assert StudentProfile.objects.count() == 3


# --- the reads rewritten for scale --------------------------------------------------------------
# Ranks now count every profile on the rank indexes and subtract the unranked ones (deactivated,
# or no longer a student) instead of joining each profile to its user: the answers must not move.


@pytest.fixture
def ranking(department, category, faculty, give):
    """Five students in one department with 50, 40, 30, 20, 10 points; the 50 one is then
    deactivated and the 40 one promoted to faculty, so only 30, 20, 10 rank."""
    other = DepartmentFactory(name="Electrical Engineering", code="EE")
    profiles = []
    for points in (50, 40, 30, 20, 10):
        profile = StudentFactory(department=department)
        give(profile, points, actor=faculty, category=category)
        profiles.append(profile)
    outsider = StudentFactory(department=other)  # ranks overall, not in the department
    give(outsider, 25, actor=faculty, category=category)
    gone, promoted = profiles[0], profiles[1]
    User.objects.filter(pk=gone.user_id).update(is_active=False)
    User.objects.filter(pk=promoted.user_id).update(role=Role.FACULTY)
    return [StudentProfile.objects.get(pk=p.pk) for p in profiles]


def test_standing_leaves_out_deactivated_and_promoted_students(ranking):
    third, fourth = ranking[2], ranking[3]
    standing = get_standing(fourth)
    assert (standing.rank, standing.of) == (3, 4)  # behind 30 and the outsider's 25
    assert (standing.department_rank, standing.department_of) == (2, 3)
    assert get_standing(third).rank == 1


def test_leaderboards_leave_out_deactivated_and_promoted_students(ranking):
    last = ranking[4]
    for period in (Period.ALL, Period.WEEK):
        board = get_leaderboard(viewer=last.user, period=period, top=2)
        assert [r.points for r in board.rows] == [30, 25], period
        assert (board.viewer_row.rank, board.viewer_row.points) == (4, 10), period
        board = get_leaderboard(viewer=last.user, period=period, department=last.department)
        assert [r.points for r in board.rows] == [30, 20, 10], period
        # Outside a department's top: behind 30 and 20, not the gone 50 or the promoted 40.
        board = get_leaderboard(viewer=last.user, period=period, department=last.department, top=1)
        assert (board.viewer_row.rank, board.viewer_row.points) == (3, 10), period
    # A student with nothing this week stands behind every ranked student who has something.
    idle = StudentFactory(department=last.department)
    board = get_leaderboard(viewer=idle.user, period=Period.WEEK, top=2)
    assert (board.viewer_row.rank, board.viewer_row.points) == (5, 0)
    board = get_leaderboard(viewer=idle.user, period=Period.WEEK, department=idle.department, top=1)
    assert (board.viewer_row.rank, board.viewer_row.points) == (4, 0)


# --- the benchmark, smoke-tested ------------------------------------------------------------------


def test_benchmark_pages_all_render_on_generated_data(tmp_path):
    """Every page the benchmark measures answers 200 on a generated data set, and the report
    and the chart are written (one timed request each: this checks the harness, not speed)."""
    from bench import pages, report

    generate(students=30, transactions=600)
    cast = pages.pick_cast()
    chosen = pages.main_pages(cast)
    results = pages.measure_pages(cast, chosen, runs=1, warmup=0, log=lambda *a: None)
    assert [(r.page.name, r.status) for r in results if r.status != 200] == []
    assert all(r.queries >= 1 for r in results if r.page.role != "anonymous")
    run = {
        "meta": {
            "vendor": "sqlite",
            "database": "SQLite",
            "students": 30,
            "entries": 600,
            "when": "now",
            "commit": "test",
            "argv": "",
            "cpus": 2,
            "runs": 1,
            "budget_s": 1.0,
            "load_seconds": 1,
            "load_before": 0.0,
            "load_after": 0.0,
            "load_note": "",
        },
        "pages": [r.as_dict() for r in results],
    }
    assert "| Student dashboard | student | 200 |" in report.write_run(run, tmp_path).read_text()
    assert "<svg" in report.summary(tmp_path).with_name("latency-vs-size.svg").read_text()
