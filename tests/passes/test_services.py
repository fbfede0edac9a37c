"""Door passes in the services: the student's pass and its reset (services.passes), and the
organiser checking a student in by pass (services.events.check_in with `pass_code`). Every
refusal asserts its code and that nothing was written."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from portal.domain import passes
from portal.exceptions import PortalError
from portal.models import AuditLog, CheckIn, CheckInAttempt, Event, Registration, Transaction
from portal.services.events import check_in, current_code
from portal.services.passes import PassError, current_pass, pass_holder, reset_pass
from tests.conftest import ledger_total
from tests.factories import EventFactory, StudentFactory

pytestmark = pytest.mark.django_db

Method = CheckIn.Method


@pytest.fixture
def event(faculty, category):
    """Published, window open now, 15 points, organised by `faculty`."""
    return EventFactory(organiser=faculty, category=category, attendance_points=15)


def code_of(student) -> str:
    student.refresh_from_db()
    return current_pass(student).code


def written() -> tuple[tuple[int, int], int]:
    return ledger_total(), CheckIn.objects.count()


def refused(error: str, /, **kwargs) -> PortalError:
    """check_in(**kwargs) raises a PortalError with code `error` and writes nothing."""
    before = written()
    with pytest.raises(PortalError) as caught:
        check_in(**kwargs)
    assert caught.value.code == error
    assert written() == before
    return caught.value


# --- the pass ------------------------------------------------------------------------------------


def test_each_student_has_their_own_secret(student, other_student):
    assert len(student.pass_secret) == 64
    assert student.pass_secret != other_student.pass_secret


def test_the_current_pass_names_its_holder(student):
    shown = current_pass(student)
    assert shown.payload == f"{passes.QR_PREFIX}{shown.code}"
    assert shown.code.startswith(f"{student.user_id}-")
    assert 1 <= shown.seconds_left <= passes.STEP_SECONDS
    assert pass_holder(shown.payload) == student
    assert pass_holder(shown.code.lower()) == student


def test_resetting_the_pass_voids_the_codes_shown_before(student):
    old = current_pass(student).code
    reset_pass(actor=student.user)
    with pytest.raises(PassError) as caught:
        pass_holder(old)
    assert caught.value.code == "pass_expired"
    assert pass_holder(code_of(student)) == student


def test_only_students_reset_a_pass(faculty):
    with pytest.raises(PassError) as caught:
        reset_pass(actor=faculty)
    assert caught.value.code == "forbidden"


def test_a_suspended_students_pass_is_nobodys(student):
    code = code_of(student)
    student.user.is_active = False
    student.user.save(update_fields=["is_active"])
    with pytest.raises(PassError) as caught:
        pass_holder(code)
    assert caught.value.code == "not_a_pass"


# --- checking in by pass -------------------------------------------------------------------------


def test_the_organiser_checks_a_student_in_by_pass(faculty, student, event):
    checkin = check_in(actor=faculty, event_id=event.pk, pass_code=code_of(student))
    assert (checkin.student, checkin.method, checkin.checked_in_by) == (
        student,
        Method.PASS,
        faculty,
    )
    entry = Transaction.objects.get(checkin=checkin)
    assert (entry.amount, entry.kind, entry.actor) == (15, Transaction.Kind.ATTENDANCE, faculty)
    student.refresh_from_db()
    assert student.balance == 15
    assert AuditLog.objects.filter(action="checkin.pass").count() == 1


def test_the_scanned_qr_payload_checks_in_too(faculty, student, event):
    student.refresh_from_db()
    checkin = check_in(actor=faculty, event_id=event.pk, pass_code=current_pass(student).payload)
    assert checkin.method == Method.PASS


def test_a_club_officer_checks_a_student_in_by_pass_at_their_clubs_event(
    officer, club, student, category
):
    event = EventFactory(club=club, category=category)
    checkin = check_in(actor=officer.user, event_id=event.pk, pass_code=code_of(student))
    assert checkin.checked_in_by == officer.user


def test_the_previous_steps_pass_still_checks_in(faculty, student, event, monkeypatch):
    # One clock for the code and the check: a step boundary between them would make the
    # previous step's code two steps old.
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)
    code = passes.pass_code(student.pass_secret, student.user_id, now.timestamp() - 30)
    assert check_in(actor=faculty, event_id=event.pk, pass_code=str(code)).student == student


@pytest.mark.parametrize("who", ["other_faculty", "student", "other_student"])
def test_someone_who_does_not_run_the_check_in_is_refused(request, who, student, event):
    actor = request.getfixturevalue(who)
    actor = getattr(actor, "user", actor)
    refused("forbidden", actor=actor, event_id=event.pk, pass_code=code_of(student))
    assert not CheckInAttempt.objects.exists()


def test_an_old_pass_is_refused(faculty, student, event):
    old = passes.pass_code(student.pass_secret, student.user_id, time.time() - 60)
    refused("pass_expired", actor=faculty, event_id=event.pk, pass_code=str(old))


def test_a_pass_reset_since_is_refused(faculty, student, event):
    old = code_of(student)
    reset_pass(actor=student.user)
    refused("pass_expired", actor=faculty, event_id=event.pk, pass_code=old)


def test_a_tampered_pass_is_refused(faculty, student, other_student, event):
    mac = code_of(student).split("-")[1]
    refused(
        "pass_expired", actor=faculty, event_id=event.pk, pass_code=f"{other_student.user_id}-{mac}"
    )


@pytest.mark.parametrize("text", ["", "hello", "UPAS-PASS:", "https://upas.test/events/1/scan/X/"])
def test_what_is_not_a_pass_is_refused(faculty, event, text):
    refused("not_a_pass", actor=faculty, event_id=event.pk, pass_code=text or " ")


def test_a_staff_members_id_is_not_a_pass(faculty, other_faculty, event):
    code = passes.pass_code("x" * 64, other_faculty.pk, time.time())
    refused("not_a_pass", actor=faculty, event_id=event.pk, pass_code=str(code))


def test_a_student_not_registered_for_a_registration_event_is_refused_with_their_name(
    faculty, student, category
):
    event = EventFactory(organiser=faculty, category=category, requires_registration=True)
    error = refused("not_registered", actor=faculty, event_id=event.pk, pass_code=code_of(student))
    assert student.user.name in error.message
    attempt = CheckInAttempt.objects.get()
    assert (attempt.student, attempt.reason, attempt.method) == (
        student,
        "not_registered",
        Method.PASS,
    )


def test_a_waitlisted_student_is_refused(faculty, student, category):
    event = EventFactory(organiser=faculty, category=category, requires_registration=True)
    Registration.objects.create(event=event, student=student, status=Registration.Status.WAITLISTED)
    refused("waitlisted", actor=faculty, event_id=event.pk, pass_code=code_of(student))


def test_a_registered_student_is_checked_in_even_when_the_event_is_full(faculty, category):
    event = EventFactory(
        organiser=faculty, category=category, requires_registration=True, capacity=1
    )
    registered = StudentFactory()
    Registration.objects.create(
        event=event, student=registered, status=Registration.Status.REGISTERED
    )
    assert check_in(actor=faculty, event_id=event.pk, pass_code=code_of(registered))


def test_a_full_event_refuses_a_walk_in(faculty, student, other_student, category):
    event = EventFactory(organiser=faculty, category=category, capacity=1)
    check_in(actor=faculty, event_id=event.pk, pass_code=code_of(other_student))
    refused("full", actor=faculty, event_id=event.pk, pass_code=code_of(student))


def test_the_same_pass_scanned_twice_credits_once(faculty, student, event):
    code = code_of(student)
    check_in(actor=faculty, event_id=event.pk, pass_code=code)
    refused("already_checked_in", actor=faculty, event_id=event.pk, pass_code=code)
    assert Transaction.objects.filter(kind=Transaction.Kind.ATTENDANCE).count() == 1
    assert CheckInAttempt.objects.get().reason == "already_checked_in"


def test_a_student_who_checked_in_with_the_code_is_not_credited_again(faculty, student, event):
    check_in(actor=student.user, event_id=event.pk, code=current_code(event))
    refused("already_checked_in", actor=faculty, event_id=event.pk, pass_code=code_of(student))


def test_an_officer_cannot_check_themself_in_by_pass(officer, club, category):
    event = EventFactory(club=club, category=category)
    refused("own_checkin", actor=officer.user, event_id=event.pk, pass_code=code_of(officer))


@pytest.mark.parametrize(
    ("status", "error"),
    [(Event.Status.CANCELLED, "cancelled"), (Event.Status.DRAFT, "not_published")],
)
def test_an_event_not_open_refuses_passes(faculty, student, event, status, error):
    event.status = status
    event.save(update_fields=["status"])
    refused(error, actor=faculty, event_id=event.pk, pass_code=code_of(student))


def test_outside_the_check_in_window_a_pass_is_refused(faculty, student, category):
    event = EventFactory(
        organiser=faculty, category=category, starts_at=timezone.now() + timedelta(days=1)
    )
    refused("not_open_yet", actor=faculty, event_id=event.pk, pass_code=code_of(student))


def test_an_unknown_event_is_refused(faculty, student):
    refused("not_found", actor=faculty, event_id=987654, pass_code=code_of(student))
