"""The resume review security fixes: erasure, export and retention of career data, who may
review, the cancel and matching lead times, releasing a stopped partner's proposals, admins
closing stuck requests within their reach, the request rate limit, the reviewer's window on
the resume and the no-show window."""

from __future__ import annotations

import json
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import Reviewer, ReviewRequest, Role, StudentProfile
from portal.selectors import career as selectors
from portal.selectors.personal_data import write_personal_data
from portal.services import accounts as account_services
from portal.services import career, data_rights, partners
from portal.services.career import CareerError
from tests.factories import StudentFactory, UserFactory

from .helpers import FEEDBACK, add_slot, ask, at, held_session, make_reviewer
from .test_career_views import post_request

pytestmark = pytest.mark.django_db
Status = ReviewRequest.Status
DAY = timedelta(days=1)


def _file_exists(request: ReviewRequest, name: str) -> bool:
    return request.resume.storage.exists(name)


# 1. erasure, export, retention --------------------------------------------------------------


def test_erasure_cancels_live_reviews_blanks_the_students_words_and_deletes_the_resume(
    student, admin, faculty, reviewer, software, django_capture_on_commit_callbacks
):
    slot = add_slot(faculty, 2 * DAY)
    request = ask(student.user, software, role="Secret role")
    name = request.resume.name
    assert _file_exists(request, name)
    erasure = data_rights.request_erasure(user=student.user)
    with django_capture_on_commit_callbacks(execute=True):
        data_rights.erase_account(actor=admin, request_id=erasure.pk, confirm=student.user.email)
    request.refresh_from_db()
    assert request.status == Status.CANCELLED
    assert request.slot is None
    assert (request.target_role, request.notes, request.preferred_times) == ("[erased]", "", "")
    assert not request.resume
    assert not _file_exists(request, name)
    # The reviewer's slot is free again for another student.
    other = StudentFactory()
    assert ask(other.user, software).slot == slot


def test_erased_resume_is_not_found_for_the_reviewer(
    client_as, student, admin, faculty, reviewer, software
):
    request = held_session(student.user, faculty, software)
    career.complete_review(actor=faculty, request_id=request.pk, **FEEDBACK)
    erasure = data_rights.request_erasure(user=request.student)
    data_rights.erase_account(actor=admin, request_id=erasure.pk, confirm=request.student.email)
    url = reverse("portal:career-resume", args=[request.pk])
    assert client_as(faculty).get(url).status_code == 404


def test_the_personal_data_export_lists_the_students_resume_reviews(
    student, faculty, reviewer, software
):
    request = held_session(student.user, faculty, software)
    career.complete_review(actor=faculty, request_id=request.pk, **FEEDBACK)
    career.rate_review(actor=student.user, request_id=request.pk, rating=5, comment="Great")
    archive = zipfile.ZipFile(write_personal_data(student.user))
    names = archive.namelist()
    assert any(n.startswith("resume_reviews") for n in names)
    rows = json.loads(archive.read(next(n for n in names if n == "resume_reviews.json")))
    text = json.dumps(rows)
    for expected in ("Analyst", "completed", "Great", FEEDBACK["strengths"]):
        assert expected in text


def test_retention_deletes_resumes_of_requests_closed_long_ago(
    student, faculty, reviewer, software, settings, django_capture_on_commit_callbacks
):
    settings.UPAS_RETAIN_EVIDENCE_DAYS = 30
    request = held_session(student.user, faculty, software)
    career.complete_review(actor=faculty, request_id=request.pk, **FEEDBACK)
    request.refresh_from_db()
    name = request.resume.name
    assert data_rights.apply_retention(dry_run=True).resume_files == 0
    later = timezone.now() + timedelta(days=31)
    assert data_rights.apply_retention(now=later, dry_run=True).resume_files == 1
    with django_capture_on_commit_callbacks(execute=True):
        data_rights.apply_retention(now=later)
    request.refresh_from_db()
    assert not request.resume
    assert not _file_exists(request, name)
    assert request.status == Status.COMPLETED


def test_cancelling_or_a_final_decline_deletes_the_resume(
    student, other_student, faculty, reviewer, software, django_capture_on_commit_callbacks
):
    cancelled = ask(student.user, software)
    name = cancelled.resume.name
    with django_capture_on_commit_callbacks(execute=True):
        career.cancel_request(actor=student.user, request_id=cancelled.pk)
    cancelled.refresh_from_db()
    assert not cancelled.resume and not _file_exists(cancelled, name)
    add_slot(faculty, 2 * DAY)
    declined = ask(other_student.user, software)
    name = declined.resume.name
    with django_capture_on_commit_callbacks(execute=True):
        career.decline_request(actor=faculty, request_id=declined.pk)
    declined.refresh_from_db()
    assert declined.status == Status.DECLINED
    assert not declined.resume and not _file_exists(declined, name)


# 2. who may review ---------------------------------------------------------------------------


def test_a_leftover_reviewer_row_of_a_student_neither_reviews_nor_is_matched(
    client_as, student, other_student, software
):
    make_reviewer(other_student.user, software)
    with pytest.raises(CareerError) as refused:
        add_slot(other_student.user, 2 * DAY)
    assert refused.value.code == "forbidden"
    assert client_as(other_student).get(reverse("portal:career-reviewing")).status_code == 403


def test_a_reviewer_is_never_matched_to_their_own_request(software):
    teacher = UserFactory(role=Role.FACULTY)
    make_reviewer(teacher, software)
    slot = add_slot(teacher, 2 * DAY)
    free = selectors.free_slots_for(software.pk, earliest=timezone.now(), skip=[])
    assert slot in free
    own = selectors.free_slots_for(
        software.pk, earliest=timezone.now(), skip=[], student_id=teacher.pk
    )
    assert slot not in own


def test_losing_the_staff_role_stops_reviewing_and_releases_proposals(
    admin, student, faculty, other_faculty, reviewer, software
):
    make_reviewer(other_faculty, software)
    add_slot(faculty, 2 * DAY)
    later = add_slot(other_faculty, 3 * DAY)
    request = ask(student.user, software)
    assert request.reviewer == reviewer
    StudentProfile.objects.create(
        user=faculty, enrollment_number="FX1", department=student.department
    )
    account_services.change_role(actor=admin, user_id=faculty.pk, role=Role.STUDENT)
    reviewer.refresh_from_db()
    assert not reviewer.is_active
    request.refresh_from_db()
    assert (request.status, request.slot) == (Status.PROPOSED, later)


# 3. lead time and cancelling a proposal ------------------------------------------------------


def test_a_proposal_is_always_far_enough_ahead_to_cancel_and_can_be_withdrawn(
    student, faculty, reviewer, software
):
    add_slot(faculty, timedelta(hours=30))
    assert ask(student.user, software).status == Status.REQUESTED  # too close to propose
    req = ReviewRequest.objects.get(student=student.user)
    career.cancel_request(actor=student.user, request_id=req.pk)
    slot = add_slot(faculty, timedelta(hours=37))
    request = ask(student.user, software)
    assert request.slot == slot
    # Still only proposed when the session is 12 hours away: the student may withdraw it.
    with at(slot.starts_at - timedelta(hours=12)):
        career.cancel_request(actor=student.user, request_id=request.pk)
    assert ReviewRequest.objects.get(pk=request.pk).status == Status.CANCELLED


# 4. a stopped partner and admins closing stuck requests --------------------------------------


def test_deactivating_a_partner_releases_their_proposals(
    admin, student, partner, faculty, reviewer, software
):
    partner_reviewer = Reviewer.objects.get(user=partner)
    partner_reviewer.specialties.add(software)
    add_slot(partner, 2 * DAY)
    later = add_slot(faculty, 3 * DAY)
    request = ask(student.user, software)
    assert request.reviewer == partner_reviewer
    partners.deactivate_partner(actor=admin, user_id=partner.pk, reason="Contract ended")
    request.refresh_from_db()
    assert (request.status, request.slot) == (Status.PROPOSED, later)


def test_an_admin_closes_a_session_that_passed_without_feedback(
    client_as, student, admin, faculty, reviewer, software
):
    request = held_session(student.user, faculty, software, hours_ago=3)
    url = reverse("portal:career-close", args=[request.pk])
    with pytest.raises(CareerError) as refused:
        career.cancel_request(actor=admin, request_id=request.pk, reason="")
    assert refused.value.code == "reason_required"
    page = client_as(admin).get(reverse("portal:career-reviewers")).content.decode()
    assert url in page
    assert client_as(admin).post(url, {"reason": "Never recorded"}).status_code == 302
    request.refresh_from_db()
    assert (request.status, request.reason, request.cancelled_by) == (
        Status.CANCELLED,
        "Never recorded",
        admin,
    )


# 5. department admins -----------------------------------------------------------------------


def test_a_department_admin_sees_only_their_departments_resumes_and_requests(
    client_as, student, department_admin, admin, reviewer, software
):
    request = ask(student.user, software, role="Data analyst")
    url = reverse("portal:career-resume", args=[request.pk])
    assert client_as(department_admin).get(url).status_code == 404
    assert client_as(admin).get(url).status_code == 200
    page = client_as(department_admin).get(reverse("portal:career-reviewers"))
    assert page.status_code == 200
    assert "Data analyst" not in page.content.decode()
    assert (
        "Data analyst" in client_as(admin).get(reverse("portal:career-reviewers")).content.decode()
    )
    close = reverse("portal:career-close", args=[request.pk])
    assert client_as(department_admin).post(close, {"reason": "x"}).status_code == 404
    assert ReviewRequest.objects.get(pk=request.pk).status == Status.REQUESTED


# 6. rate limit ------------------------------------------------------------------------------


def test_a_student_may_ask_for_five_reviews_a_day(client_as, student, reviewer, software):
    client = client_as(student)
    for _n in range(5):
        assert post_request(client, software).status_code == 302
        live = ReviewRequest.objects.get(student=student.user, status=Status.REQUESTED)
        career.cancel_request(actor=student.user, request_id=live.pk)
    response = post_request(client, software)
    assert response.status_code == 200
    assert "try again in" in response.content.decode()
    assert ReviewRequest.objects.filter(student=student.user).count() == 5


# 7. the reviewer's window on the resume ------------------------------------------------------


def test_the_reviewer_opens_the_resume_only_up_to_14_days_after_the_session(
    client_as, student, faculty, reviewer, software
):
    request = held_session(student.user, faculty, software)
    career.complete_review(actor=faculty, request_id=request.pk, **FEEDBACK)
    url = reverse("portal:career-resume", args=[request.pk])
    assert client_as(faculty).get(url).status_code == 200
    with at(timezone.now() + timedelta(days=15)):
        assert client_as(faculty).get(url).status_code == 404
        assert client_as(student).get(url).status_code == 200


# 8. the no-show window ----------------------------------------------------------------------


def test_a_no_show_is_marked_from_10_minutes_after_the_start_to_7_days_after_the_end(
    student, faculty, reviewer, software
):
    request = held_session(student.user, faculty, software)
    slot = request.slot
    with at(slot.starts_at + timedelta(minutes=5)), pytest.raises(CareerError) as early:
        career.mark_no_show(actor=faculty, request_id=request.pk)
    assert early.value.code == "not_started"
    with at(slot.ends_at + 7 * DAY + timedelta(minutes=1)), pytest.raises(CareerError) as late:
        career.mark_no_show(actor=faculty, request_id=request.pk)
    assert late.value.code == "too_late"
    with at(slot.ends_at + 3 * DAY):
        career.mark_no_show(actor=faculty, request_id=request.pk)
    # The week's bar runs from the session's end, not from when it was marked.
    with at(slot.ends_at + 7 * DAY + timedelta(minutes=1)):
        assert ask(student.user, software).status == Status.REQUESTED
