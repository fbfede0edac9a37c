from __future__ import annotations

import io
import re
from unittest import mock

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line
from django.forms import EmailField
from django.test import override_settings

from portal.management.commands.seed_demo import ascii_local_part
from portal.models import (
    ActivityClaim,
    Category,
    CheckIn,
    ClubMembership,
    Draw,
    DrawEntry,
    StudentProfile,
    Transaction,
    User,
)
from portal.selectors.reviews import MENTEE, list_review_queue
from portal.services.draws import enter_draw, perform_draw
from portal.services.passes import current_pass
from tests.factories import DrawFactory, StudentFactory
from tests.helpers import assert_ledger_consistent, let_entries_close

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_seed_demo_is_idempotent_and_consistent():
    call_command("seed_demo", students=15)
    counts = (
        User.objects.count(),
        StudentProfile.objects.count(),
        Category.objects.count(),
        Transaction.objects.count(),
    )
    call_command("seed_demo", students=15)
    assert (
        User.objects.count(),
        StudentProfile.objects.count(),
        Category.objects.count(),
        Transaction.objects.count(),
    ) == counts
    assert counts[1] == 16 and counts[3] > 15  # 15 students and the demo alumnus
    assert_ledger_consistent()
    alumnus = StudentProfile.objects.select_related("user").get(user__email="alumnus@upas.test")
    assert alumnus.user.role == "alumnus"
    assert alumnus.graduated_in
    assert alumnus.lifetime_points > 0
    assert alumnus.user.check_password("upas-demo")
    for email in ("admin@upas.test", "faculty@upas.test", "student@upas.test"):
        assert User.objects.get(email=email).check_password("upas-demo")
    # Every demo student (not the alumnus) has a mentor; the demo faculty member mentors the demo
    # student, advises the Robotics Club, and finds a mentee's waiting claim at the top of their
    # queue.
    assert not StudentProfile.objects.filter(mentor__isnull=True, graduated_in="").exists()
    mentor = User.objects.get(email="faculty@upas.test")
    assert StudentProfile.objects.get(user__email="student@upas.test").mentor == mentor
    assert ClubMembership.objects.get(position="adviser").user == mentor
    first = list_review_queue(reviewer=mentor, kind="claim")[0]
    assert first["rank"] == MENTEE
    assert ActivityClaim.objects.filter(
        student__mentor=mentor, status="pending", pk=first["item_id"]
    ).exists()
    # Every demo address is one the sign-in form accepts (no "zoë.ó'brien@...").
    field = EmailField()
    for email in User.objects.values_list("email", flat=True):
        assert email.isascii(), email
        field.clean(email)


def test_demo_addresses_fold_names_to_ascii():
    assert ascii_local_part("Zoë O'Brien") == "zoe.obrien"
    assert ascii_local_part("Søren Ñúñez-Çelik Straße") == "soren.nunezcelik.strasse"


@override_settings(DEBUG=True)
def test_seed_demo_prints_the_address_make_run_serves(monkeypatch):
    """`make run HOST=0.0.0.0:8080` passes the address it serves (issue 18)."""
    monkeypatch.setenv("UPAS_RUN_URL", "http://127.0.0.1:8080/")
    out = io.StringIO()
    call_command("seed_demo", students=3, stdout=out)
    assert "Sign in at http://127.0.0.1:8080/ with password 'upas-demo'" in out.getvalue()


@override_settings(DEBUG=True)
def test_seed_demo_faculty_can_scan_the_demo_students_pass_at_the_event_on_now(client):
    out = io.StringIO()
    call_command("seed_demo", students=3, stdout=out)
    live = re.search(r"scans it at /events/(\d+)/passes/", out.getvalue())
    assert live, out.getvalue()
    event_id = int(live.group(1))
    client.force_login(User.objects.get(email="faculty@upas.test"))
    assert client.get(f"/events/{event_id}/passes/").status_code == 200
    student = StudentProfile.objects.get(user__email="student@upas.test")
    response = client.post(
        f"/events/{event_id}/passes/check-in/",
        {"code": current_pass(student).code},
        HTTP_HX_REQUEST="true",
    )
    assert "Checked in" in response.content.decode()
    assert CheckIn.objects.get(event_id=event_id, student=student).method == CheckIn.Method.PASS


@override_settings(DEBUG=False)
def test_seed_demo_refuses_without_debug():
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", students=3)
    assert not User.objects.exists()


def manage(*argv: str) -> int:
    """Run a command as `python manage.py ...` would, and return its exit status. (Its closing
    of every connection at the end is skipped: it would end the test's transaction.)"""
    try:
        with mock.patch("django.core.management.base.connections.close_all"):
            execute_from_command_line(["manage.py", *argv])
    except SystemExit as exit:
        return int(exit.code or 0)
    return 0


def test_verify_draw_exits_0_for_a_sound_draw_and_1_once_it_is_tampered_with(admin, capsys):
    draw = DrawFactory(created_by=admin, winners_count=2)
    students = [StudentFactory() for _ in range(5)]
    for s in students:
        enter_draw(actor=s.user, draw_id=draw.pk)
    let_entries_close(draw)
    perform_draw(actor=admin, draw_id=draw.pk)
    assert manage("verify_draw", str(draw.pk)) == 0
    assert f"Draw {draw.pk} verifies." in capsys.readouterr().out

    DrawEntry.objects.create(draw=draw, student=StudentFactory())  # after the draw
    assert manage("verify_draw", str(draw.pk)) == 1
    assert "MISMATCH" in capsys.readouterr().err


def test_verify_draw_exits_1_when_the_seed_was_altered(admin):
    draw = DrawFactory(created_by=admin)
    enter_draw(actor=StudentFactory().user, draw_id=draw.pk)
    let_entries_close(draw)
    perform_draw(actor=admin, draw_id=draw.pk)
    Draw.objects.filter(pk=draw.pk).update(seed="ff" * 32)
    assert manage("verify_draw", str(draw.pk)) == 1


def test_verify_draw_exits_2_for_an_unknown_draw():
    assert manage("verify_draw", "999999") == 2


@override_settings(DEBUG=True)
def test_seed_demo_shows_attendance_corrections():
    """Issue 19: a cancelled event whose registered students were told, an open dispute ("I
    was there") in the officers' queue, an annulled check-in and an excused no-show."""
    from portal.models import AttendanceDispute, CheckIn, Event, Notification, Registration

    call_command("seed_demo", students=40)
    cancelled = Event.objects.get(title="Robot soldering workshop")
    assert cancelled.status == Event.Status.CANCELLED
    registered = Registration.objects.filter(event=cancelled)
    assert registered.filter(student__user__email="student@upas.test").exists()
    for registration in registered:
        assert Notification.objects.filter(
            user=registration.student.user, message__contains="was cancelled"
        ).exists()
    disputes = AttendanceDispute.objects.filter(status=AttendanceDispute.Status.OPEN)
    assert {d.event.title for d in disputes} == {"Robotics intro session", "Study skills workshop"}
    annulled = CheckIn.objects.annulled().get()
    assert annulled.event.title == "Robotics intro session"
    assert annulled.transaction.reversed_by.amount == -annulled.event.attendance_points
    assert Registration.objects.filter(excused_at__isnull=False).count() == 1
    assert_ledger_consistent()
    call_command("seed_demo", students=40)  # idempotent
    assert AttendanceDispute.objects.count() == 2
