"""The organiser side of events through the test client: the check-in screen, attendance
(manual check-in by search, CSV upload, export), creating and editing events and changing
their status. Nothing an organiser sees ever shows the event's secret."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portal.models import CheckIn, Event
from portal.services.attendance_upload import MAX_FILE_BYTES
from portal.services.events import check_in, current_code
from tests.conftest import ledger_total
from tests.factories import EventFactory, StudentFactory
from tests.helpers import balance
from tests.html import HX, find, find_all, text

pytestmark = pytest.mark.django_db

Status = Event.Status


@pytest.fixture
def event(faculty, category):
    return EventFactory(
        title="Robotics open day", organiser=faculty, category=category, attendance_points=15
    )


def url(name: str, event: Event | None = None) -> str:
    return reverse(f"portal:{name}", kwargs={"pk": event.pk} if event else {})


def written() -> tuple[tuple[int, int], int]:
    return ledger_total(), CheckIn.objects.count()


# --- the check-in screen ------------------------------------------------------------------------


def test_the_screen_shows_the_current_code(client_as, faculty, event):
    now = timezone.now()
    with mock.patch("portal.services.events.timezone.now", return_value=now):
        response = client_as(faculty).get(url("event-screen", event))
    assert text(find(response.content, id="screen-code")) == current_code(event, now)


def test_the_screen_shows_a_qr_code_drawn_as_svg(client_as, faculty, event):
    response = client_as(faculty).get(url("event-screen", event))
    assert b"<svg" in response.content


def test_the_screen_polls_for_the_next_code(client_as, faculty, event):
    live = find(client_as(faculty).get(url("event-screen", event)).content, id="screen-live")
    attributes = dict(live.attributes)
    assert attributes["hx-get"] == url("event-screen", event)
    assert attributes["hx-trigger"].startswith("every ")


def test_the_screen_counts_down_to_the_next_code(client_as, faculty, event):
    response = client_as(faculty).get(url("event-screen", event))
    [countdown] = [
        s for s in find_all(response.content, "span") if "data-countdown" in dict(s.attributes)
    ]
    assert 1 <= int(dict(countdown.attributes)["data-countdown"]) <= 30
    assert text(countdown) == dict(countdown.attributes)["data-countdown"]


def test_the_screen_poll_via_htmx_is_only_the_live_part(client_as, faculty, event):
    response = client_as(faculty).get(url("event-screen", event), **HX)
    assert b"<html" not in response.content
    assert find(response.content, id="screen-live")


def test_the_screen_shows_the_count_and_latest_names(client_as, faculty, student, event):
    check_in(actor=faculty, event_id=event.pk, student_id=student.pk)
    live = find(client_as(faculty).get(url("event-screen", event), **HX).content, id="screen-live")
    assert text(find(live, id="screen-count")) == "1"
    assert "Alice Student" in text(live)


@pytest.mark.parametrize(
    ("who", "name", "htmx"),
    [
        ("faculty", "events", False),
        ("faculty", "event-detail", False),
        ("faculty", "event-edit", False),
        ("faculty", "event-screen", False),
        ("faculty", "event-screen", True),
        ("faculty", "event-attendance", False),
        ("admin", "event-screen", False),
        ("admin", "dashboard", False),
        ("student", "event-detail", False),
        ("student", "event-checkin", False),
    ],
)
def test_no_page_shows_the_event_secret(request, client_as, event, who, name, htmx):
    client = client_as(request.getfixturevalue(who))
    target = url(name, event) if name.startswith("event-") else url(name)
    response = client.get(target, **(HX if htmx else {}))
    assert response.status_code == 200
    assert event.secret not in response.content.decode()


def test_the_export_does_not_show_the_event_secret(client_as, faculty, student, event):
    check_in(actor=faculty, event_id=event.pk, student_id=student.pk)
    response = client_as(faculty).get(url("event-attendance-export", event))
    assert event.secret not in b"".join(response.streaming_content).decode()


# --- attendance: manual check-in ----------------------------------------------------------------


def test_searching_for_a_student_offers_them_to_check_in(client_as, faculty, student, event):
    response = client_as(faculty).get(url("event-student-search", event) + "?q=Alice", **HX)
    choice = find(response.content, "input", name="student")
    assert dict(choice.attributes)["value"] == str(student.pk)


def test_checking_in_the_chosen_student_credits_them(client_as, faculty, student, event):
    response = client_as(faculty).post(url("event-checkin-manual", event), {"student": student.pk})
    assert response["Location"] == url("event-attendance", event)
    checkin = CheckIn.objects.get(student=student)
    assert (checkin.method, checkin.checked_in_by) == (CheckIn.Method.MANUAL, faculty)
    assert balance(student) == 15


def test_a_manual_check_in_says_who_was_checked_in(client_as, faculty, student, event):
    response = client_as(faculty).post(
        url("event-checkin-manual", event), {"student": student.pk}, follow=True
    )
    assert "Alice Student is checked in." in text(find(response.content, id="messages"))


def test_a_manual_check_in_without_a_student_asks_for_one(client_as, faculty, event):
    before = written()
    response = client_as(faculty).post(url("event-checkin-manual", event), {}, follow=True)
    assert "Search for a student" in text(find(response.content, id="messages"))
    assert written() == before


def test_a_second_manual_check_in_is_refused_with_a_message(client_as, faculty, student, event):
    client = client_as(faculty)
    client.post(url("event-checkin-manual", event), {"student": student.pk})
    response = client.post(url("event-checkin-manual", event), {"student": student.pk}, follow=True)
    assert "Already checked in" in text(find(response.content, id="messages"))
    assert balance(student) == 15


def test_the_attendance_page_lists_who_checked_in_and_how(client_as, faculty, student, event):
    check_in(actor=faculty, event_id=event.pk, student_id=student.pk)
    table = find(client_as(faculty).get(url("event-attendance", event)).content, "tbody")
    assert "Alice Student" in text(table)
    assert "By the organiser (Dr Faculty)" in text(table)


# --- attendance: upload and export --------------------------------------------------------------


def upload(client, event: Event, content: bytes, name: str = "attendance.csv"):
    return client.post(
        url("event-attendance-upload", event), {"file": SimpleUploadedFile(name, content)}
    )


def test_uploading_a_good_file_reports_who_was_checked_in(
    client_as, faculty, student, other_student, event
):
    response = upload(client_as(faculty), event, b"enrollment_number\nCS001\nCS002\nCS002\n")
    section = find(response.content, "section", aria_labelledby="upload-title")
    status = find(section, "div", role="status")
    assert "Checked in 2 students." in text(status)
    assert "Line 4 (CS002)" in text(status)
    assert (balance(student), balance(other_student)) == (15, 15)


def test_uploading_bad_rows_lists_them_with_line_numbers(client_as, faculty, student, event):
    response = upload(client_as(faculty), event, b"CS001\nXX404\nCS-9!\n")
    errors = text(find(response.content, "div", role="alert"))
    assert "Line 2 (XX404)" in errors
    assert "Line 3 (CS-9!)" in errors
    assert "Nothing was applied" in text(find(response.content, id="div_id_file"))
    assert not CheckIn.objects.exists()


def test_uploading_a_file_that_is_not_csv_is_refused(client_as, faculty, student, event):
    before = written()
    response = upload(client_as(faculty), event, b"\x89PNG\r\n\x1a\n\x00\x00", "photo.png")
    assert "not a CSV" in text(find(response.content, id="div_id_file"))
    assert written() == before


def test_uploading_a_huge_file_is_refused(client_as, faculty, student, event):
    response = upload(client_as(faculty), event, b"CS001\n" * (MAX_FILE_BYTES // 6 + 1))
    assert "larger than 1 MB" in text(find(response.content, id="div_id_file"))
    assert not CheckIn.objects.exists()


def test_the_export_is_a_csv_with_a_header_and_a_row_per_check_in(
    client_as, faculty, student, other_student, event
):
    check_in(actor=faculty, event_id=event.pk, student_id=student.pk)
    check_in(actor=faculty, event_id=event.pk, student_id=other_student.pk)
    response = client_as(faculty).get(url("event-attendance-export", event))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="attendance-{event.pk}.csv"' in response["Content-Disposition"]
    content = b"".join(response.streaming_content).decode()
    assert content.startswith("\ufeff")
    lines = content[1:].splitlines()
    assert lines[0] == (
        "enrollment_number,name,department,checked_in_at,method,annulled_at,annul_reason"
    )
    assert [line.split(",")[:3] for line in lines[1:]] == [
        ["CS001", "Alice Student", "CS"],
        ["CS002", "Bob Student", "CS"],
    ]
    assert all(line.endswith(",manual,,") for line in lines[1:])


def test_the_export_neutralises_formulas_in_names(client_as, faculty, event):
    sly = StudentFactory(user__name="=HYPERLINK(1)", enrollment_number="CS009")
    check_in(actor=faculty, event_id=event.pk, student_id=sly.pk)
    content = b"".join(
        client_as(faculty).get(url("event-attendance-export", event)).streaming_content
    )
    assert b"'=HYPERLINK(1)" in content


# --- creating and editing -----------------------------------------------------------------------


def form_data(category, **overrides) -> dict[str, object]:
    start = timezone.localtime() + timedelta(days=3)
    data = {
        "title": "Hack night",
        "description": "Bring a laptop.",
        "location": "Lab 2",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "category": category.pk,
        "attendance_points": 20,
        "capacity": "",
        "checkin_opens_at": "",
        "checkin_closes_at": "",
    }
    return {**data, **overrides}


def test_creating_an_event_saves_a_draft_organised_by_the_creator(client_as, faculty, category):
    response = client_as(faculty).post(url("event-create"), form_data(category))
    event = Event.objects.get()
    assert response["Location"] == url("event-detail", event)
    assert (event.title, event.organiser, event.status) == ("Hack night", faculty, Status.DRAFT)


def test_an_end_before_the_start_is_refused_next_to_the_end(client_as, faculty, category):
    data = form_data(category)
    data["ends_at"] = data["starts_at"]
    response = client_as(faculty).post(url("event-create"), data)
    assert "The end must be after the start." in text(find(response.content, id="div_id_ends_at"))
    assert not Event.objects.exists()


@pytest.mark.parametrize("points", [4, 51])
def test_points_outside_the_categorys_bounds_are_refused(client_as, faculty, category, points):
    response = client_as(faculty).post(
        url("event-create"), form_data(category, attendance_points=points)
    )
    error = text(find(response.content, id="div_id_attendance_points"))
    assert "Academic merit allows 5 to 50 points." in error
    assert not Event.objects.exists()


def test_a_check_in_closing_before_it_opens_is_refused(client_as, faculty, category):
    data = form_data(
        category, checkin_opens_at="2030-01-01T10:00", checkin_closes_at="2030-01-01T09:00"
    )
    response = client_as(faculty).post(url("event-create"), data)
    assert "close after it opens" in text(find(response.content, id="div_id_checkin_closes_at"))


def test_editing_an_event_keeps_its_status_and_organiser(
    client_as, admin, faculty, category, event
):
    data = form_data(category, title="Robotics day (moved)")
    response = client_as(admin).post(url("event-edit", event), data)
    event.refresh_from_db()
    assert response["Location"] == url("event-detail", event)
    assert (event.title, event.status, event.organiser) == (
        "Robotics day (moved)",
        Status.PUBLISHED,
        faculty,
    )


def test_the_edit_form_shows_the_current_values(client_as, faculty, event):
    response = client_as(faculty).get(url("event-edit", event))
    assert dict(find(response.content, "input", name="title").attributes)["value"] == event.title


# --- status buttons -----------------------------------------------------------------------------


def status_buttons(client, event: Event) -> list[str]:
    form = find(
        client.get(url("event-detail", event)).content, "form", action=url("event-status", event)
    )
    return [dict(b.attributes)["value"] for b in find_all(form, "button")]


def test_a_draft_offers_publish_and_cancel(client_as, faculty, event):
    Event.objects.filter(pk=event.pk).update(status=Status.DRAFT)
    assert status_buttons(client_as(faculty), event) == ["published", "cancelled"]


def test_a_published_event_offers_complete_and_cancel(client_as, faculty, event):
    assert status_buttons(client_as(faculty), event) == ["completed", "cancelled"]


def test_a_cancelled_event_offers_no_status_change(client_as, faculty, event):
    Event.objects.filter(pk=event.pk).update(status=Status.CANCELLED)
    assert status_buttons(client_as(faculty), event) == []


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (Status.DRAFT, Status.PUBLISHED),
        (Status.PUBLISHED, Status.COMPLETED),
        (Status.PUBLISHED, Status.CANCELLED),
    ],
)
def test_the_status_buttons_change_the_status(client_as, faculty, event, start, target):
    Event.objects.filter(pk=event.pk).update(status=start)
    response = client_as(faculty).post(url("event-status", event), {"status": target}, follow=True)
    event.refresh_from_db()
    assert event.status == target
    assert f"The event is now {event.get_status_display().lower()}." in text(
        find(response.content, id="messages")
    )


def test_a_refused_status_change_says_why(client_as, faculty, event):
    Event.objects.filter(pk=event.pk).update(status=Status.CANCELLED)
    response = client_as(faculty).post(
        url("event-status", event), {"status": Status.PUBLISHED}, follow=True
    )
    assert "cannot become published" in text(find(response.content, id="messages"))
    event.refresh_from_db()
    assert event.status == Status.CANCELLED


def test_students_see_no_organiser_tools(client_as, student, event):
    response = client_as(student).get(url("event-detail", event))
    assert not find_all(response.content, "form", action=url("event-status", event))
    assert not find_all(response.content, "a", href=url("event-screen", event))
