"""Door pass pages: the student's pass (full page, htmx refresh, reset), the organiser's scan
mode and its check-in endpoint (htmx result panel, plain POST), and their query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.models import CheckIn, CheckInAttempt, Registration
from portal.services.events import check_in
from portal.services.passes import current_pass
from tests.factories import EventFactory, StudentFactory, UserFactory
from tests.helpers import passes_since
from tests.html import HX, find, find_all, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(faculty, category):
    return EventFactory(organiser=faculty, category=category, attendance_points=15)


def code_of(student) -> str:
    student.refresh_from_db()
    return current_pass(student).code


def codes_since(student, since) -> set[str]:
    return {door_pass.code for door_pass in passes_since(student, since)}


def checkin_url(event) -> str:
    return f"/events/{event.pk}/passes/check-in/"


# --- the student's pass ---------------------------------------------------------------------


def test_the_pass_page_shows_the_qr_code_and_the_current_code(client_as, student):
    response = client_as(student).get("/pass/")
    assert response.status_code == 200
    door_pass = find(response.content, id="door-pass")
    assert find_all(door_pass, "svg")
    assert code_of(student) in text(door_pass)
    # It asks for the next code just after this one turns over, and announces nothing.
    assert dict(door_pass.attributes)["hx-get"] == "/pass/"
    assert dict(door_pass.attributes)["hx-trigger"].startswith("load delay:")
    assert "aria-live" not in str(door_pass)


def test_the_htmx_refresh_answers_the_pass_alone(client_as, student):
    response = client_as(student).get("/pass/", **HX)
    body = response.content.decode()
    assert "<html" not in body
    assert 'id="door-pass"' in body
    assert code_of(student) in body


def test_the_dashboard_shows_the_pass(client_as, student):
    since = timezone.now()
    response = client_as(student).get("/")
    shown = text(find(response.content, "p", data_pass_code=""))
    assert shown in codes_since(student, since)


def test_resetting_the_pass_changes_the_code(client_as, student):
    before = code_of(student)
    since = timezone.now()
    response = client_as(student).post("/pass/reset/", follow=True)
    assert response.redirect_chain[-1][0] == "/pass/"
    shown = text(find(response.content, "p", data_pass_code=""))
    assert shown in codes_since(student, since)
    assert shown != before


def test_a_student_without_a_profile_gets_404_not_an_error(client_as):
    response = client_as(UserFactory()).get("/pass/")
    assert response.status_code == 404


# --- the organiser's scan mode --------------------------------------------------------------


def test_the_scan_page_loads_the_scanner_scripts_without_inline_script(client_as, faculty, event):
    response = client_as(faculty).get(f"/events/{event.pk}/passes/")
    assert response.status_code == 200
    scripts = find_all(response.content, "script")
    sources = [dict(script.attributes).get("src", "") for script in scripts]
    assert any("pass-scanner.js" in src for src in sources)
    assert any("jsQR-1.4.0.js" in src for src in sources)
    assert all(src for src in sources), "no inline script: the CSP allows only 'self' files"
    assert find(response.content, "form", id="pass-form")


def test_the_event_page_links_to_the_scan_mode_for_its_organiser(client_as, faculty, event):
    response = client_as(faculty).get(f"/events/{event.pk}/")
    assert f'href="/events/{event.pk}/passes/"' in response.content.decode()


def test_a_typed_pass_code_checks_the_student_in_and_answers_the_result_panel(
    client_as, faculty, student, event
):
    response = client_as(faculty).post(checkin_url(event), {"code": code_of(student)}, **HX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    panel = find(body, role="status")
    assert student.user.name in text(panel)
    assert "Checked in" in text(panel)
    assert "pass-checked-in" in response.headers["HX-Trigger"]
    checkin = CheckIn.objects.get()
    assert (checkin.student, checkin.method) == (student, CheckIn.Method.PASS)


def test_a_refusal_names_the_student_and_the_reason(client_as, faculty, student, category):
    event = EventFactory(organiser=faculty, category=category, requires_registration=True)
    response = client_as(faculty).post(checkin_url(event), {"code": code_of(student)}, **HX)
    alert = find(response.content, role="alert")
    assert student.user.name in text(alert)
    assert "not registered" in text(alert)
    assert "HX-Trigger" not in response.headers
    assert not CheckIn.objects.exists()
    assert CheckInAttempt.objects.get().reason == "not_registered"


def test_a_duplicate_scan_says_already_checked_in(client_as, faculty, student, event):
    client = client_as(faculty)
    code = code_of(student)
    client.post(checkin_url(event), {"code": code}, **HX)
    response = client.post(checkin_url(event), {"code": code}, **HX)
    assert "Already checked in" in text(find(response.content, role="alert"))
    assert CheckIn.objects.count() == 1


def test_an_empty_code_says_what_to_type_and_changes_nothing(client_as, faculty, event):
    response = client_as(faculty).post(checkin_url(event), {"code": ""}, **HX)
    assert "Type the code under the QR code" in text(find(response.content, id="pass-result"))
    assert not CheckIn.objects.exists()


def test_something_that_is_not_a_pass_is_refused(client_as, faculty, event):
    response = client_as(faculty).post(checkin_url(event), {"code": "hello"}, **HX)
    assert "not a student pass" in text(find(response.content, role="alert"))


def test_without_htmx_the_whole_page_comes_back_with_the_result(client_as, faculty, student, event):
    response = client_as(faculty).post(checkin_url(event), {"code": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" in page
    field = find(page, "input", name="code")
    assert dict(field.attributes).get("aria-invalid") == "true"
    response = client_as(faculty).post(checkin_url(event), {"code": code_of(student)})
    assert student.user.name in text(find(response.content, role="status"))


def test_another_organisers_event_is_not_found(client_as, other_faculty, student, event):
    response = client_as(other_faculty).post(checkin_url(event), {"code": code_of(student)}, **HX)
    assert response.status_code == 404
    assert not CheckIn.objects.exists()


def test_a_registered_student_is_checked_in_at_a_registration_event(
    client_as, faculty, student, category
):
    event = EventFactory(organiser=faculty, category=category, requires_registration=True)
    Registration.objects.create(event=event, student=student, status=Registration.Status.REGISTERED)
    response = client_as(faculty).post(checkin_url(event), {"code": code_of(student)}, **HX)
    assert "Checked in" in text(find(response.content, role="status"))


# --- query counts ---------------------------------------------------------------------------


def test_pass_page_query_count(client_as, student, django_assert_num_queries):
    client = client_as(student)
    # session, user, the profile
    with django_assert_num_queries(3):
        client.get("/pass/")
    with django_assert_num_queries(3):
        client.get("/pass/", **HX)


def test_scan_page_query_count(client_as, faculty, event, django_assert_num_queries):
    client = client_as(faculty)
    # session, user, the event, its check-in count
    with django_assert_num_queries(4):
        client.get(f"/events/{event.pk}/passes/")


def count_queries(run) -> int:
    with CaptureQueriesContext(connection) as queries:
        run()
    return len(queries)


def test_scan_page_and_check_in_query_counts_do_not_grow_with_check_ins(
    client_as, faculty, admin, event
):
    client = client_as(faculty)

    def scan_page():
        assert client.get(f"/events/{event.pk}/passes/").status_code == 200

    def scan_a_pass():
        code = code_of(StudentFactory())
        return count_queries(
            lambda: client.post(checkin_url(event), {"code": code}, **HX).status_code == 200
        )

    scan_a_pass()
    small = (count_queries(scan_page), scan_a_pass())
    for profile in [StudentFactory() for _ in range(25)]:
        check_in(actor=admin, event_id=event.pk, student_id=profile.pk)
    assert (count_queries(scan_page), scan_a_pass()) == small
