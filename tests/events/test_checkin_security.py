"""Check-in proves presence (issue 15): a scan token names the student who scanned, lives two
minutes and is used once, so a link posted in a group chat checks nobody else in; wrong typed
codes are limited per student and per event, with a clear message, and every refused attempt
is recorded; the projector hides the names of students who hide them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from portal.models import CheckIn, CheckInAttempt
from portal.services import events as event_services
from portal.services.events import EventError, check_in, current_code, mint_scan_token
from portal.views.events import PENDING_SCAN
from tests.conftest import ledger_total
from tests.factories import EventFactory, StudentFactory
from tests.html import find, find_all, text

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def event(faculty, category):
    return EventFactory(organiser=faculty, category=category, attendance_points=15)


def checkin_url(event) -> str:
    return reverse("portal:event-checkin", kwargs={"pk": event.pk})


def scan_url(event) -> str:
    return reverse("portal:event-scan", kwargs={"pk": event.pk, "code": current_code(event)})


def wrong_code(event) -> str:
    return "ZZZZZZ" if current_code(event) != "ZZZZZZ" else "YYYYYY"


def signing_clock(at: datetime) -> mock._patch:
    """Signed tokens read time.time(): move it for the duration of a `with`."""
    return mock.patch("django.core.signing.time.time", return_value=at.timestamp())


def refused(error: str, /, **kwargs) -> EventError:
    before = ledger_total(), CheckIn.objects.count()
    with pytest.raises(EventError) as caught:
        check_in(**kwargs)
    assert caught.value.code == error
    assert (ledger_total(), CheckIn.objects.count()) == before
    return caught.value


def reasons(event) -> list[str]:
    return list(
        CheckInAttempt.objects.filter(event=event).order_by("id").values_list("reason", flat=True)
    )


# --- scan tokens ----------------------------------------------------------------------------------


def test_a_scan_token_checks_in_the_student_who_scanned(student, event):
    token = mint_scan_token(event, student.user)
    assert check_in(actor=student.user, event_id=event.pk, scan_token=token).method == "qr"


def test_a_scan_token_passed_to_another_student_checks_nobody_in(student, other_student, event):
    token = mint_scan_token(event, student.user)
    refused("scan_expired", actor=other_student.user, event_id=event.pk, scan_token=token)
    assert reasons(event) == ["scan_expired"]
    assert CheckInAttempt.objects.get().student == other_student


def test_a_scan_token_works_once(student, event, category, faculty):
    token = mint_scan_token(event, student.user)
    check_in(actor=student.user, event_id=event.pk, scan_token=token)
    refused("scan_used", actor=student.user, event_id=event.pk, scan_token=token)


def test_a_scan_token_spent_on_a_refusal_cannot_be_replayed(student, faculty, category):
    later = EventFactory(organiser=faculty, category=category, starts_at=NOON.replace(year=2099))
    token = mint_scan_token(later, student.user)
    refused("not_open_yet", actor=student.user, event_id=later.pk, scan_token=token)
    refused("scan_used", actor=student.user, event_id=later.pk, scan_token=token)


def test_a_scan_token_lives_two_minutes(student, event):
    with signing_clock(NOON):
        token = mint_scan_token(event, student.user)
    with signing_clock(NOON + timedelta(seconds=event_services.SCAN_TOKEN_MAX_AGE + 1)):
        refused("scan_expired", actor=student.user, event_id=event.pk, scan_token=token)
    assert event_services.SCAN_TOKEN_MAX_AGE <= 120


def test_a_tampered_scan_token_is_refused(student, event):
    token = mint_scan_token(event, student.user)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    refused("scan_expired", actor=student.user, event_id=event.pk, scan_token=tampered)


def test_a_link_from_a_group_chat_checks_nobody_else_in(client_as, student, other_student, event):
    """The attack from the issue: one student scans, posts the link; a friend at home opens it."""
    link = client_as(student).get(scan_url(event))["Location"]
    friend = client_as(other_student)
    landing = friend.get(link)
    token = dict(find(landing.content, "input", name="t").attributes)["value"]
    friend.post(checkin_url(event), {"t": token})
    assert not CheckIn.objects.filter(student=other_student).exists()
    assert reasons(event) == ["scan_expired"]


def test_a_scan_waiting_in_the_session_expires_after_five_minutes(client_as, student, event):
    client = client_as(None)
    client.get(scan_url(event))
    session = client.session
    session[PENDING_SCAN] = {"e": event.pk, "at": NOON.timestamp()}  # long ago
    session.save()
    client.force_login(student.user)
    page = client.get(checkin_url(event))
    assert "This QR code has expired" in text(find(page.content, "h1"))
    assert not find_all(page.content, "input", name="t")


def test_a_scan_waiting_in_the_session_is_used_once(client_as, student, event):
    client = client_as(None)
    client.get(scan_url(event))
    client.force_login(student.user)
    assert find_all(client.get(checkin_url(event)).content, "input", name="t")
    assert not find_all(client.get(checkin_url(event)).content, "input", name="t")


# --- wrong typed codes ----------------------------------------------------------------------------


def test_wrong_codes_are_limited_per_student(student, event):
    for _attempt in range(10):
        refused("bad_code", actor=student.user, event_id=event.pk, code=wrong_code(event))
    error = refused("rate_limited", actor=student.user, event_id=event.pk, code=current_code(event))
    assert "Too many wrong codes" in error.message
    assert "scan the QR code" in error.message
    assert reasons(event) == ["bad_code"] * 10 + ["rate_limited"]


def test_the_student_limit_counts_wrong_codes_at_every_event(student, event, faculty, category):
    other = EventFactory(organiser=faculty, category=category)
    for _attempt in range(10):
        refused("bad_code", actor=student.user, event_id=other.pk, code=wrong_code(other))
    refused("rate_limited", actor=student.user, event_id=event.pk, code=current_code(event))


def test_right_codes_do_not_count_towards_the_limit(student, event, faculty, category):
    for _attempt in range(9):
        refused("bad_code", actor=student.user, event_id=event.pk, code=wrong_code(event))
    assert check_in(actor=student.user, event_id=event.pk, code=current_code(event)).pk


def test_wrong_codes_are_limited_per_event(event):
    students = StudentFactory.create_batch(4)
    with mock.patch.object(event_services, "WRONG_CODES_PER_EVENT", "3/m"):
        for profile in students[:3]:
            refused("bad_code", actor=profile.user, event_id=event.pk, code=wrong_code(event))
        refused("rate_limited", actor=students[3].user, event_id=event.pk, code=current_code(event))


def test_a_limited_student_sees_the_message_next_to_the_code_field(client_as, student, event):
    client = client_as(student)
    for _attempt in range(10):
        client.post(checkin_url(event), {"code": wrong_code(event)}, HTTP_HX_REQUEST="true")
    response = client.post(
        checkin_url(event), {"code": current_code(event)}, HTTP_HX_REQUEST="true"
    )
    assert "Too many wrong codes" in text(find(response.content, id="checkin-panel"))
    assert not CheckIn.objects.exists()


def test_every_refused_check_in_is_recorded_with_its_reason(student, event):
    check_in(actor=student.user, event_id=event.pk, code=current_code(event))
    refused("already_checked_in", actor=student.user, event_id=event.pk, code=current_code(event))
    assert reasons(event) == ["already_checked_in"]


def test_organiser_check_ins_are_not_recorded_as_attempts(faculty, student, event):
    check_in(actor=faculty, event_id=event.pk, student_id=student.pk)
    with pytest.raises(EventError):
        check_in(actor=faculty, event_id=event.pk, student_id=student.pk)
    assert reasons(event) == []


# --- the projector --------------------------------------------------------------------------------


def test_the_projector_hides_students_who_hide_their_name(client_as, faculty, event):
    shown = StudentFactory(user__name="Nadia Visible")
    hidden = StudentFactory(user__name="Omar Hidden", show_on_leaderboard=False)
    for profile in (shown, hidden):
        check_in(actor=faculty, event_id=event.pk, student_id=profile.pk)
    page = client_as(faculty).get(reverse("portal:event-screen", kwargs={"pk": event.pk}))
    latest = text(find(page.content, id="screen-live"))
    assert "Nadia Visible" in latest
    assert "Omar Hidden" not in latest
    assert "Anonymous student" in latest


def test_an_anonymous_scan_keeps_no_token_in_any_link(client_as, event):
    response = client_as(None).get(scan_url(event))
    assert "t" not in parse_qs(urlsplit(response["Location"]).query)


def test_an_event_handed_in_by_the_caller_counts_only_for_its_own_id(student, event, faculty):
    """The view passes the event it read, to save reading it again; an event object that is not
    the one named is ignored, and the named event's own code and rules apply."""
    other = EventFactory(organiser=faculty, category=event.category, attendance_points=40)
    code = current_code(other)
    refused("bad_code", actor=student.user, event_id=event.pk, code=code, event=other)
    checkin = check_in(actor=student.user, event_id=event.pk, code=current_code(event), event=other)
    assert checkin.event_id == event.pk
    assert ledger_total() == (1, 15)


def test_the_rules_are_checked_on_the_event_as_it_is_after_the_lock(student, event):
    """The view's copy of the event serves for the code only: an event cancelled while the
    check-in waited for the student's lock refuses it."""
    copy = type(event).objects.get(pk=event.pk)  # as the view read it, still published
    type(event).objects.filter(pk=event.pk).update(status=type(event).Status.CANCELLED)
    refused("cancelled", actor=student.user, event_id=event.pk, code=current_code(copy), event=copy)


def test_a_capacity_set_while_the_check_in_waited_is_counted(student, event):
    """The view read the event without a capacity; the organiser set one (already filled)
    before the check-in took the lock: the event is read again under it, and is full."""
    first = StudentFactory()
    check_in(actor=first.user, event_id=event.pk, code=current_code(event))
    copy = type(event).objects.get(pk=event.pk)
    type(event).objects.filter(pk=event.pk).update(capacity=1)
    refused("full", actor=student.user, event_id=event.pk, code=current_code(copy), event=copy)


def test_a_stale_copy_of_another_event_is_not_used(student, event, faculty, category):
    other = EventFactory(organiser=faculty, category=category)
    type(event).objects.filter(pk=event.pk).update(status=type(event).Status.CANCELLED)
    refused(
        "cancelled", actor=student.user, event_id=event.pk, code=current_code(event), event=other
    )
