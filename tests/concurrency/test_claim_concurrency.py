"""Claims and tasks racing each other: a task never gets more students than places, a student
never holds two unfinished tasks, a yearly cap holds when reviewers approve at once, and a
decision is applied once. Real threads and connections; on SQLite the IMMEDIATE transactions
queue, on PostgreSQL the row locks do."""

from __future__ import annotations

from collections import Counter

import pytest

from portal.models import ActivityClaim, TaskAssignment, Transaction
from portal.services.claims import decide_claim, withdraw_claim
from portal.services.tasks import abandon_task, claim_task, decide_task
from tests.claims.helpers import hand_in, make_claim
from tests.concurrency.threads import run_at_once
from tests.factories import CategoryFactory, StudentFactory, TaskFactory, UserFactory
from tests.helpers import assert_ledger_consistent, award

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_students_race_for_a_task_with_three_places(faculty):
    task = TaskFactory(max_claimants=3, created_by=faculty)
    students = [StudentFactory() for _ in range(20)]

    def claim(student):
        return lambda: claim_task(actor=student.user, task_id=task.pk)

    outcomes = run_at_once([claim(s) for s in students])
    assert outcomes == Counter({"ok": 3, "full": 17})
    assert TaskAssignment.objects.filter(task=task).count() == 3


def test_one_student_claiming_two_tasks_at_once_gets_one(faculty):
    category = CategoryFactory()
    first, second = (TaskFactory(category=category, created_by=faculty) for _ in range(2))
    student = StudentFactory()

    outcomes = run_at_once(
        [
            lambda: claim_task(actor=student.user, task_id=first.pk),
            lambda: claim_task(actor=student.user, task_id=second.pk),
        ]
    )
    assert outcomes == Counter({"ok": 1, "busy": 1})
    assert TaskAssignment.objects.filter(student=student).count() == 1


def test_one_student_firing_at_ten_tasks_holds_one(faculty):
    category = CategoryFactory()
    tasks = [TaskFactory(category=category, created_by=faculty) for _ in range(10)]
    student = StudentFactory()

    def claim(task):
        return lambda: claim_task(actor=student.user, task_id=task.pk)

    outcomes = run_at_once([claim(t) for t in tasks])
    assert outcomes == Counter({"ok": 1, "busy": 9})
    assert TaskAssignment.objects.filter(student=student, status="claimed").count() == 1


def test_two_reviewers_approving_claims_that_together_exceed_the_cap(faculty, other_faculty):
    capped = CategoryFactory(name="Volunteering", min_points=5, max_points=50, yearly_cap=100)
    student = StudentFactory()
    first = make_claim(student, capped, 40)
    second = make_claim(student, capped, 40)  # 80 of 100: both fit when submitted
    award(faculty, student, capped, 30)  # now only 70 are left for the two claims

    outcomes = run_at_once(
        [
            lambda: decide_claim(actor=faculty, claim_id=first.pk, decision="approve"),
            lambda: decide_claim(actor=other_faculty, claim_id=second.pk, decision="approve"),
        ]
    )
    assert outcomes == Counter({"ok": 1, "cap_reached": 1})
    assert ActivityClaim.objects.filter(status="approved").count() == 1
    assert ActivityClaim.objects.filter(status="pending").count() == 1
    student.refresh_from_db()
    assert student.lifetime_points == 70
    assert_ledger_consistent()


def test_ten_reviewers_approving_one_claim_credit_it_once(faculty):
    capped = CategoryFactory(min_points=1, max_points=50)
    student = StudentFactory()
    claim = make_claim(student, capped, 25)
    reviewers = [UserFactory(role="faculty") for _ in range(10)]

    def approve(reviewer):
        return lambda: decide_claim(actor=reviewer, claim_id=claim.pk, decision="approve")

    outcomes = run_at_once([approve(r) for r in reviewers])
    assert outcomes == Counter({"ok": 1, "already_decided": 9})
    assert Transaction.objects.filter(claim=claim).count() == 1
    student.refresh_from_db()
    assert student.balance == 25


def test_a_student_withdrawing_while_a_reviewer_approves_ends_one_way(faculty):
    capped = CategoryFactory(min_points=1, max_points=50)
    student = StudentFactory()
    claim = make_claim(student, capped, 25)

    outcomes = run_at_once(
        [
            lambda: decide_claim(actor=faculty, claim_id=claim.pk, decision="approve"),
            lambda: withdraw_claim(actor=student.user, claim_id=claim.pk),
        ]
        * 4
    )
    assert outcomes == Counter({"ok": 1, "already_decided": 7})
    claim.refresh_from_db()
    credited = Transaction.objects.filter(claim=claim).count()
    assert (claim.status, credited) in {("approved", 1), ("withdrawn", 0)}
    assert_ledger_consistent()


def test_approve_and_reject_of_one_submission_at_once_decide_once(faculty, other_faculty):
    task = TaskFactory(created_by=faculty)
    student = StudentFactory()
    submission = hand_in(student, task)

    outcomes = run_at_once(
        [
            lambda: decide_task(actor=faculty, assignment_id=submission.pk, decision="approve"),
            lambda: decide_task(
                actor=other_faculty, assignment_id=submission.pk, decision="reject", comment="No"
            ),
            lambda: abandon_task(actor=student.user, assignment_id=submission.pk),
        ]
        * 3
    )
    assert outcomes["ok"] == 1 and sum(outcomes.values()) == 9, outcomes
    assert set(outcomes) <= {"ok", "already_decided", "not_in_progress"}
    assert Transaction.objects.filter(task_assignment=submission).count() <= 1
    assert_ledger_consistent()


def test_places_freed_by_abandoning_while_others_race(faculty):
    task = TaskFactory(max_claimants=2, created_by=faculty)
    holders = [StudentFactory() for _ in range(2)]
    assignments = [claim_task(actor=s.user, task_id=task.pk) for s in holders]
    racers = [StudentFactory() for _ in range(8)]

    jobs = [
        lambda a=a, s=s: abandon_task(actor=s.user, assignment_id=a.pk)
        for a, s in zip(assignments, holders, strict=True)
    ]
    jobs += [lambda s=s: claim_task(actor=s.user, task_id=task.pk) for s in racers]
    outcomes = run_at_once(jobs)
    held = TaskAssignment.objects.filter(task=task, status__in=TaskAssignment.HOLDING).count()
    assert held <= 2
    assert outcomes["ok"] == 2 + held, outcomes


def test_threads_sharing_the_kept_queue_query_each_read_the_whole_queue(faculty):
    """The review queue's query is built once per process (selectors.reviews._built_queue);
    threads paging copies of it at the same moment each get every row, in order."""
    from portal.selectors.reviews import _built_queue, list_review_queue

    category = CategoryFactory(min_points=1, max_points=50)
    claims = [make_claim(StudentFactory(), category, 5) for _ in range(6)]
    expected = [c.pk for c in claims]
    _built_queue.cache_clear()

    def read_pages():
        for _ in range(5):
            queue = list_review_queue(reviewer=faculty).order_by("submitted", "item_id")
            ids = [r["item_id"] for r in queue[:3]] + [r["item_id"] for r in queue[3:6]]
            if ids != expected or queue.count() != len(expected):
                raise AssertionError(ids)

    assert run_at_once([read_pages] * 8) == Counter({"ok": 8})
    assert _built_queue.cache_info().currsize == 1
