"""Bad input on every form that moves points or stock: negative, zero, huge and non-numeric
numbers, other people's ids, replayed idempotency keys and missing CSRF tokens. Each gets a
clear answer (a message, 403 or 404; never a server error) and writes nothing: the row counts and
balances are compared before and after every request."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from portal.models import (
    ActivityClaim,
    AuditLog,
    CheckIn,
    DrawEntry,
    DrawWinner,
    Redemption,
    Reward,
    StudentProfile,
    TaskAssignment,
    Transaction,
)
from portal.services.draws import enter_draw, perform_draw
from tests.conftest import key
from tests.factories import DrawFactory, EventFactory, RewardFactory, TaskFactory
from tests.helpers import let_entries_close, redeem
from tests.html import HX

pytestmark = pytest.mark.django_db

HUGE = "1" + "0" * 30
BAD_NUMBERS = ["-5", "0", HUGE, "12abc", "", "1e3", "NaN"]


def state() -> dict[str, Any]:
    """Everything a bad request must not change."""
    return {
        "entries": Transaction.objects.count(),
        "redemptions": list(Redemption.objects.values_list("pk", "status").order_by("pk")),
        "checkins": CheckIn.objects.count(),
        "draw_entries": DrawEntry.objects.count(),
        "picks": list(DrawWinner.objects.values_list("pk", "status").order_by("pk")),
        "claims": list(ActivityClaim.objects.values_list("pk", "status").order_by("pk")),
        "assignments": list(TaskAssignment.objects.values_list("pk", "status").order_by("pk")),
        "audit": AuditLog.objects.count(),
        "balances": list(
            StudentProfile.objects.values_list("pk", "balance", "lifetime_points").order_by("pk")
        ),
        "stock": list(Reward.objects.values_list("pk", "stock").order_by("pk")),
    }


@pytest.fixture
def world(student, other_student, faculty, admin, category, give):
    give(student, 40, actor=faculty, category=category)
    give(other_student, 40, actor=faculty, category=category)
    reward = RewardFactory(cost=10, stock=3)
    theirs = redeem(other_student, reward)
    event = EventFactory(organiser=faculty, category=category)
    draw = DrawFactory(created_by=admin, prize_points=20, winners_count=1, alternates_count=0)
    enter_draw(actor=other_student.user, draw_id=draw.pk)
    let_entries_close(draw)
    perform_draw(actor=admin, draw_id=draw.pk)
    task = TaskFactory(created_by=faculty, category=category)
    return {
        "reward": reward,
        "their_redemption": theirs,
        "event": event,
        "their_pick": DrawWinner.objects.get(draw=draw),
        "task": task,
        "staff_user": faculty,
    }


def assert_refused(response, before: dict[str, Any], *, statuses=(200, 302, 400, 403, 404)):
    assert response.status_code in statuses, response.status_code
    assert state() == before


# --- awards and deductions ----------------------------------------------------------------------


@pytest.mark.parametrize("points", BAD_NUMBERS)
@pytest.mark.parametrize("action", ["award", "deduct"])
def test_award_form_refuses_bad_points(
    client_as, world, faculty, student, category, points, action
):
    before = state()
    response = client_as(faculty).post(
        reverse("portal:award-create"),
        {
            "action": action,
            "student": student.pk,
            "category": category.pk,
            "points": points,
            "reason": "Lab work",
            "idempotency_key": key(),
        },
        **HX,
    )
    assert_refused(response, before, statuses=(200,))
    assert 'class="field-error"' in response.content.decode()


@pytest.mark.parametrize("who", ["faculty_user", "unknown", "text"])
def test_award_form_refuses_someone_who_is_not_a_student(client_as, world, faculty, category, who):
    target = {"faculty_user": world["staff_user"].pk, "unknown": 999_999, "text": "x"}[who]
    before = state()
    response = client_as(faculty).post(
        reverse("portal:award-create"),
        {
            "action": "award",
            "student": target,
            "category": category.pk,
            "points": 10,
            "reason": "Lab work",
            "idempotency_key": key(),
        },
        **HX,
    )
    assert_refused(response, before, statuses=(200,))
    assert "field-error" in response.content.decode()


def test_a_replayed_award_is_applied_once_and_a_changed_replay_is_refused(
    client_as, world, faculty, student, category
):
    client = client_as(faculty)
    form = {
        "action": "award",
        "student": student.pk,
        "category": category.pk,
        "points": 10,
        "reason": "Lab work",
        "idempotency_key": key(),
    }
    client.post(reverse("portal:award-create"), form, **HX)
    after_first = state()
    client.post(reverse("portal:award-create"), form, **HX)  # the same form again
    assert state() == after_first
    changed = client.post(reverse("portal:award-create"), {**form, "points": 20}, **HX)
    assert state() == after_first
    assert "already submitted" in changed.content.decode()


@pytest.mark.parametrize(
    "lines",
    ["NOSUCH1", "CS001, -5", "CS001, abc", f"CS001, {HUGE}", "CS001\nCS001, 0", ""],
)
def test_bulk_award_refuses_bad_lines_and_applies_nothing(
    client_as, world, faculty, category, lines
):
    before = state()
    response = client_as(faculty).post(
        reverse("portal:award-bulk"),
        {
            "category": category.pk,
            "points": 10,
            "reason": "Lab work",
            "enrollment_numbers": lines,
            "idempotency_key": key(),
        },
    )
    assert_refused(response, before, statuses=(200,))


# --- rewards ------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad_key", ["", "not-a-key", "'; DROP TABLE portal_transaction; --"])
def test_redeem_without_a_valid_form_key_writes_nothing(client_as, world, student, bad_key):
    before = state()
    response = client_as(student).post(
        reverse("portal:reward-redeem", args=[world["reward"].pk]),
        {"idempotency_key": bad_key},
        **HX,
    )
    assert_refused(response, before, statuses=(200,))
    assert "expired" in response.content.decode()


def test_a_replayed_redeem_is_applied_once(client_as, world, student):
    client = client_as(student)
    form = {"idempotency_key": key()}
    url = reverse("portal:reward-redeem", args=[world["reward"].pk])
    client.post(url, form, **HX)
    after_first = state()
    client.post(url, form, **HX)
    assert state() == after_first


def test_redeeming_an_unknown_reward_is_not_found(client_as, world, student):
    before = state()
    response = client_as(student).post(
        reverse("portal:reward-redeem", args=[999_999]), {"idempotency_key": key()}
    )
    assert_refused(response, before, statuses=(404,))


def test_cancelling_someone_elses_redemption_is_not_found(client_as, world, student):
    before = state()
    response = client_as(student).post(
        reverse("portal:redemption-cancel", args=[world["their_redemption"].pk])
    )
    assert_refused(response, before, statuses=(404,))


@pytest.mark.parametrize(
    "form",
    [{"decision": "reject", "note": ""}, {"decision": "explode"}, {"decision": ""}, {}],
)
def test_bad_redemption_decisions_change_nothing(client_as, world, admin, form):
    before = state()
    response = client_as(admin).post(
        reverse("portal:redemption-decide", args=[world["their_redemption"].pk]), form, **HX
    )
    assert_refused(response, before, statuses=(200, 400))


# --- check-in, draws, claims and tasks ----------------------------------------------------------


@pytest.mark.parametrize("code", ["", "ZZZZZZ", "x" * 5000, "<script>"])
def test_wrong_check_in_codes_credit_nothing(client_as, world, student, code):
    before = state()
    response = client_as(student).post(
        reverse("portal:event-checkin", args=[world["event"].pk]), {"code": code}, **HX
    )
    assert_refused(response, before, statuses=(200,))
    assert "field-error" in response.content.decode()


@pytest.mark.parametrize("student_id", ["999999", "abc", "-1"])
def test_manual_check_in_of_an_unknown_student_credits_nothing(
    client_as, world, faculty, student_id
):
    before = state()
    response = client_as(faculty).post(
        reverse("portal:event-checkin-manual", args=[world["event"].pk]),
        {"student": student_id},
        **HX,
    )
    assert_refused(response, before, statuses=(200, 302, 400))


def test_claiming_someone_elses_prize_is_not_found(client_as, world, student):
    before = state()
    response = client_as(student).post(reverse("portal:prize-claim", args=[world["their_pick"].pk]))
    assert_refused(response, before, statuses=(404,))


@pytest.mark.parametrize("points", BAD_NUMBERS)
def test_claim_form_refuses_bad_points_and_stores_no_file(
    client_as, world, student, category, points
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = state()
    evidence = SimpleUploadedFile("cert.pdf", b"%PDF-1.4\n%EOF\n", content_type="application/pdf")
    response = client_as(student).post(
        reverse("portal:claim-create"),
        {
            "category": category.pk,
            "points": points,
            "activity_date": "2026-11-01",
            "description": "Open day guide",
            "evidence": evidence,
            "idempotency_key": key(),
        },
    )
    assert_refused(response, before, statuses=(200,))
    assert "field-error" in response.content.decode()


def test_claiming_an_unknown_task_is_not_found(client_as, world, student):
    before = state()
    response = client_as(student).post(reverse("portal:task-claim", args=[999_999]))
    assert_refused(response, before, statuses=(404,))


# --- CSRF ---------------------------------------------------------------------------------------


@pytest.fixture
def csrf_client():
    def make(who) -> Client:
        client = Client(enforce_csrf_checks=True)
        client.force_login(getattr(who, "user", who))
        return client

    return make


def test_every_point_moving_form_needs_its_csrf_token(
    csrf_client, world, student, faculty, admin, category
):
    posts = [
        (
            faculty,
            reverse("portal:award-create"),
            {
                "action": "award",
                "student": student.pk,
                "category": category.pk,
                "points": 10,
                "reason": "x",
                "idempotency_key": key(),
            },
        ),
        (
            student,
            reverse("portal:reward-redeem", args=[world["reward"].pk]),
            {"idempotency_key": key()},
        ),
        (
            admin,
            reverse("portal:redemption-decide", args=[world["their_redemption"].pk]),
            {"decision": "approve"},
        ),
        (student, reverse("portal:event-checkin", args=[world["event"].pk]), {"code": "AAAAAA"}),
        (student, reverse("portal:task-claim", args=[world["task"].pk]), {}),
        (admin, reverse("portal:prize-pass", args=[world["their_pick"].pk]), {}),
    ]
    for who, url, form in posts:
        before = state()
        response = csrf_client(who).post(url, form)
        assert response.status_code == 403, url
        assert state() == before, url
