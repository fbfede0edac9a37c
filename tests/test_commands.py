from __future__ import annotations

from unittest import mock

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line
from django.test import override_settings

from portal.models import Category, Draw, DrawEntry, StudentProfile, Transaction, User
from portal.services.draws import enter_draw, perform_draw
from tests.factories import DrawFactory, StudentFactory
from tests.helpers import assert_ledger_consistent

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
    assert counts[1] == 15 and counts[3] > 15
    assert_ledger_consistent()
    for email in ("admin@upas.test", "faculty@upas.test", "student@upas.test"):
        assert User.objects.get(email=email).check_password("upas-demo")


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
    perform_draw(actor=admin, draw_id=draw.pk)
    assert manage("verify_draw", str(draw.pk)) == 0
    assert f"Draw {draw.pk} verifies." in capsys.readouterr().out

    DrawEntry.objects.create(draw=draw, student=StudentFactory())  # after the draw
    assert manage("verify_draw", str(draw.pk)) == 1
    assert "MISMATCH" in capsys.readouterr().err


def test_verify_draw_exits_1_when_the_seed_was_altered(admin):
    draw = DrawFactory(created_by=admin)
    enter_draw(actor=StudentFactory().user, draw_id=draw.pk)
    perform_draw(actor=admin, draw_id=draw.pk)
    Draw.objects.filter(pk=draw.pk).update(seed="ff" * 32)
    assert manage("verify_draw", str(draw.pk)) == 1


def test_verify_draw_exits_2_for_an_unknown_draw():
    assert manage("verify_draw", "999999") == 2
