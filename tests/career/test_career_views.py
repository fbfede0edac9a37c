"""The resume review pages: the student's request form with its upload checks, cancelling,
rating, the resume download and the session's calendar file, the reviewer's page and actions,
and the admins' reviewer page."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import Reviewer, ReviewRequest, ReviewSlot
from portal.services import accounts as account_services
from portal.services import career
from tests.claims.helpers import EXE_BYTES, pdf_bytes, png_upload, upload
from tests.html import HX

from .helpers import FEEDBACK, add_slot, ask, at, held_session

pytestmark = pytest.mark.django_db
Status = ReviewRequest.Status
DAY = timedelta(days=1)


def post_request(client, specialty, file=None, **extra):
    data = {
        "target_role": "Data analyst",
        "specialty": specialty.pk,
        "resume": file or upload("cv.pdf", pdf_bytes(), "application/pdf"),
        "preferred_times": "Mornings",
        **extra,
    }
    return client.post(reverse("portal:career-request"), data)


def test_a_student_asks_and_sees_the_proposed_time(client_as, student, faculty, reviewer, software):
    add_slot(faculty, 2 * DAY)
    client = client_as(student)
    response = post_request(client, software)
    assert response.status_code == 302
    request = ReviewRequest.objects.get(student=student.user)
    assert request.status == Status.PROPOSED
    page = client.get(reverse("portal:career")).content.decode()
    assert "Waiting for the reviewer" in page
    assert faculty.name in page


@pytest.mark.parametrize(
    "file",
    [
        upload("cv.pdf", EXE_BYTES, "application/pdf"),  # a fake PDF
        upload("cv.pdf", b"%PDF-1.4 truncated", "application/pdf"),  # no %%EOF
        png_upload("cv.png"),  # an image is evidence, not a resume
        upload("cv.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024) + b"%%EOF", "application/pdf"),
    ],
)
def test_bad_resumes_are_refused_and_nothing_is_stored(
    client_as, student, reviewer, software, file
):
    response = post_request(client_as(student), software, file)
    assert response.status_code == 200
    assert not ReviewRequest.objects.exists()
    assert "resume" in response.context["form"].errors


def test_a_replayed_form_makes_one_request(client_as, student, reviewer, software):
    client = client_as(student)
    assert post_request(client, software).status_code == 302
    response = post_request(client, software)
    assert response.status_code == 302  # back to the page, which says why
    assert ReviewRequest.objects.filter(student=student.user).count() == 1


def test_another_fields_id_and_unknown_ids_are_refused(client_as, student, reviewer):
    response = post_request(client_as(student), SimpleNamespace(pk=999_999))
    assert response.status_code == 200
    assert "specialty" in response.context["form"].errors
    assert not ReviewRequest.objects.exists()


def test_a_barred_student_sees_the_banner_and_no_form(
    client_as, student, faculty, reviewer, software
):
    request = held_session(student.user, faculty, software)
    career.mark_no_show(actor=faculty, request_id=request.pk)
    client = client_as(student)
    page = client.get(reverse("portal:career"))
    assert page.context["barred_until"] is not None
    assert page.context["form"] is None
    response = post_request(client, software)
    assert response.status_code == 302
    assert ReviewRequest.objects.filter(student=student.user).count() == 1


def test_cancel_too_late_is_refused_with_a_message(client_as, student, faculty, reviewer, software):
    then = timezone.now() - timedelta(hours=20)
    add_slot(faculty, timedelta(hours=37), now=then)  # 17 hours from now
    request = ask(student.user, software, now=then)
    with at(then):
        career.confirm_request(actor=faculty, request_id=request.pk)
    client = client_as(student)
    page = client.get(reverse("portal:career")).content.decode()
    assert "can no longer be cancelled" in page
    assert reverse("portal:career-cancel", args=[request.pk]) not in page
    response = client.post(reverse("portal:career-cancel", args=[request.pk]), follow=True)
    assert "24 hours" in response.content.decode()
    assert ReviewRequest.objects.get(pk=request.pk).status == Status.CONFIRMED


def test_other_students_requests_are_not_found(
    client_as, student, other_student, reviewer, software
):
    request = ask(student.user, software)
    client = client_as(other_student)
    for name in ("career-cancel", "career-rate"):
        assert client.post(reverse(f"portal:{name}", args=[request.pk])).status_code == 404
    assert client.get(reverse("portal:career-resume", args=[request.pk])).status_code == 404
    assert ReviewRequest.objects.get(pk=request.pk).status == Status.REQUESTED


def test_the_resume_opens_for_its_student_reviewer_and_admins_only(
    client_as, student, other_student, faculty, other_faculty, admin, reviewer, software
):
    add_slot(faculty, 2 * DAY)
    request = ask(student.user, software)
    url = reverse("portal:career-resume", args=[request.pk])
    for who in (student, faculty, admin):
        response = client_as(who).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment")
    for who in (other_student, other_faculty):
        assert client_as(who).get(url).status_code == 404


def test_the_session_calendar_file_is_for_its_two_people(
    client_as, student, other_student, faculty, reviewer, software
):
    add_slot(faculty, 2 * DAY)
    request = ask(student.user, software)
    url = reverse("portal:career-session-ics", args=[request.pk])
    assert client_as(student).get(url).status_code == 404  # not confirmed yet
    career.confirm_request(actor=faculty, request_id=request.pk)
    for who in (student, faculty):
        response = client_as(who).get(url)
        assert response.status_code == 200
        body = response.content.decode()
        assert "BEGIN:VEVENT" in body
        assert f"resume-review-{request.pk}@upas" in body
    assert client_as(other_student).get(url).status_code == 404


def test_confirmed_sessions_are_in_the_personal_calendar_feed(
    client, student, faculty, reviewer, software
):
    add_slot(faculty, 2 * DAY)
    request = ask(student.user, software)
    career.confirm_request(actor=faculty, request_id=request.pk)
    for user in (student.user, faculty):
        token = account_services.reset_calendar_token(user=user)
        body = client.get(reverse("portal:calendar-feed", args=[token])).content.decode()
        assert f"resume-review-{request.pk}@upas" in body


def test_non_reviewers_get_403_on_reviewer_pages(client_as, student, other_faculty, reviewer):
    for who in (student, other_faculty):
        assert client_as(who).get(reverse("portal:career-reviewing")).status_code == 403


def test_an_inactive_reviewer_is_refused(client_as, faculty, reviewer):
    Reviewer.objects.filter(pk=reviewer.pk).update(is_active=False)
    assert client_as(faculty).get(reverse("portal:career-reviewing")).status_code == 403


def test_a_reviewer_publishes_confirms_and_completes(
    client_as, student, faculty, reviewer, software
):
    client = client_as(faculty)
    page = client.get(reverse("portal:career-reviewing"))
    assert page.status_code == 200
    bad = client.post(
        reverse("portal:career-slot-add"),
        {"starts_at": "2020-01-01T10:00", "ends_at": "2020-01-01T11:00"},
    )
    assert bad.status_code == 200
    assert not ReviewSlot.objects.exists()
    request = held_session(student.user, faculty, software)
    response = client.get(reverse("portal:career-complete", args=[request.pk]))
    assert response.status_code == 200
    out_of_range = client.post(
        reverse("portal:career-complete", args=[request.pk]), {**FEEDBACK, "score_content": 9}
    )
    assert out_of_range.status_code == 200
    assert ReviewRequest.objects.get(pk=request.pk).status == Status.CONFIRMED
    done = client.post(reverse("portal:career-complete", args=[request.pk]), FEEDBACK)
    assert done.status_code == 302
    assert ReviewRequest.objects.get(pk=request.pk).status == Status.COMPLETED
    # The student reads the feedback and rates it, once.
    student_client = client_as(student)
    assert "Quantify the results." in student_client.get(reverse("portal:career")).content.decode()
    rate = reverse("portal:career-rate", args=[request.pk])
    assert student_client.post(rate, {"rating": "9"}).status_code == 302
    assert ReviewRequest.objects.get(pk=request.pk).rating is None
    student_client.post(rate, {"rating": "4", "comment": "Useful"})
    student_client.post(rate, {"rating": "1"})
    assert ReviewRequest.objects.get(pk=request.pk).rating == 4


def test_another_reviewers_requests_are_not_found(
    client_as, student, faculty, other_faculty, reviewer, software
):
    from .helpers import make_reviewer

    make_reviewer(other_faculty, software)
    add_slot(faculty, 2 * DAY)
    request = ask(student.user, software)
    client = client_as(other_faculty)
    for name in ("career-confirm", "career-decline", "career-no-show", "career-complete"):
        assert client.post(reverse(f"portal:{name}", args=[request.pk])).status_code == 404
    assert ReviewRequest.objects.get(pk=request.pk).status == Status.PROPOSED


def test_admins_add_a_reviewer_from_the_page(client_as, admin, other_faculty, software):
    client = client_as(admin)
    response = client.post(
        reverse("portal:career-reviewers"),
        {"email": other_faculty.email, "kind": "faculty", "specialties": [software.pk]},
    )
    assert response.status_code == 302
    reviewer = Reviewer.objects.get(user=other_faculty)
    client.post(reverse("portal:career-reviewer-active", args=[reviewer.pk]), {"active": "0"})
    assert not Reviewer.objects.get(pk=reviewer.pk).is_active


def test_publishing_and_removing_a_time_with_htmx_answer_the_panel(client_as, faculty, reviewer):
    client = client_as(faculty)
    start = timezone.localtime() + timedelta(days=2)
    response = client.post(
        reverse("portal:career-slot-add"),
        {
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
        **HX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="availability"')
    assert "Time published." in body
    slot = ReviewSlot.objects.get()
    overlap = client.post(
        reverse("portal:career-slot-add"),
        {
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
        **HX,
    )
    assert "overlaps" in overlap.content.decode()
    removed = client.post(reverse("portal:career-slot-remove", args=[slot.pk]), **HX)
    assert "Time removed." in removed.content.decode()
    assert not ReviewSlot.objects.exists()
