"""The review queue: claims and task submissions in one table, its filters, inline and bulk
decisions through htmx, and the waiting count for the navigation."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db.models.sql.compiler import SQLCompiler
from django.urls import reverse
from django.utils import timezone

from portal.models import ActivityClaim, TaskAssignment, Transaction
from portal.selectors.reviews import (
    QueueShape,
    QueueStatus,
    _build_queue,
    _built_queue,
    list_review_queue,
)
from portal.services.claims import decide_claim
from portal.services.reviews import decide_many
from tests.claims.helpers import hand_in, make_claim
from tests.factories import CategoryFactory, DepartmentFactory, StudentFactory
from tests.helpers import award, balance
from tests.html import HX, find, find_all, text

pytestmark = pytest.mark.django_db

QUEUE = reverse("portal:reviews")
BULK = reverse("portal:review-bulk")


@pytest.fixture
def queue(student, other_student, capped, task, faculty):
    """Alice's pending PDF claim, Bob's submitted task (with an image), and Alice's approved
    claim (which the default queue does not show)."""
    found = {
        "claim": make_claim(student, capped, 20, kind="pdf"),
        "task": hand_in(other_student, task, kind="png"),
        "approved": make_claim(student, capped, 10),
    }
    decide_claim(actor=faculty, claim_id=found["approved"].pk, decision="approve")
    return found


def rows(response) -> set[str]:
    table = find(response.content, id="review-table")
    ids = (dict(tr.attributes).get("id", "") for tr in find_all(table, "tr"))
    return {i.removeprefix("review-") for i in ids if i.startswith("review-")}


def decide_url(kind: str, item) -> str:
    return reverse("portal:review-decide", kwargs={"kind": kind, "pk": item.pk})


def notice(response) -> str:
    return text(find(find(response.content, id="review-table"), role="status"))


def error(response) -> str:
    return text(find(find(response.content, id="review-table"), role="alert"))


# --- the table ----------------------------------------------------------------------------------


def test_claims_and_task_submissions_wait_in_one_table(client_as, faculty, queue):
    response = client_as(faculty).get(QUEUE)
    assert rows(response) == {f"claim-{queue['claim'].pk}", f"task-{queue['task'].pk}"}


def test_evidence_is_viewable_inline_or_downloadable(client_as, faculty, queue):
    response = client_as(faculty).get(QUEUE)
    claim_row = find(response.content, id=f"review-claim-{queue['claim'].pk}")
    pdf_link = find(
        claim_row, "a", href=reverse("portal:claim-evidence", kwargs={"pk": queue["claim"].pk})
    )
    assert "download" in dict(pdf_link.attributes)
    task_row = find(response.content, id=f"review-task-{queue['task'].pk}")
    find(task_row, "img", src=reverse("portal:task-file", kwargs={"pk": queue["task"].pk}))


def test_a_task_still_in_progress_is_not_in_the_queue(client_as, faculty, student, category):
    from tests.claims.helpers import take
    from tests.factories import TaskFactory

    take(student, TaskFactory(category=category))
    assert rows(client_as(faculty).get(QUEUE)) == set()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?kind=claim", {"claim"}),
        ("?kind=task", {"task"}),
        ("?status=approved", {"approved"}),
        ("?kind=claim&status=approved", {"approved"}),
        ("?age=new", {"claim", "task"}),
        ("?age=3", set()),
        ("?kind=bogus", {"claim", "task"}),
    ],
)
def test_the_queue_filters(client_as, faculty, queue, query, expected):
    response = client_as(faculty).get(QUEUE + query, **HX)
    assert b"<html" not in response.content
    names = {"claim": "claim", "task": "task", "approved": "claim"}
    assert rows(response) == {f"{names[e]}-{queue[e].pk}" for e in expected}


def test_the_queue_filters_by_category_and_department(client_as, faculty, queue, capped, task):
    client = client_as(faculty)
    assert rows(client.get(f"{QUEUE}?category={capped.pk}", **HX)) == {f"claim-{queue['claim'].pk}"}
    assert rows(client.get(f"{QUEUE}?category={task.category_id}", **HX)) == {
        f"task-{queue['task'].pk}"
    }
    elsewhere = StudentFactory(department=DepartmentFactory(code="EE", name="Electrical"))
    theirs = make_claim(elsewhere, capped, 10)
    response = client.get(f"{QUEUE}?department={elsewhere.department_id}", **HX)
    assert rows(response) == {f"claim-{theirs.pk}"}


def test_old_items_are_found_by_age(client_as, faculty, queue):
    ActivityClaim.objects.filter(pk=queue["claim"].pk).update(
        created_at=timezone.now() - timedelta(days=8)
    )
    response = client_as(faculty).get(f"{QUEUE}?age=7", **HX)
    assert rows(response) == {f"claim-{queue['claim'].pk}"}


def test_decided_items_show_who_decided_and_when(client_as, admin, queue):
    response = client_as(admin).get(f"{QUEUE}?status=approved")
    row = text(find(response.content, id=f"review-claim-{queue['approved'].pk}"))
    assert "Approved" in row and "by Dr Faculty" in row
    assert not find_all(response.content, id="review-bulk-form")


@pytest.mark.parametrize(("sort", "first"), [("student_name", "claim"), ("-student_name", "task")])
def test_the_queue_sorts_across_both_kinds(client_as, faculty, queue, sort, first):
    response = client_as(faculty).get(f"{QUEUE}?sort={sort}", **HX)
    table = find(response.content, id="review-table")
    ids = [dict(tr.attributes)["id"] for tr in find_all(table, "tr") if "id" in dict(tr.attributes)]
    assert ids[0] == f"review-{first}-{queue[first].pk}"


# --- deciding one -------------------------------------------------------------------------------


def test_approving_a_claim_inline_credits_it_and_refreshes_the_table(
    client_as, faculty, student, queue
):
    response = client_as(faculty).post(
        decide_url("claim", queue["claim"]), {"decision": "approve"}, **HX
    )
    assert b"<html" not in response.content
    assert "Approved: Volunteering claim by Alice Student (20 points)." in notice(response)
    assert f"claim-{queue['claim'].pk}" not in rows(response)
    assert "review-decided" in response["HX-Trigger"]
    assert balance(student) == 30


def test_approving_a_task_inline_credits_it(client_as, admin, other_student, queue):
    response = client_as(admin).post(
        decide_url("task", queue["task"]), {"decision": "approve"}, **HX
    )
    assert "Approved: “Guide the open day” by Bob Student (20 points)." in notice(response)
    assert Transaction.objects.get(task_assignment=queue["task"]).amount == 20
    assert balance(other_student) == 20


def test_rejecting_without_a_comment_says_so_and_changes_nothing(client_as, faculty, queue):
    response = client_as(faculty).post(
        decide_url("claim", queue["claim"]), {"decision": "reject"}, **HX
    )
    assert "the student reads this comment" in error(response)
    assert "HX-Trigger" not in response
    queue["claim"].refresh_from_db()
    assert queue["claim"].status == "pending"


def test_rejecting_with_a_comment(client_as, faculty, queue):
    response = client_as(faculty).post(
        decide_url("task", queue["task"]),
        {"decision": "reject", "comment": "No photo of the stand"},
        **HX,
    )
    assert "Rejected" in notice(response)
    queue["task"].refresh_from_db()
    assert (queue["task"].status, queue["task"].review_comment) == (
        "rejected",
        "No photo of the stand",
    )


def test_a_second_decision_is_refused_with_who_made_the_first(
    client_as, faculty, other_faculty, queue
):
    client_as(faculty).post(decide_url("claim", queue["claim"]), {"decision": "approve"}, **HX)
    before = Transaction.objects.count()
    response = client_as(other_faculty).post(
        decide_url("claim", queue["claim"]), {"decision": "reject", "comment": "x"}, **HX
    )
    assert "already approved by Dr Faculty" in error(response)
    assert Transaction.objects.count() == before


def test_a_decision_without_htmx_redirects_with_a_message(client_as, faculty, queue):
    response = client_as(faculty).post(
        decide_url("claim", queue["claim"]), {"decision": "approve"}, follow=True
    )
    assert response.redirect_chain == [(QUEUE, 302)]
    assert "Approved" in text(find(response.content, id="messages"))


def test_the_decision_keeps_the_page_filters(client_as, faculty, queue):
    response = client_as(faculty).post(
        decide_url("claim", queue["claim"]),
        {"decision": "approve"},
        HTTP_HX_CURRENT_URL=f"http://testserver{QUEUE}?kind=claim",
        **HX,
    )
    assert rows(response) == set()  # the task row stays filtered out


@pytest.mark.parametrize(("kind", "pk"), [("claim", 999_999), ("task", 999_999), ("redemption", 1)])
def test_deciding_something_unknown_is_not_found(client_as, faculty, kind, pk):
    url = reverse("portal:review-decide", kwargs={"kind": kind, "pk": pk})
    assert client_as(faculty).post(url, {"decision": "approve"}, **HX).status_code == 404


def test_the_cap_refusal_is_clear(client_as, faculty, student, capped):
    claim = make_claim(student, capped, 50)
    award(faculty, student, capped, 50)
    award(faculty, student, capped, 20)
    response = client_as(faculty).post(decide_url("claim", claim), {"decision": "approve"}, **HX)
    assert (
        "Not approved: Alice Student can get 30 more points in Volunteering this year (cap 100)."
        in error(response)
    )


# --- bulk ---------------------------------------------------------------------------------------


def test_bulk_approval_of_claims_and_tasks(client_as, faculty, student, other_student, queue):
    response = client_as(faculty).post(
        BULK,
        {
            "decision": "approve",
            "selected": [f"claim:{queue['claim'].pk}", f"task:{queue['task'].pk}"],
        },
        **HX,
    )
    assert "Approved 2 items." in notice(response)
    assert rows(response) == set()
    assert (balance(student), balance(other_student)) == (30, 20)


def test_bulk_skips_what_was_decided_meanwhile(client_as, faculty, queue):
    response = client_as(faculty).post(
        BULK,
        {
            "decision": "reject",
            "comment": "Not enough detail",
            "selected": [f"claim:{queue['claim'].pk}", f"claim:{queue['approved'].pk}"],
        },
        **HX,
    )
    assert "Rejected 1 item." in notice(response)
    assert f"claim #{queue['approved'].pk}: This claim was already approved" in error(response)


def test_bulk_rejection_needs_a_comment_and_decides_nothing(client_as, faculty, queue):
    response = client_as(faculty).post(
        BULK, {"decision": "reject", "selected": [f"claim:{queue['claim'].pk}"]}, **HX
    )
    assert "the student reads this comment" in error(response)
    queue["claim"].refresh_from_db()
    assert queue["claim"].status == "pending"


@pytest.mark.parametrize("selected", [[], ["claim:x"], ["draw:1"], ["1"]])
def test_a_bad_selection_is_refused(client_as, faculty, queue, selected):
    response = client_as(faculty).post(BULK, {"decision": "approve", "selected": selected}, **HX)
    assert error(response)
    assert ActivityClaim.objects.filter(status="pending").count() == 1


def test_decide_many_reports_each_refusal(faculty, student, capped, task, other_student):
    claim = make_claim(student, capped, 20)
    submission = hand_in(other_student, task)
    outcome = decide_many(
        actor=faculty,
        items=[("claim", claim.pk), ("task", submission.pk), ("claim", 999_999)],
        decision="approve",
    )
    assert len(outcome.done) == 2
    assert outcome.skipped == [("claim #999999", "This claim does not exist.")]


# --- the count ----------------------------------------------------------------------------------


def test_the_waiting_count_covers_claims_and_submissions(client_as, faculty, queue):
    response = client_as(faculty).get(reverse("portal:review-count"))
    badge = find(response.content, id="review-badge")
    assert text(badge) == "2 (2 waiting)"
    assert dict(badge.attributes)["hx-trigger"] == (
        "review-decided from:body, dispute-decided from:body"
    )


def test_the_count_is_empty_when_nothing_waits(client_as, faculty):
    response = client_as(faculty).get(reverse("portal:review-count"))
    assert text(find(response.content, id="review-badge")) == ""


def test_only_submitted_assignments_count(faculty, student, task):
    from portal.selectors.reviews import pending_review_count
    from tests.claims.helpers import take

    take(student, task)
    assert pending_review_count() == 0
    TaskAssignment.objects.update(status="submitted")
    assert pending_review_count() == 1


def test_a_category_filter_for_a_category_without_items(client_as, faculty, queue):
    empty = CategoryFactory()
    response = client_as(faculty).get(f"{QUEUE}?category={empty.pk}", **HX)
    assert "Nothing waiting for review" in text(find(response.content, id="review-table"))


@pytest.mark.parametrize(
    "query",
    [
        "?sort=detail",
        "?sort=selected",
        "?sort=-evidence",
        "?page=999",
        "?page=x",
        "?department=abc",
        "?category=-1",
        "?age=999999999999",
        "?status=withdrawn",
    ],
)
def test_odd_query_parameters_fall_back_to_defaults(client_as, faculty, queue, query):
    response = client_as(faculty).get(QUEUE + query, **HX)
    assert response.status_code == 200
    assert rows(response) <= {f"claim-{queue['claim'].pk}", f"task-{queue['task'].pk}"}


# --- the built query, kept per process (issue 17) -------------------------------------------------


def test_the_kept_query_holds_no_rows_and_is_never_evaluated(queue, student, capped, faculty):
    _built_queue.cache_clear()
    first = list(list_review_queue(reviewer=faculty))
    assert {r["item_id"] for r in first} == {queue["claim"].pk, queue["task"].pk}
    newer = make_claim(student, capped, 5)
    decide_claim(actor=faculty, claim_id=queue["claim"].pk, decision="approve")
    again = list_review_queue(reviewer=faculty)
    assert [(r["kind"], r["item_id"]) for r in again] == [
        ("task", queue["task"].pk),
        ("claim", newer.pk),
    ]
    assert (_built_queue.cache_info().misses, _built_queue.cache_info().hits) == (1, 1)
    shape = QueueShape(
        kind="",
        status=QueueStatus.WAITING,
        category_id=None,
        department_id=None,
        reviewer_id=faculty.pk,
        mine="",
    )
    assert _built_queue(shape)._result_cache is None  # every caller had a copy


def test_each_filter_keys_its_own_query_and_the_age_filter_none(queue, capped, faculty):
    _built_queue.cache_clear()
    other = CategoryFactory()
    assert len(list_review_queue(category=capped)) == 1  # the claim; the task is in another
    assert len(list_review_queue(category=other)) == 0
    assert len(list_review_queue(status=QueueStatus.APPROVED)) == 1
    assert _built_queue.cache_info().currsize == 3
    assert len(list_review_queue(age="new")) == 2  # its cut-off moves with the clock
    assert len(list_review_queue(age="7")) == 0
    assert _built_queue.cache_info().currsize == 3


# --- its SQL, composed once per shape, ordering and page (issue 17) ------------------------------


def page_rows(queryset) -> list[tuple[str, int]]:
    return [(r["kind"], r["item_id"]) for r in queryset]


@pytest.mark.parametrize("kind", ["", "claim", "task"])
def test_a_page_and_the_count_composed_once_are_what_django_composes(
    queue, student, other_student, capped, task, faculty, kind
):
    for _ in range(2):  # more rows than a page of two
        make_claim(student, capped, 5)
    hand_in(StudentFactory(), task)
    for sort in ("submitted", "-submitted", "-amount"):
        shaped = list_review_queue(kind=kind, reviewer=faculty).order_by(sort)
        # The same query built again, without the mark: Django composes it every time.
        plain = _build_queue(shaped.shape).order_by(sort)
        assert shaped.shape is not None and plain.shape is None
        for _ in range(2):  # composed, then run again as composed
            assert shaped.count() == plain.count()
            for start in (0, 2, 4):
                got = page_rows(shaped[start : start + 2])
                assert got == page_rows(plain[start : start + 2])
    assert list_review_queue(kind=kind).count() == ({"": 5, "claim": 3, "task": 2}[kind])


def test_the_second_page_composes_no_sql(queue, faculty):
    shaped = list_review_queue(reviewer=faculty).order_by("submitted")
    first = page_rows(shaped[0:25]), shaped.count()
    with mock.patch.object(SQLCompiler, "as_sql", side_effect=AssertionError("composed")):
        again = list_review_queue(reviewer=faculty).order_by("submitted")
        assert (page_rows(again[0:25]), again.count()) == first


def test_a_narrowed_copy_composes_its_own_sql(queue, faculty):
    claims_only = list_review_queue(kind="claim", reviewer=faculty)
    assert claims_only.count() == 1
    narrowed = claims_only.filter(item_id=-1)
    assert narrowed.shape is None
    assert narrowed.count() == 0 and list(narrowed) == []
    assert claims_only.count() == 1
