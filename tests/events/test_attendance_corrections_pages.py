"""The organiser's attendance page after issue 19, item 6: refused attempts with their reasons,
annulled check-ins marked as such, registered students who did not come (and who is excused),
and the figures after the event on the event page and in the reports; each in a constant
number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.models import CheckInAttempt, Event, Registration
from portal.selectors.events import registration_figures
from portal.services.attendance import AttendanceError, annul_checkin, set_excused
from portal.services.events import EventError, check_in, current_code
from portal.services.registrations import register
from tests.factories import EventFactory, StudentFactory
from tests.helpers import balance
from tests.html import HX, find, find_all, text

pytestmark = pytest.mark.django_db

# Every code `services.events.check_in` refuses a student's own check-in with (its docstring),
# and the one the QR landing records.
REFUSALS = [
    "bad_code",
    "rate_limited",
    "scan_expired",
    "scan_used",
    "qr_expired",
    "cancelled",
    "not_published",
    "not_open_yet",
    "closed",
    "already_checked_in",
    "annulled",
    "full",
    "waitlisted",
    "not_registered",
]


@pytest.fixture
def event(faculty, category):
    return EventFactory(
        organiser=faculty, category=category, requires_registration=True, capacity=10
    )


def page_of(client, event, **params):
    return client.get(reverse("portal:event-attendance", args=[event.pk]), params)


def queries(client, url: str, **headers: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, **headers).status_code == 200
    return len(captured)


def finish(event: Event) -> None:
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    event.refresh_from_db()


# --- refused attempts ----------------------------------------------------------------------------


def test_every_refusal_has_a_readable_reason():
    assert set(REFUSALS) == set(CheckInAttempt.Reason.values)


def test_the_page_lists_refused_attempts_with_readable_reasons(
    client_as, faculty, student, other_student, event
):
    with pytest.raises(EventError):
        check_in(actor=student.user, event_id=event.pk, code="ZZZZZZ")
    with pytest.raises(EventError):
        check_in(actor=other_student.user, event_id=event.pk, code=current_code(event))
    section = find(page_of(client_as(faculty), event).content, id="attempt-list")
    rows = [text(row) for row in find_all(section, "tr")[1:]]
    assert "Bob Student" in rows[0] and "Not registered" in rows[0]
    assert "Alice Student" in rows[1] and "Wrong or expired code" in rows[1]
    assert "bad_code" not in text(section)


def test_an_attempt_followed_by_a_check_in_says_so(client_as, faculty, student, category):
    plain = EventFactory(organiser=faculty, category=category)
    with pytest.raises(EventError):
        check_in(actor=student.user, event_id=plain.pk, code="ZZZZZZ")
    check_in(actor=student.user, event_id=plain.pk, code=current_code(plain))
    section = find(page_of(client_as(faculty), plain).content, id="attempt-list")
    assert "checked in now" in text(section)


def test_an_unknown_reason_is_shown_as_stored(client_as, faculty, student, event):
    CheckInAttempt.objects.create(event=event, student=student, reason="gremlins", method="code")
    assert "gremlins" in text(find(page_of(client_as(faculty), event).content, id="attempt-list"))


def test_scanning_an_expired_qr_code_is_on_record(client_as, student, event):
    url = reverse("portal:event-scan", args=[event.pk, "ZZZZZZ"])
    assert client_as(student).get(url).status_code == 400
    attempt = CheckInAttempt.objects.get()
    assert (attempt.student, attempt.reason, attempt.method) == (student, "qr_expired", "qr")


def test_attempts_page_on_their_own(client_as, faculty, event):
    for _ in range(25):
        CheckInAttempt.objects.create(
            event=event, student=StudentFactory(), reason="bad_code", method="code"
        )
    client = client_as(faculty)
    first = page_of(client, event)
    assert len(first.context["attempts"].object_list) == 20
    assert "?refused=2" in first.content.decode()
    second = client.get(
        reverse("portal:event-attendance", args=[event.pk]) + "?refused=2",
        HTTP_HX_TARGET="attempt-list",
        **HX,
    )
    body = second.content.decode()
    assert "<html" not in body and body.strip().startswith('<section id="attempt-list"')


# --- annulling and excusing from the page --------------------------------------------------------


def test_annulling_from_the_page(client_as, faculty, student, event):
    register(actor=student.user, event_id=event.pk)
    checkin = check_in(actor=student.user, event_id=event.pk, code=current_code(event))
    client = client_as(faculty)
    response = client.post(
        reverse("portal:checkin-annul", args=[checkin.pk]),
        {"reason": "Left after five minutes", "page": "1"},
        follow=True,
    )
    assert "Alice Student's check-in is annulled and 10 points taken back." in text(
        response.content
    )
    row = text(find(response.content, id="attendance-list"))
    assert "Annulled" in row and "Left after five minutes" in row and "by Dr Faculty" in row
    assert balance(student) == 0


def test_annulling_without_a_reason_says_why_not(client_as, faculty, student, event):
    register(actor=student.user, event_id=event.pk)
    checkin = check_in(actor=student.user, event_id=event.pk, code=current_code(event))
    response = client_as(faculty).post(
        reverse("portal:checkin-annul", args=[checkin.pk]), {"reason": ""}, follow=True
    )
    assert "Say why" in text(response.content)
    assert balance(student) == 10


def test_excusing_a_registered_student(client_as, faculty, student, other_student, event):
    register(actor=student.user, event_id=event.pk)
    registration = register(actor=other_student.user, event_id=event.pk)
    check_in(actor=student.user, event_id=event.pk, code=current_code(event))
    finish(event)
    client = client_as(faculty)
    absent = text(find(page_of(client, event).content, id="absent-list"))
    assert "Bob Student" in absent and "No-show" in absent and "Alice" not in absent
    response = client.post(
        reverse("portal:registration-excuse", args=[registration.pk]), {"excused": "1"}, follow=True
    )
    absent = text(find(response.content, id="absent-list"))
    assert "Excused" in absent and "by Dr Faculty" in absent
    figures = registration_figures(event)
    assert (figures.registered, figures.attended, figures.excused, figures.no_shows) == (2, 1, 1, 0)
    client.post(reverse("portal:registration-excuse", args=[registration.pk]), {"excused": "0"})
    assert registration_figures(event).no_shows == 1


def test_each_events_figures_are_its_own(faculty, category, student, other_student, event):
    """The figures' two statements are composed once per process and serve every event: each
    event's counts, and zeros for one with nobody (no group to read)."""
    other = EventFactory(organiser=faculty, category=category)  # open to all: walk-ins
    empty = EventFactory(organiser=faculty, category=category, requires_registration=True)
    register(actor=student.user, event_id=event.pk)
    register(actor=other_student.user, event_id=event.pk)
    register(actor=other_student.user, event_id=empty.pk)
    check_in(actor=student.user, event_id=event.pk, code=current_code(event))
    check_in(actor=student.user, event_id=other.pk, code=current_code(other))
    check_in(actor=other_student.user, event_id=other.pk, code=current_code(other))
    first, second, none = (registration_figures(e) for e in (event, other, empty))
    assert (first.registered, first.attended, first.walk_ins) == (2, 1, 0)
    assert (second.registered, second.attended, second.walk_ins) == (0, 0, 2)
    assert (none.registered, none.waitlisted, none.attended, none.walk_ins) == (1, 0, 0, 0)
    Registration.objects.filter(event=empty).delete()  # nobody at all: no group to read
    none = registration_figures(empty)
    assert (none.registered, none.waitlisted, none.attended, none.walk_ins) == (0, 0, 0, 0)
    assert none.excused == 0


def test_a_student_checked_in_cannot_be_excused(faculty, student, event):
    registration = register(actor=student.user, event_id=event.pk)
    check_in(actor=student.user, event_id=event.pk, code=current_code(event))
    with pytest.raises(AttendanceError) as caught:
        set_excused(actor=faculty, registration_id=registration.pk, excused=True)
    assert caught.value.code == "checked_in"


def test_a_waitlisted_student_cannot_be_excused(faculty, category, student, other_student):
    event = EventFactory(
        organiser=faculty, category=category, requires_registration=True, capacity=1
    )
    register(actor=student.user, event_id=event.pk)
    waiting = register(actor=other_student.user, event_id=event.pk)
    with pytest.raises(AttendanceError) as caught:
        set_excused(actor=faculty, registration_id=waiting.pk, excused=True)
    assert caught.value.code == "not_registered"


def test_only_the_events_organisers_excuse(other_faculty, student, event):
    registration = register(actor=student.user, event_id=event.pk)
    with pytest.raises(AttendanceError) as caught:
        set_excused(actor=other_faculty, registration_id=registration.pk, excused=True)
    assert caught.value.code == "forbidden"
    assert Registration.objects.get(pk=registration.pk).excused_at is None


def test_an_excused_student_who_comes_after_all_counts_as_attended(faculty, student, event):
    registration = register(actor=student.user, event_id=event.pk)
    set_excused(actor=faculty, registration_id=registration.pk, excused=True)
    check_in(actor=student.user, event_id=event.pk, code=current_code(event))
    figures = registration_figures(event)
    assert (figures.attended, figures.excused, figures.no_shows) == (1, 0, 0)


# --- the figures after the event -----------------------------------------------------------------


def populate(event, faculty, n: int) -> None:
    """n registered who came, n registered who did not (one excused), n walk-ins, n refused
    attempts, one annulled walk-in."""
    came = [StudentFactory() for _ in range(n)]
    stayed_home = [StudentFactory() for _ in range(n)]
    for profile in came + stayed_home:
        register(actor=profile.user, event_id=event.pk)
    for profile in came:
        check_in(actor=faculty, event_id=event.pk, student_id=profile.pk)
    set_excused(
        actor=faculty,
        registration_id=Registration.objects.get(event=event, student=stayed_home[0]).pk,
        excused=True,
    )
    for _ in range(n):
        walk_in = StudentFactory()
        check_in(actor=faculty, event_id=event.pk, student_id=walk_in.pk)
        CheckInAttempt.objects.create(
            event=event, student=walk_in, reason="not_registered", method="code"
        )
    annulled = check_in(actor=faculty, event_id=event.pk, student_id=StudentFactory().pk)
    annul_checkin(actor=faculty, checkin_id=annulled.pk, reason="Not there")


@pytest.fixture
def big_event(faculty, category):
    return EventFactory(
        organiser=faculty, category=category, requires_registration=True, capacity=200
    )


def test_the_organiser_sees_the_five_figures_after_the_event(client_as, faculty, big_event):
    populate(big_event, faculty, 3)
    finish(big_event)
    page = client_as(faculty).get(reverse("portal:event-detail", args=[big_event.pk]))
    assert text(find(page.content, id="event-attendance-figures")) == (
        "6 registered · 3 attended · 2 no-shows · 1 excused · 3 walk-ins"
    )


def test_students_do_not_see_the_organisers_figures(client_as, faculty, student, big_event):
    populate(big_event, faculty, 1)
    finish(big_event)
    page = client_as(student).get(reverse("portal:event-detail", args=[big_event.pk]))
    assert "event-attendance-figures" not in page.content.decode()


def test_an_event_without_registration_counts_everyone_as_a_walk_in(
    client_as, faculty, student, category
):
    plain = EventFactory(organiser=faculty, category=category)
    check_in(actor=faculty, event_id=plain.pk, student_id=student.pk)
    finish(plain)
    page = client_as(faculty).get(reverse("portal:event-detail", args=[plain.pk]))
    assert text(find(page.content, id="event-attendance-figures")) == (
        "0 registered · 0 attended · 0 no-shows · 0 excused · 1 walk-in"
    )


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/", ""),
        ("/attendance/", ""),
        ("/attendance/", "attempt-list"),
        ("/attendance/", "absent-list"),
        ("/registrations/", ""),
    ],
)
def test_the_organiser_pages_do_not_grow(client_as, faculty, big_event, path, target):
    client = client_as(faculty)
    url = f"/events/{big_event.pk}{path}"
    headers = {**HX, "HTTP_HX_TARGET": target} if target else {}
    populate(big_event, faculty, 2)
    finish(big_event)
    small = queries(client, url, **headers)
    soon = timezone.now() + timedelta(minutes=10)  # open again for more registrations
    Event.objects.filter(pk=big_event.pk).update(starts_at=soon, ends_at=soon + timedelta(hours=2))
    big_event.refresh_from_db()
    populate(big_event, faculty, 25)
    finish(big_event)
    assert queries(client, url, **headers) == small


def test_the_attendance_page_query_count(client_as, faculty, big_event, django_assert_num_queries):
    populate(big_event, faculty, 3)
    finish(big_event)
    client = client_as(faculty)
    # session, user, the event, the figures (registrations, check-ins), the check-in count and
    # page, the refused attempts' count and page, the absent students' count and page
    with django_assert_num_queries(11):
        client.get(f"/events/{big_event.pk}/attendance/")


def test_the_reports_list_each_events_attendance(client_as, admin, faculty, big_event, category):
    populate(big_event, faculty, 3)
    finish(big_event)
    cancelled = EventFactory(organiser=faculty, category=category)
    finish(cancelled)
    Event.objects.filter(pk=cancelled.pk).update(status=Event.Status.CANCELLED)
    response = client_as(admin).get(reverse("portal:reports"))
    table = find(response.content, id="event-report")
    rows = [text(row) for row in find_all(table, "tr")]
    assert rows[0] == "Event Date Registered Attended No-shows Excused Walk-ins"
    day = timezone.localtime(big_event.starts_at).date().isoformat()
    assert rows[1] == f"{big_event.title} {day} 6 3 2 1 3"
    assert rows[-1] == "Total 6 3 2 1 3"
    assert cancelled.title not in text(table)
    csv = b"".join(
        client_as(admin).get(reverse("portal:report-events-csv")).streaming_content
    ).decode()
    assert "event,date,registered,attended,no_shows,excused,walk_ins" in csv
    assert f"{big_event.title},{day},6,3,2,1,3" in csv


def test_the_reports_do_not_grow_with_events(client_as, admin, faculty, category):
    client = client_as(admin)
    first = EventFactory(organiser=faculty, category=category, requires_registration=True)
    populate(first, faculty, 1)
    finish(first)
    small = queries(client, "/staff/reports/")
    for _ in range(5):
        more = EventFactory(organiser=faculty, category=category, requires_registration=True)
        populate(more, faculty, 2)
        finish(more)
    assert queries(client, "/staff/reports/") == small
