"""Annulling a check-in (issue 19, item 6): the organiser takes a check-in back with a reason.
The row stays (annulled), a reversal entry takes the points back, open draw entries are
withdrawn, the student is told; only the organiser can check them in again, and then the
points are held once."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from portal.models import AuditLog, CheckIn, CheckInAttempt, Draw, DrawEntry, Notification
from portal.models import Transaction as Entry
from portal.selectors.events import registration_figures
from portal.services import attendance as attendance_services
from portal.services import draws as draw_services
from portal.services import events as event_services
from portal.services.attendance import AttendanceError, annul_checkin
from portal.services.attendance_upload import import_attendance
from portal.services.events import EventError, check_in, current_code
from tests.conftest import ledger_total
from tests.factories import DrawFactory, EventFactory, RewardFactory, StudentFactory
from tests.helpers import assert_ledger_consistent, balance, let_entries_close, redeem

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(faculty, category):
    return EventFactory(organiser=faculty, category=category, attendance_points=12)


@pytest.fixture
def checkin(event, student):
    return check_in(actor=student.user, event_id=event.pk, code=current_code(event))


def annul(actor, checkin, reason="Checked in from the corridor"):
    return annul_checkin(actor=actor, checkin_id=checkin.pk, reason=reason)


def refused(code, actor, checkin, reason="Checked in from the corridor"):
    before = (ledger_total(), CheckIn.objects.standing().count(), Notification.objects.count())
    with pytest.raises(AttendanceError) as caught:
        annul(actor, checkin, reason)
    assert caught.value.code == code
    after = (ledger_total(), CheckIn.objects.standing().count(), Notification.objects.count())
    assert after == before
    return caught.value


# --- what an annulment does ----------------------------------------------------------------------


def test_annulling_reverses_the_points_with_a_linked_entry(faculty, student, checkin):
    assert balance(student) == 12
    done = annul(faculty, checkin)
    credit = Entry.objects.get(checkin=checkin)
    assert done.reversal.reverses == credit
    assert (done.reversal.kind, done.reversal.amount, done.reversal.actor) == (
        "reversal",
        -12,
        faculty,
    )
    assert done.reversal.idempotency_key == f"annul:{checkin.pk}"
    student.refresh_from_db()
    assert (student.balance, student.lifetime_points) == (0, 0)
    assert_ledger_consistent()


def test_the_annulled_check_in_stays_with_who_when_and_why(faculty, student, checkin):
    annul(faculty, checkin, "  Checked in   from the corridor ")
    checkin.refresh_from_db()
    assert checkin.is_annulled
    assert checkin.annulled_by == faculty
    assert checkin.annul_reason == "Checked in from the corridor"
    assert CheckIn.objects.filter(pk=checkin.pk).exists()
    assert not CheckIn.objects.standing().filter(pk=checkin.pk).exists()


def test_an_annulled_check_in_counts_nowhere(faculty, event, checkin):
    annul(faculty, checkin)
    assert registration_figures(event).checked_in == 0
    assert event.checkins.standing().count() == 0


def test_the_event_badge_count_goes_back(faculty, student, checkin):
    student.refresh_from_db()
    assert student.checkins_count == 1
    annul(faculty, checkin)
    student.refresh_from_db()
    assert student.checkins_count == 0


def test_the_student_is_told_why(faculty, student, checkin):
    annul(faculty, checkin, "Not in the room")
    note = Notification.objects.filter(user=student.user).latest("id")
    assert note.kind == Notification.Kind.ATTENDANCE
    assert "annulled" in note.message and "12 points" in note.message
    assert "Not in the room" in note.message
    assert note.link == f"/events/{checkin.event_id}/"


def test_the_student_is_told_in_their_own_language(faculty, student, checkin):
    student.user.language = "ar"
    student.user.save(update_fields=["language"])
    annul(faculty, checkin, "Not in the room")
    message = Notification.objects.filter(user=student.user).latest("id").message
    assert "annulled" not in message
    assert "Not in the room" in message  # the organiser's own words, as written


def test_the_annulment_is_audited(faculty, student, checkin):
    annul(faculty, checkin, "Not in the room")
    row = AuditLog.objects.get(action="checkin.annul")
    assert row.actor == faculty
    assert row.after["reason"] == "Not in the room"
    assert row.after["points"] == 12


# --- who may, and when ---------------------------------------------------------------------------


def test_a_reason_is_required(faculty, checkin):
    refused("reason_required", faculty, checkin, "   ")


def test_a_reason_over_200_characters_is_refused_not_cut(faculty, checkin):
    refused("too_long", faculty, checkin, "x" * 201)


def test_another_faculty_member_cannot_annul(other_faculty, checkin):
    refused("forbidden", other_faculty, checkin)


def test_a_student_cannot_annul(other_student, checkin):
    refused("forbidden", other_student.user, checkin)


def test_an_admin_can_annul_any_check_in(admin, checkin):
    assert annul(admin, checkin).reversal.amount == -12


def test_an_officer_of_the_events_club_can_annul(club, officer, category, student):
    event = EventFactory(club=club, category=category)
    checkin = check_in(actor=student.user, event_id=event.pk, code=current_code(event))
    assert annul(officer.user, checkin).checkin.is_annulled


def test_annulling_twice_takes_the_points_back_once(faculty, student, checkin):
    annul(faculty, checkin)
    refused("already_annulled", faculty, checkin)
    assert Entry.objects.filter(kind="reversal").count() == 1
    assert balance(student) == 0


def test_points_already_spent_refuse_the_annulment(faculty, student, checkin):
    redeem(student, RewardFactory(cost=10))
    error = refused("insufficient_balance", faculty, checkin)
    assert "Alice Student" in error.message
    assert not CheckIn.objects.get(pk=checkin.pk).is_annulled


def test_a_suspended_students_check_in_can_still_be_annulled(faculty, student, checkin):
    student.user.is_active = False
    student.user.save(update_fields=["is_active"])
    annul(faculty, checkin)
    assert balance(student) == 0


def test_an_unknown_check_in_is_not_found(faculty):
    with pytest.raises(AttendanceError) as caught:
        annul_checkin(actor=faculty, checkin_id=999_999, reason="x")
    assert caught.value.code == "not_found"


# --- draws ---------------------------------------------------------------------------------------


def test_an_entry_to_the_events_open_draw_is_withdrawn(faculty, student, event, checkin):
    draw = DrawFactory(event=event)
    other = DrawFactory()  # not the event's: untouched
    draw_services.enter_draw(actor=student.user, draw_id=draw.pk)
    draw_services.enter_draw(actor=student.user, draw_id=other.pk)
    done = annul(faculty, checkin)
    assert done.withdrawn_from == [draw]
    assert not DrawEntry.objects.filter(draw=draw, student=student).exists()
    assert DrawEntry.objects.filter(draw=other, student=student).exists()
    message = Notification.objects.filter(user=student.user).latest("id").message
    assert draw.title in message


def test_the_withdrawn_student_cannot_enter_again(faculty, student, event, checkin):
    draw = DrawFactory(event=event)
    annul(faculty, checkin)
    with pytest.raises(draw_services.DrawError) as caught:
        draw_services.enter_draw(actor=student.user, draw_id=draw.pk)
    assert caught.value.code == "ineligible"


def test_a_performed_draw_keeps_its_frozen_entrants(faculty, admin, student, event, checkin):
    draw = DrawFactory(event=event, alternates_count=0)
    draw_services.enter_draw(actor=student.user, draw_id=draw.pk)
    let_entries_close(draw)
    draw_services.perform_draw(actor=admin, draw_id=draw.pk)
    assert annul(faculty, checkin).withdrawn_from == []
    assert DrawEntry.objects.filter(draw=draw, student=student).exists()
    assert draw_services.verify_draw(Draw.objects.get(pk=draw.pk)).ok


def test_an_attendees_draw_leaves_annulled_check_ins_out(faculty, admin, student, event, checkin):
    came = StudentFactory()
    check_in(actor=faculty, event_id=event.pk, student_id=came.pk)
    draw = DrawFactory(event=event, eligibility=Draw.Eligibility.ATTENDEES, alternates_count=0)
    annul(faculty, checkin)
    let_entries_close(draw)
    result = draw_services.perform_draw(actor=admin, draw_id=draw.pk)
    assert [w.entry.student for w in result.winners] == [came]


# --- checking in again ---------------------------------------------------------------------------


def test_the_student_cannot_check_themself_in_again(faculty, student, event, checkin):
    annul(faculty, checkin)
    with pytest.raises(EventError) as caught:
        check_in(actor=student.user, event_id=event.pk, code=current_code(event))
    assert caught.value.code == "annulled"
    assert CheckInAttempt.objects.filter(student=student, reason="annulled").exists()
    assert balance(student) == 0


def test_the_organiser_can_check_them_in_again_once(faculty, student, event, checkin):
    annul(faculty, checkin)
    again = check_in(actor=faculty, event_id=event.pk, student_id=student.pk)
    assert Entry.objects.get(checkin=again).idempotency_key == (
        f"checkin:{event.pk}:{student.pk}:1"
    )
    assert balance(student) == 12  # credited, taken back, credited: held once
    with pytest.raises(EventError) as caught:
        check_in(actor=faculty, event_id=event.pk, student_id=student.pk)
    assert caught.value.code == "already_checked_in"
    assert balance(student) == 12
    assert_ledger_consistent()


def test_annulled_twice_and_back_again_keeps_every_row(faculty, student, event, checkin):
    annul(faculty, checkin)
    second = check_in(actor=faculty, event_id=event.pk, student_id=student.pk)
    annul(faculty, second)
    third = check_in(actor=faculty, event_id=event.pk, student_id=student.pk)
    assert Entry.objects.get(checkin=third).idempotency_key.endswith(":2")
    assert CheckIn.objects.filter(event=event, student=student).count() == 3
    assert CheckIn.objects.filter(event=event, student=student).standing().get() == third
    assert balance(student) == 12
    assert_ledger_consistent()


def test_two_standing_check_ins_are_refused_by_the_database(event, student, checkin):
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.create(event=event, student=student, method="manual")


def test_an_annulled_check_in_needs_a_reason_in_the_database(faculty, checkin):
    from django.utils import timezone

    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.filter(pk=checkin.pk).update(annulled_at=timezone.now())


def test_an_upload_does_not_undo_an_annulment(faculty, student, other_student, event, checkin):
    annul(faculty, checkin)
    report = import_attendance(actor=faculty, event_id=event.pk, data=b"CS001\nCS002\n")
    assert report.checked_in == ["CS002"]
    assert [(r.line, r.value) for r in report.skipped] == [(1, "CS001")]
    assert balance(student) == 0


def test_an_annulment_frees_the_place(faculty, student, other_student, category):
    event = EventFactory(organiser=faculty, category=category, capacity=1)
    first = check_in(actor=student.user, event_id=event.pk, code=current_code(event))
    with pytest.raises(EventError):
        check_in(actor=other_student.user, event_id=event.pk, code=current_code(event))
    annul(faculty, first)
    check_in(actor=other_student.user, event_id=event.pk, code=current_code(event))
    assert event_services.walk_in_places(event) == 0


def test_a_disputed_annulment_is_accepted_through_the_normal_credit(
    faculty, student, event, checkin
):
    annul(faculty, checkin)
    dispute = attendance_services.file_dispute(
        actor=student.user, event_id=event.pk, note="I was in the front row."
    )
    attendance_services.decide_dispute(actor=faculty, dispute_id=dispute.pk, accept=True)
    assert balance(student) == 12
    assert CheckIn.objects.standing().get(event=event, student=student).method == "dispute"
