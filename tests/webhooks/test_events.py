"""Every announced change reaches the receiver with its documented payload, built from what the
service already held (docs/WEBHOOKS.md, "Events and their data")."""

from __future__ import annotations

import pytest

from portal.models import Certificate, WebhookDelivery, WebhookEvent
from portal.services import draws as draw_services
from portal.services import ledger
from portal.services import rewards as reward_services
from portal.services.certificates import verify_url
from portal.services.events import check_in, current_code
from tests.conftest import key
from tests.factories import DrawFactory, EventFactory, RewardFactory
from tests.helpers import award, let_entries_close, redeem

pytestmark = pytest.mark.django_db


@pytest.fixture
def listen(subscribe, receiver, django_capture_on_commit_callbacks):
    """Subscribe to every event, then run `change` committed and return the events it sent
    (kind, data), each checked by the documented snippet."""
    subscribe()

    def run(change):
        before = len(receiver.received)
        with django_capture_on_commit_callbacks(execute=True):
            result = change()
        got = receiver.received[before:]
        assert all(r.valid for r in got)
        assert all(r.headers["X-UPAS-Event"] == r.json["kind"] for r in got)
        return result, [(r.json["kind"], r.json["data"]) for r in got]

    return run


def student_of(profile):
    return {"id": profile.pk, "enrollment_number": profile.enrollment_number}


def test_a_deduction_and_a_reversal(listen, faculty, admin, student, category):
    listen(lambda: award(faculty, student, category, 30))
    deduction, sent = listen(
        lambda: ledger.deduct_points(
            actor=faculty, student_id=student.pk, amount=10, reason="Late", idempotency_key=key()
        )
    )
    [(kind, data)] = sent
    assert kind == "points.deducted"
    assert (data["amount"], data["balance_after"], data["category"]) == (-10, 20, None)
    reversal, sent = listen(
        lambda: ledger.reverse_transaction(
            actor=admin, transaction_id=deduction.pk, reason="Mistake", idempotency_key=key()
        )
    )
    [(kind, data)] = sent
    assert kind == "points.reversed"
    assert (data["transaction_id"], data["reverses"], data["amount"]) == (
        reversal.pk,
        deduction.pk,
        10,
    )
    assert data["balance_after"] == 30


def test_a_bulk_award_sends_one_event_per_student(
    listen, faculty, student, other_student, category
):
    lines, errors = ledger.parse_bulk_lines(
        f"{student.enrollment_number}\n{other_student.enrollment_number}, 40"
    )
    entries, sent = listen(
        lambda: ledger.bulk_award(
            actor=faculty,
            category_id=category.pk,
            amount=10,
            reason="Hackathon",
            lines=lines,
            parse_errors=errors,
            idempotency_key=key(),
        )
    )
    assert sorted((k, d["student"]["id"], d["amount"]) for k, d in sent) == sorted(
        ("points.awarded", e.student_id, e.amount) for e in entries
    )
    # One event id per student, however many endpoints.
    assert WebhookDelivery.objects.values("event_id").distinct().count() == 2


def test_redemption_decisions_one_by_one_and_in_bulk(listen, admin, student, category):
    listen(lambda: award(admin, student, category, 50))
    reward = RewardFactory(cost=10)
    first, second = redeem(student, reward), redeem(student, reward)
    _r, sent = listen(
        lambda: reward_services.decide_redemption(
            actor=admin, redemption_id=first.pk, decision="reject", note="Sold out"
        )
    )
    [(kind, data)] = sent
    assert kind == "redemption.decided"
    assert data == {
        "redemption_id": first.pk,
        "decision": "reject",
        "status": "rejected",
        "student": student_of(student),
        "reward": {"id": reward.pk, "name": reward.name},
        "cost": 10,
        "refunded": 10,
        "balance_after": 40,
        "decided_at": data["decided_at"],
    }
    _o, sent = listen(
        lambda: reward_services.decide_many(
            actor=admin, redemption_ids=[second.pk], decision="approve"
        )
    )
    assert [(k, d["redemption_id"], d["status"], d["refunded"]) for k, d in sent] == [
        ("redemption.decided", second.pk, "approved", 0)
    ]


def test_check_ins_by_code_and_by_the_organiser(listen, faculty, student, other_student, category):
    event = EventFactory(organiser=faculty, category=category)
    checkin, sent = listen(
        lambda: check_in(actor=student.user, event_id=event.pk, code=current_code(event))
    )
    [(kind, data)] = sent
    assert kind == "checkin.created"
    assert data["checkin_id"] == checkin.pk and data["method"] == "code"
    assert data["event"] == {"id": event.pk, "title": event.title}
    assert data["student"] == student_of(student)
    assert data["points"] == event.attendance_points == data["balance_after"]
    assert data["checked_in_by_id"] is None
    _c, sent = listen(
        lambda: check_in(actor=faculty, event_id=event.pk, student_id=other_student.pk)
    )
    assert [(d["method"], d["checked_in_by_id"]) for _k, d in sent] == [("manual", faculty.pk)]


def test_a_check_in_with_a_certificate_sends_both(listen, faculty, student, category):
    event = EventFactory(organiser=faculty, category=category, offers_certificate=True)
    _c, sent = listen(lambda: check_in(actor=faculty, event_id=event.pk, student_id=student.pk))
    assert [k for k, _d in sent] == ["checkin.created", "certificate.issued"]
    certificate = Certificate.objects.get(holder=student)
    data = sent[1][1]
    assert data["certificate_id"] == certificate.pk and data["code"] == certificate.code
    assert data["verify_url"] == verify_url(certificate.code)
    assert (data["source"], data["student"]) == ("event", student_of(student))


def test_a_draw(listen, admin, student, other_student):
    draw = DrawFactory(created_by=admin, winners_count=1, alternates_count=1)
    for profile in (student, other_student):
        draw_services.enter_draw(actor=profile.user, draw_id=draw.pk)
    let_entries_close(draw)
    result, sent = listen(lambda: draw_services.perform_draw(actor=admin, draw_id=draw.pk))
    [(kind, data)] = sent
    assert kind == "draw.performed"
    assert (data["draw_id"], data["entrant_count"], data["seed"]) == (draw.pk, 2, result.draw.seed)
    assert [(p["position"], p["alternate"]) for p in data["picks"]] == [(1, False), (2, True)]
    assert {p["student"]["id"] for p in data["picks"]} == {student.pk, other_student.pk}


def test_only_the_subscribed_kinds_are_sent(
    subscribe, receiver, faculty, student, category, django_capture_on_commit_callbacks
):
    subscribe(WebhookEvent.CHECKIN_CREATED)
    with django_capture_on_commit_callbacks(execute=True):
        award(faculty, student, category, 20)
    assert receiver.received == [] and not WebhookDelivery.objects.exists()
