"""Tasks through the services: taking a place (one unfinished task at a time, never more than
the limit), submitting, abandoning, and decisions that credit one linked entry, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.exceptions import PortalError
from portal.models import AuditLog, Notification, Task, TaskAssignment, Transaction
from portal.services.tasks import abandon_task, claim_task, decide_task, save_task, submit_task
from tests.claims.helpers import evidence, hand_in, stored_files, take
from tests.conftest import ledger_total
from tests.factories import CategoryFactory, StudentFactory, TaskFactory
from tests.helpers import award, balance

pytestmark = pytest.mark.django_db

Status = TaskAssignment.Status


def refused(code: str, call, *args, **kwargs) -> None:
    before = (ledger_total(), TaskAssignment.objects.count(), len(stored_files()))
    with pytest.raises(PortalError) as exc:
        call(*args, **kwargs)
    assert exc.value.code == code
    assert (ledger_total(), TaskAssignment.objects.count(), len(stored_files())) == before


# --- posting ------------------------------------------------------------------------------------


def test_faculty_post_a_task_and_it_is_audited(faculty, category):
    task = save_task(
        actor=faculty,
        task=Task(
            title="Count birds",
            points=10,
            category=category,
            max_claimants=2,
            deadline=timezone.now() + timedelta(days=3),
        ),
    )
    assert task.created_by == faculty
    assert AuditLog.objects.filter(action="task.create", target_id=str(task.pk)).exists()


def test_only_the_poster_or_an_admin_edits_a_task(task, other_faculty, admin):
    task.title = "Renamed"
    with pytest.raises(PortalError) as exc:
        save_task(actor=other_faculty, task=task)
    assert exc.value.code == "forbidden"
    save_task(actor=admin, task=task)
    assert Task.objects.get(pk=task.pk).title == "Renamed"


def test_students_cannot_post_tasks(student, category):
    with pytest.raises(PortalError) as exc:
        save_task(
            actor=student.user,
            task=Task(title="x", points=5, category=category, deadline=timezone.now()),
        )
    assert exc.value.code == "forbidden"


# --- taking a task ------------------------------------------------------------------------------


def test_a_student_takes_a_place(student, task):
    assignment = take(student, task)
    assert (assignment.task, assignment.student, assignment.status) == (task, student, "claimed")


def test_a_second_task_is_refused_while_one_is_unfinished(student, task, category):
    take(student, task)
    other = TaskFactory(category=category)
    refused("busy", claim_task, actor=student.user, task_id=other.pk)


def test_a_submitted_task_still_counts_as_unfinished(student, task, category):
    hand_in(student, task)
    other = TaskFactory(category=category)
    refused("busy", claim_task, actor=student.user, task_id=other.pk)


def test_taking_the_same_task_twice_says_so(student, task):
    take(student, task)
    refused("already_yours", claim_task, actor=student.user, task_id=task.pk)


def test_a_full_task_is_refused(student, other_student, task):
    take(StudentFactory(), task)
    take(other_student, task)
    refused("full", claim_task, actor=student.user, task_id=task.pk)


def test_an_approved_place_still_counts_against_the_limit(student, other_student, task, faculty):
    first, second = StudentFactory(), StudentFactory()
    decide_task(actor=faculty, assignment_id=hand_in(first, task).pk, decision="approve")
    take(second, task)
    refused("full", claim_task, actor=student.user, task_id=task.pk)


def test_a_rejected_place_is_free_again(student, task, faculty):
    first, second = StudentFactory(), StudentFactory()
    decide_task(
        actor=faculty, assignment_id=hand_in(first, task).pk, decision="reject", comment="No"
    )
    take(second, task)
    assert take(student, task).status == Status.CLAIMED


def test_a_task_past_its_deadline_is_refused(student, category):
    late = TaskFactory(category=category, deadline=timezone.now() - timedelta(minutes=1))
    refused("deadline_passed", claim_task, actor=student.user, task_id=late.pk)


def test_an_inactive_task_is_refused(student, category):
    closed = TaskFactory(category=category, is_active=False)
    refused("inactive", claim_task, actor=student.user, task_id=closed.pk)


def test_a_task_done_once_cannot_be_taken_again(student, task, faculty):
    decide_task(actor=faculty, assignment_id=hand_in(student, task).pk, decision="approve")
    refused("already_taken", claim_task, actor=student.user, task_id=task.pk)


def test_staff_cannot_take_tasks(faculty, task):
    refused("forbidden", claim_task, actor=faculty, task_id=task.pk)


def test_an_unknown_task_is_not_found(student):
    refused("not_found", claim_task, actor=student.user, task_id=999_999)


# --- abandoning ---------------------------------------------------------------------------------


def test_abandoning_frees_the_place_and_allows_another_task(student, other_student, category):
    single = TaskFactory(category=category, max_claimants=1)
    other = TaskFactory(category=category)
    mine = take(student, single)
    refused("full", claim_task, actor=other_student.user, task_id=single.pk)
    abandon_task(actor=student.user, assignment_id=mine.pk)
    assert take(other_student, single).status == Status.CLAIMED
    assert take(student, other).status == Status.CLAIMED


def test_an_abandoned_task_can_be_taken_again(student, task):
    abandon_task(actor=student.user, assignment_id=take(student, task).pk)
    assert take(student, task).status == Status.CLAIMED


def test_a_submitted_task_can_be_abandoned_but_not_a_decided_one(student, task, faculty, category):
    submitted = hand_in(student, task)
    abandon_task(actor=student.user, assignment_id=submitted.pk)
    other = TaskFactory(category=category)
    approved = hand_in(student, other)
    decide_task(actor=faculty, assignment_id=approved.pk, decision="approve")
    refused("not_in_progress", abandon_task, actor=student.user, assignment_id=approved.pk)


def test_nobody_abandons_someone_elses_task(student, other_student, task):
    mine = take(student, task)
    refused("not_found", abandon_task, actor=other_student.user, assignment_id=mine.pk)


# --- submitting ---------------------------------------------------------------------------------


def test_submitting_records_the_text_and_the_file(student, task):
    before = len(stored_files())
    assignment = hand_in(student, task, text="Guided 40 visitors", kind="pdf")
    assert (assignment.status, assignment.submission_text, assignment.file_type) == (
        "submitted",
        "Guided 40 visitors",
        "pdf",
    )
    assert assignment.submitted_at is not None
    assert len(stored_files()) == before + 1


def test_a_submission_needs_text(student, task):
    assignment = take(student, task)
    refused(
        "text_required",
        submit_task,
        actor=student.user,
        assignment_id=assignment.pk,
        text=" ",
        file=evidence(),
    )


def test_a_submission_after_the_deadline_is_refused(student, task):
    assignment = take(student, task)
    Task.objects.filter(pk=task.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    refused(
        "deadline_passed", submit_task, actor=student.user, assignment_id=assignment.pk, text="x"
    )


def test_a_task_is_submitted_once(student, task):
    assignment = hand_in(student, task)
    refused(
        "not_in_progress", submit_task, actor=student.user, assignment_id=assignment.pk, text="y"
    )


def test_nobody_submits_someone_elses_task(student, other_student, task):
    assignment = take(student, task)
    refused(
        "not_found", submit_task, actor=other_student.user, assignment_id=assignment.pk, text="y"
    )


# --- deciding -----------------------------------------------------------------------------------


def test_approving_credits_one_entry_linked_to_the_assignment(student, task, admin):
    assignment = hand_in(student, task)
    decide_task(actor=admin, assignment_id=assignment.pk, decision="approve")
    entry = Transaction.objects.get(task_assignment=assignment)
    assert (entry.kind, entry.amount, entry.category, entry.actor) == (
        "task",
        20,
        task.category,
        admin,
    )
    assert entry.idempotency_key == f"task:{assignment.pk}"
    student.refresh_from_db()
    assert (student.balance, student.lifetime_points) == (20, 20)
    note = Notification.objects.get(user=student.user, kind=Notification.Kind.CLAIM)
    assert "+20 points" in note.message
    assert note.link == f"/tasks/{task.pk}/"
    assert AuditLog.objects.filter(action="task.approve").count() == 1


def test_rejecting_a_task_needs_a_comment(student, task, faculty):
    assignment = hand_in(student, task)
    refused(
        "comment_required",
        decide_task,
        actor=faculty,
        assignment_id=assignment.pk,
        decision="reject",
    )
    decide_task(actor=faculty, assignment_id=assignment.pk, decision="reject", comment="Too short")
    assignment.refresh_from_db()
    assert (assignment.status, assignment.review_comment) == ("rejected", "Too short")
    assert balance(student) == 0


def test_a_task_decision_made_twice_changes_it_once(student, task, faculty, other_faculty):
    assignment = hand_in(student, task)
    decide_task(actor=faculty, assignment_id=assignment.pk, decision="approve")
    refused(
        "already_decided",
        decide_task,
        actor=other_faculty,
        assignment_id=assignment.pk,
        decision="approve",
    )
    assert balance(student) == 20


def test_a_task_still_in_progress_cannot_be_decided(student, task, faculty):
    assignment = take(student, task)
    refused(
        "already_decided",
        decide_task,
        actor=faculty,
        assignment_id=assignment.pk,
        decision="approve",
    )


def test_task_approval_respects_the_yearly_cap(student, faculty):
    capped = CategoryFactory(min_points=1, max_points=100, yearly_cap=30)
    task = TaskFactory(category=capped, points=20)
    award(faculty, student, capped, 15)
    assignment = hand_in(student, task)
    refused(
        "cap_reached", decide_task, actor=faculty, assignment_id=assignment.pk, decision="approve"
    )
    assignment.refresh_from_db()
    assert assignment.status == Status.SUBMITTED
