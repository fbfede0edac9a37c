"""The resume review services: matching, confirm and decline, the cancellation and no-show
rules, feedback with points, ratings, slots and reminders. Codes are asserted, never wording."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.models import AuditLog, Notification, ReviewRequest, ReviewSlot, Transaction
from portal.services import career
from portal.services.career import CareerError
from portal.services.notifications import EMAIL_QUEUED
from tests.claims.helpers import evidence
from tests.factories import StudentFactory, UserFactory

from .helpers import FEEDBACK, add_slot, ask, at, held_session, make_reviewer

pytestmark = pytest.mark.django_db
Status = ReviewRequest.Status
DAY = timedelta(days=1)


def test_a_request_is_proposed_the_earliest_free_slot_of_a_reviewer_of_its_field(
    student, faculty, other_faculty, reviewer, software, finance, django_capture_on_commit_callbacks
):
    make_reviewer(other_faculty, finance)
    add_slot(faculty, 3 * DAY)
    early = add_slot(faculty, 2 * DAY)
    add_slot(other_faculty, DAY)  # earlier, but another field
    add_slot(faculty, timedelta(hours=6))  # too soon (less than 12 hours ahead)
    with django_capture_on_commit_callbacks(execute=True):
        request = ask(student.user, software)
    assert request.status == Status.PROPOSED
    assert request.slot == early
    assert request.reviewer == reviewer
    assert Notification.objects.filter(user=faculty, kind="career").exists()
    assert AuditLog.objects.filter(action="career.request").exists()


def test_without_a_free_slot_the_request_waits_and_a_new_slot_is_proposed_to_it(
    student, faculty, reviewer, software
):
    request = ask(student.user, software)
    assert request.status == Status.REQUESTED
    slot = add_slot(faculty, 2 * DAY)
    request.refresh_from_db()
    assert (request.status, request.slot) == (Status.PROPOSED, slot)


def test_the_whole_flow_credits_points_once_and_takes_one_rating(
    student, faculty, reviewer, software
):
    request = held_session(student.user, faculty, software)
    career.complete_review(actor=faculty, request_id=request.pk, **FEEDBACK)
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    entry = request.transaction
    assert entry.amount == career.REVIEW_POINTS
    assert entry.category.name == career.REVIEW_CATEGORY
    student.refresh_from_db()
    assert student.balance == career.REVIEW_POINTS
    with pytest.raises(CareerError) as again:
        career.complete_review(actor=faculty, request_id=request.pk, **FEEDBACK)
    assert again.value.code == "not_confirmed"
    assert Transaction.objects.filter(idempotency_key=f"career:{request.pk}").count() == 1
    career.rate_review(actor=student.user, request_id=request.pk, rating=5, comment="Great")
    with pytest.raises(CareerError) as twice:
        career.rate_review(actor=student.user, request_id=request.pk, rating=1)
    assert twice.value.code == "already_rated"
    request.refresh_from_db()
    assert request.rating == 5


@pytest.mark.parametrize("bad", [0, 6, -1, "3", None])
def test_scores_out_of_range_are_refused(student, faculty, reviewer, software, bad):
    request = held_session(student.user, faculty, software)
    with pytest.raises(CareerError) as refused:
        career.complete_review(
            actor=faculty, request_id=request.pk, **{**FEEDBACK, "score_format": bad}
        )
    assert refused.value.code == "bad_score"
    assert ReviewRequest.objects.get(pk=request.pk).status == Status.CONFIRMED


def test_a_rating_out_of_range_is_refused(student, faculty, reviewer, software):
    request = held_session(student.user, faculty, software)
    career.complete_review(actor=faculty, request_id=request.pk, **FEEDBACK)
    with pytest.raises(CareerError) as refused:
        career.rate_review(actor=student.user, request_id=request.pk, rating=7)
    assert refused.value.code == "bad_score"


def test_a_session_cannot_be_completed_before_it_starts(student, faculty, reviewer, software):
    add_slot(faculty, 2 * DAY)
    request = ask(student.user, software)
    career.confirm_request(actor=faculty, request_id=request.pk)
    for action in (
        lambda: career.complete_review(actor=faculty, request_id=request.pk, **FEEDBACK),
        lambda: career.mark_no_show(actor=faculty, request_id=request.pk),
    ):
        with pytest.raises(CareerError) as refused:
            action()
        assert refused.value.code == "not_started"


def test_cancelling_is_allowed_up_to_24_hours_before_and_frees_the_slot(
    student, other_student, faculty, reviewer, software
):
    slot = add_slot(faculty, 2 * DAY)
    request = ask(student.user, software)
    waiting = ask(other_student.user, software)
    assert waiting.status == Status.REQUESTED
    career.cancel_request(actor=student.user, request_id=request.pk, reason="Exam")
    request.refresh_from_db()
    assert (request.status, request.slot) == (Status.CANCELLED, None)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.slot) == (Status.PROPOSED, slot)


def test_cancelling_less_than_24_hours_before_is_refused(student, faculty, reviewer, software):
    slot = add_slot(faculty, 2 * DAY)
    request = ask(student.user, software)
    career.confirm_request(actor=faculty, request_id=request.pk)
    with at(slot.starts_at - timedelta(hours=23)), pytest.raises(CareerError) as refused:
        career.cancel_request(actor=student.user, request_id=request.pk)
    assert refused.value.code == "too_late"
    with at(slot.starts_at - timedelta(hours=25)):
        career.cancel_request(actor=student.user, request_id=request.pk)
    assert ReviewRequest.objects.get(pk=request.pk).status == Status.CANCELLED


def test_a_waiting_request_can_be_cancelled_any_time(student, reviewer, software):
    request = ask(student.user, software)
    career.cancel_request(actor=student.user, request_id=request.pk)
    assert ReviewRequest.objects.get(pk=request.pk).status == Status.CANCELLED


def test_another_student_cannot_cancel_or_rate(student, other_student, reviewer, software):
    request = ask(student.user, software)
    for action in (
        lambda: career.cancel_request(actor=other_student.user, request_id=request.pk),
        lambda: career.rate_review(actor=other_student.user, request_id=request.pk, rating=4),
    ):
        with pytest.raises(CareerError) as refused:
            action()
        assert refused.value.code == "not_found"


def test_a_no_show_bars_the_student_for_a_week(student, faculty, reviewer, software):
    request = held_session(student.user, faculty, software)
    career.mark_no_show(actor=faculty, request_id=request.pk)
    assert ReviewRequest.objects.get(pk=request.pk).status == Status.NO_SHOW
    with pytest.raises(CareerError) as barred:
        ask(student.user, software)
    assert barred.value.code == "barred"
    with at(timezone.now() + 6 * DAY), pytest.raises(CareerError) as still:
        ask(student.user, software, now=timezone.now())
    assert still.value.code == "barred"
    later = timezone.now() + 7 * DAY + timedelta(minutes=1)
    assert ask(student.user, software, now=later).status == Status.REQUESTED


def test_one_live_request_at_a_time(student, reviewer, software):
    ask(student.user, software)
    with pytest.raises(CareerError) as refused:
        ask(student.user, software)
    assert refused.value.code == "already_live"
    assert ReviewRequest.objects.filter(student=student.user).count() == 1


def test_only_students_ask_and_only_pdfs(faculty, student, software):
    with pytest.raises(CareerError) as refused:
        ask(faculty, software)
    assert refused.value.code == "forbidden"
    with pytest.raises(CareerError) as image:
        career.request_review(
            actor=student.user, target_role="X", specialty_id=software.pk, resume=evidence("png")
        )
    assert image.value.code == "not_pdf"
    with pytest.raises(CareerError) as unknown:
        career.request_review(
            actor=student.user, target_role="X", specialty_id=999_999, resume=evidence("pdf")
        )
    assert unknown.value.code == "unknown_specialty"


def test_declining_proposes_another_reviewer_or_closes_when_none_is_left(
    student, other_student, faculty, other_faculty, reviewer, software
):
    make_reviewer(other_faculty, software)
    add_slot(faculty, 2 * DAY)
    other_slot = add_slot(other_faculty, 3 * DAY)
    request = ask(student.user, software)
    assert request.reviewer == reviewer
    career.decline_request(actor=faculty, request_id=request.pk, reason="Busy")
    request.refresh_from_db()
    assert (request.status, request.slot) == (Status.PROPOSED, other_slot)
    career.decline_request(actor=other_faculty, request_id=request.pk)
    request.refresh_from_db()
    assert request.status == Status.DECLINED
    assert request.slot is None


def test_a_reviewer_acts_only_on_their_own_requests(
    student, faculty, other_faculty, reviewer, software
):
    make_reviewer(other_faculty, software)
    add_slot(faculty, 2 * DAY)
    request = ask(student.user, software)
    with pytest.raises(CareerError) as refused:
        career.confirm_request(actor=other_faculty, request_id=request.pk)
    assert refused.value.code == "not_found"
    with pytest.raises(CareerError) as not_reviewer:
        career.confirm_request(actor=student.user, request_id=request.pk)
    assert not_reviewer.value.code == "forbidden"


@pytest.mark.parametrize(
    ("start", "minutes", "code"),
    [
        (-DAY, 45, "slot_past"),
        (DAY, 5, "slot_too_short"),
        (DAY, 5 * 60, "slot_too_long"),
        (100 * DAY, 45, "slot_too_far"),
        (DAY, 0, "bad_slot"),
    ],
)
def test_bad_slots_are_refused(faculty, reviewer, start, minutes, code):
    with pytest.raises(CareerError) as refused:
        add_slot(faculty, start, minutes)
    assert refused.value.code == code
    assert not ReviewSlot.objects.exists()


def test_overlapping_slots_are_refused(faculty, reviewer):
    add_slot(faculty, DAY, 60)
    with pytest.raises(CareerError) as refused:
        add_slot(faculty, DAY + timedelta(minutes=30), 60)
    assert refused.value.code == "overlap"
    add_slot(faculty, DAY + timedelta(minutes=60), 60)  # touching is fine
    assert ReviewSlot.objects.count() == 2


def test_a_held_slot_cannot_be_removed_a_free_one_can(student, faculty, reviewer, software):
    held = add_slot(faculty, 2 * DAY)
    free = add_slot(faculty, 3 * DAY)
    ask(student.user, software)
    with pytest.raises(CareerError) as refused:
        career.remove_slot(actor=faculty, slot_id=held.pk)
    assert refused.value.code == "slot_booked"
    career.remove_slot(actor=faculty, slot_id=free.pk)
    assert list(ReviewSlot.objects.all()) == [held]


def test_reminders_go_to_both_once_the_day_before(
    student, faculty, reviewer, software, django_capture_on_commit_callbacks
):
    slot = add_slot(faculty, 2 * DAY)
    request = ask(student.user, software)
    career.confirm_request(actor=faculty, request_id=request.pk)
    assert career.send_review_reminders() == 0  # two days ahead: not yet
    the_day_before = slot.starts_at - timedelta(hours=20)
    assert career.send_review_reminders(now=the_day_before) == 1
    assert career.send_review_reminders(now=the_day_before) == 0
    told = Notification.objects.filter(kind="career", message__startswith="Reminder")
    assert set(told.values_list("user", flat=True)) == {student.user_id, faculty.pk}
    # ... and by email (queued for the worker, or sent by the test's immediate backend).
    # ... and by email: queued for the worker after commit, as event reminders are.
    assert [n.email_error for n in told] == [EMAIL_QUEUED, EMAIL_QUEUED]


def test_the_review_reminders_are_a_scheduled_job():
    from portal.services.schedule import jobs

    assert "review-reminders" in {job.name for job in jobs()}


def test_admins_make_staff_reviewers_not_students(admin, faculty, student, software):
    reviewer = career.save_reviewer(
        actor=admin,
        email=faculty.email,
        kind="career",
        headline="Adviser",
        specialty_ids=[software.pk],
    )
    assert list(reviewer.specialties.all()) == [software]
    with pytest.raises(CareerError) as refused:
        career.save_reviewer(
            actor=admin, email=student.user.email, kind="faculty", specialty_ids=[]
        )
    assert refused.value.code == "not_reviewable"
    with pytest.raises(CareerError) as forbidden:
        career.save_reviewer(actor=faculty, email=faculty.email, kind="faculty", specialty_ids=[])
    assert forbidden.value.code == "forbidden"


def test_a_deactivated_reviewer_loses_proposals_and_is_not_matched(
    admin, student, faculty, reviewer, software
):
    add_slot(faculty, 2 * DAY)
    request = ask(student.user, software)
    career.set_reviewer_active(actor=admin, reviewer_id=reviewer.pk, active=False)
    request.refresh_from_db()
    assert (request.status, request.reviewer) == (Status.REQUESTED, None)
    other = StudentFactory()
    assert ask(other.user, software).status == Status.REQUESTED
    with pytest.raises(CareerError) as refused:
        add_slot(faculty, 3 * DAY)
    assert refused.value.code == "forbidden"


def test_points_stop_at_the_categorys_yearly_cap(student, faculty, reviewer, software):
    category = career.review_category()
    category.yearly_cap = 10
    category.save()
    request = held_session(student.user, faculty, software)
    career.complete_review(actor=faculty, request_id=request.pk, **FEEDBACK)
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert request.transaction is None


def test_a_partner_like_reviewer_without_a_staff_role_can_review(student, software):
    professional = UserFactory(role="faculty")
    make_reviewer(professional, software, kind="professional")
    add_slot(professional, 2 * DAY)
    assert ask(student.user, software).reviewer.user == professional
