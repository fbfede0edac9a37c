"""Disputes, "I was there" (issue 19, item 6): a student refused at the door, registered and
not checked in, or annulled, tells the organiser; the organiser accepts (the student is
checked in through the normal credit path, once) or rejects with a reason, from one queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from portal.models import AttendanceDispute, AuditLog, CheckIn, Event, Notification
from portal.models import Transaction as Entry
from portal.selectors.attendance import DISPUTE_WINDOW, open_dispute_count, open_disputes
from portal.services.attendance import AttendanceError, decide_dispute, file_dispute
from portal.services.events import EventError, check_in, current_code
from portal.services.registrations import register
from tests.factories import EventFactory, StudentFactory
from tests.helpers import assert_ledger_consistent, balance
from tests.html import HX, find, text

pytestmark = pytest.mark.django_db

Status = AttendanceDispute.Status


@pytest.fixture
def event(faculty, category):
    return EventFactory(organiser=faculty, category=category, attendance_points=15)


def refuse_at_the_door(profile, event, code="ZZZZZZ"):
    """A self check-in with a wrong code: refused, and recorded as an attempt."""
    with pytest.raises(EventError):
        check_in(actor=profile.user, event_id=event.pk, code=code)


def dispute(profile, event, note="I was in the front row from 17:00."):
    return file_dispute(actor=profile.user, event_id=event.pk, note=note)


def cannot_dispute(code, profile, event, note="I was there."):
    before = AttendanceDispute.objects.count()
    with pytest.raises(AttendanceError) as caught:
        dispute(profile, event, note)
    assert caught.value.code == code
    assert AttendanceDispute.objects.count() == before


def end(event, *, ago=timedelta(hours=1)):
    """Move the event into the past: it ended `ago`."""
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - ago - timedelta(hours=2), ends_at=timezone.now() - ago
    )
    event.refresh_from_db()


# --- filing --------------------------------------------------------------------------------------


def test_a_student_refused_at_the_door_can_dispute(student, event):
    refuse_at_the_door(student, event)
    filed = dispute(student, event)
    assert (filed.status, filed.note) == (Status.OPEN, "I was in the front row from 17:00.")


def test_a_student_who_never_tried_cannot_dispute(student, event):
    cannot_dispute("not_eligible", student, event)


def test_a_registered_student_can_dispute_once_check_in_is_over(faculty, student, category):
    event = EventFactory(organiser=faculty, category=category, requires_registration=True)
    register(actor=student.user, event_id=event.pk)
    cannot_dispute("not_eligible", student, event)  # they can still check in themselves
    end(event)
    assert dispute(student, event).status == Status.OPEN


def test_a_student_checked_in_has_nothing_to_dispute(student, event):
    check_in(actor=student.user, event_id=event.pk, code=current_code(event))
    cannot_dispute("already_checked_in", student, event)


def test_one_open_dispute_per_student_and_event(student, event):
    refuse_at_the_door(student, event)
    dispute(student, event)
    cannot_dispute("already_disputed", student, event)


def test_the_database_allows_one_open_dispute(student, event):
    refuse_at_the_door(student, event)
    dispute(student, event)
    with pytest.raises(IntegrityError), transaction.atomic():
        AttendanceDispute.objects.create(event=event, student=student, note="Again")


def test_after_a_rejection_the_student_may_dispute_again(faculty, student, event):
    refuse_at_the_door(student, event)
    decide_dispute(actor=faculty, dispute_id=dispute(student, event).pk, accept=False, reason="No")
    assert dispute(student, event, "Here is more: I sat next to Dr Lopez.").status == Status.OPEN


def test_a_note_is_required_and_at_most_300_characters(student, event):
    refuse_at_the_door(student, event)
    cannot_dispute("note_required", student, event, "  ")
    cannot_dispute("too_long", student, event, "x" * 301)


def test_disputes_close_two_weeks_after_the_event(student, event):
    refuse_at_the_door(student, event)
    end(event, ago=DISPUTE_WINDOW + timedelta(minutes=1))
    cannot_dispute("too_late", student, event)


def test_a_cancelled_event_cannot_be_disputed(faculty, student, event):
    refuse_at_the_door(student, event)
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    cannot_dispute("cancelled", student, event)


def test_staff_cannot_file_disputes(faculty, event):
    with pytest.raises(AttendanceError) as caught:
        file_dispute(actor=faculty, event_id=event.pk, note="I was there")
    assert caught.value.code == "forbidden"


# --- deciding ------------------------------------------------------------------------------------


@pytest.fixture
def filed(student, event):
    refuse_at_the_door(student, event)
    return dispute(student, event)


def test_accepting_checks_the_student_in_and_credits_once(faculty, student, event, filed):
    decided = decide_dispute(actor=faculty, dispute_id=filed.pk, accept=True)
    assert decided.status == Status.ACCEPTED
    checkin = CheckIn.objects.get(event=event, student=student)
    assert (checkin.method, checkin.checked_in_by) == ("dispute", faculty)
    assert decided.checkin == checkin
    assert Entry.objects.get(checkin=checkin).amount == 15
    assert balance(student) == 15
    assert AuditLog.objects.filter(action="checkin.dispute").exists()
    assert AuditLog.objects.filter(action="dispute.accept", actor=faculty).exists()
    assert_ledger_consistent()


def test_accepting_twice_credits_once(faculty, admin, student, filed):
    decide_dispute(actor=faculty, dispute_id=filed.pk, accept=True)
    with pytest.raises(AttendanceError) as caught:
        decide_dispute(actor=admin, dispute_id=filed.pk, accept=True)
    assert caught.value.code == "already_decided"
    assert "Dr Faculty" in caught.value.message
    assert balance(student) == 15


def test_the_student_is_told_it_was_accepted(faculty, student, filed):
    decide_dispute(actor=faculty, dispute_id=filed.pk, accept=True)
    note = Notification.objects.filter(user=student.user).latest("id")
    assert note.kind == Notification.Kind.ATTENDANCE
    assert "accepted" in note.message and "15 points" in note.message


def test_rejecting_needs_a_reason_the_student_reads(faculty, student, filed):
    with pytest.raises(AttendanceError) as caught:
        decide_dispute(actor=faculty, dispute_id=filed.pk, accept=False, reason=" ")
    assert caught.value.code == "reason_required"
    decided = decide_dispute(
        actor=faculty, dispute_id=filed.pk, accept=False, reason="Not on the sign-in sheet"
    )
    assert (decided.status, decided.decision_note) == (Status.REJECTED, "Not on the sign-in sheet")
    assert not CheckIn.objects.exists()
    message = Notification.objects.filter(user=student.user).latest("id").message
    assert "rejected" in message and "Not on the sign-in sheet" in message


def test_a_student_checked_in_meanwhile_is_not_credited_again(faculty, student, event, filed):
    manual = check_in(actor=faculty, event_id=event.pk, student_id=student.pk)
    decided = decide_dispute(actor=faculty, dispute_id=filed.pk, accept=True)
    assert decided.checkin == manual
    assert balance(student) == 15


def test_accepting_respects_the_places_left(faculty, student, other_student, category):
    event = EventFactory(organiser=faculty, category=category, capacity=1)
    check_in(actor=other_student.user, event_id=event.pk, code=current_code(event))
    refuse_at_the_door(student, event, code=current_code(event))  # full
    filed = dispute(student, event)
    with pytest.raises(EventError) as caught:
        decide_dispute(actor=faculty, dispute_id=filed.pk, accept=True)
    assert caught.value.code == "full"
    assert AttendanceDispute.objects.get(pk=filed.pk).status == Status.OPEN


def test_only_the_events_organisers_decide(other_faculty, filed):
    with pytest.raises(AttendanceError) as caught:
        decide_dispute(actor=other_faculty, dispute_id=filed.pk, accept=True)
    assert caught.value.code == "forbidden"


def test_an_officer_cannot_accept_their_own_dispute(club, officer, category, admin):
    event = EventFactory(club=club, category=category)
    refuse_at_the_door(officer, event)
    filed = dispute(officer, event)
    with pytest.raises(EventError) as caught:
        decide_dispute(actor=officer.user, dispute_id=filed.pk, accept=True)
    assert caught.value.code == "own_checkin"
    decide_dispute(actor=admin, dispute_id=filed.pk, accept=True)
    assert balance(officer) == 10


# --- the queue -----------------------------------------------------------------------------------


def test_the_queue_holds_the_disputes_of_the_events_one_manages(
    faculty, other_faculty, admin, club, officer, category
):
    mine = EventFactory(organiser=faculty, category=category)
    theirs = EventFactory(organiser=other_faculty, category=category)
    clubs = EventFactory(organiser=other_faculty, category=category, club=club)
    for event in (mine, theirs, clubs):
        someone = StudentFactory()
        refuse_at_the_door(someone, event)
        dispute(someone, event)
    assert {d.event for d in open_disputes(faculty)} == {mine}
    assert {d.event for d in open_disputes(other_faculty)} == {theirs, clubs}
    assert {d.event for d in open_disputes(officer.user)} == {clubs}
    assert open_dispute_count(admin) == 3


def test_the_queue_says_why_the_student_was_refused(client_as, faculty, student, event, filed):
    page = client_as(faculty).get(reverse("portal:dispute-queue"))
    assert page.status_code == 200
    body = text(find(page.content, id="dispute-list"))
    assert "Alice Student" in body
    assert "I was in the front row from 17:00." in body
    assert "Refused once: Wrong or expired code" in body


def test_deciding_from_the_queue_redraws_it(client_as, faculty, student, filed):
    url = reverse("portal:dispute-decide", args=[filed.pk])
    response = client_as(faculty).post(url, {"decision": "accept"}, **HX)
    assert response.status_code == 200
    assert "dispute-decided" in response["HX-Trigger"]
    assert "Accepted: Alice Student is checked in" in response.content.decode()
    assert "No disputes waiting" in response.content.decode()
    assert balance(student) == 15


def test_a_rejection_without_a_reason_is_said_in_the_queue(client_as, faculty, filed):
    url = reverse("portal:dispute-decide", args=[filed.pk])
    response = client_as(faculty).post(url, {"decision": "reject", "reason": ""}, **HX)
    assert "Say why" in text(find(response.content, role="alert"))
    assert AttendanceDispute.objects.get(pk=filed.pk).status == Status.OPEN


def test_the_navigation_counts_the_waiting_disputes(client_as, faculty, filed):
    response = client_as(faculty).get(reverse("portal:review-count"))
    assert text(find(response.content, id="dispute-badge")) == "1 (1 waiting)"
    assert text(find(response.content, id="menu-badge")) == "1 (1 item waiting for you)"
    page = client_as(faculty).get(reverse("portal:dashboard")).content
    links = find(page, "nav", id="main-nav")
    assert reverse("portal:dispute-queue") in str(links)


# --- the student's side --------------------------------------------------------------------------


def test_the_event_page_offers_the_dispute_after_a_refusal(client_as, student, event):
    url = reverse("portal:event-detail", args=[event.pk])
    assert "dispute-panel" not in client_as(student).get(url).content.decode()
    refuse_at_the_door(student, event)
    panel = find(client_as(student).get(url).content, id="dispute-panel")
    assert panel is not None and "Send to the organiser" in text(panel)
    # A check-in after all makes it moot: static/js/app.js takes it away on "checked-in".
    assert "data-leaves-on-check-in" in dict(panel.attributes)


def test_filing_through_htmx_answers_the_panel(client_as, student, event):
    refuse_at_the_door(student, event)
    url = reverse("portal:event-dispute", args=[event.pk])
    response = client_as(student).post(url, {"note": "Row 3, blue jumper."}, **HX)
    body = response.content.decode()
    assert "<html" not in body and 'id="dispute-panel"' in body
    assert "Sent to the organiser" in body
    assert AttendanceDispute.objects.get().note == "Row 3, blue jumper."


def test_a_refused_filing_keeps_what_was_typed(client_as, student, event):
    refuse_at_the_door(student, event)
    url = reverse("portal:event-dispute", args=[event.pk])
    response = client_as(student).post(url, {"note": "x" * 301}, **HX)
    assert "At most 300 characters" in response.content.decode()
    assert "x" * 301 in response.content.decode()


def test_the_student_sees_the_answer(client_as, faculty, student, event, filed):
    decide_dispute(actor=faculty, dispute_id=filed.pk, accept=False, reason="Nobody saw you")
    page = client_as(student).get(reverse("portal:event-detail", args=[event.pk]))
    assert "Nobody saw you" in text(find(page.content, id="dispute-panel"))
