"""The admin redemption queue through the test client: inline decisions via htmx re-render
#queue-table with a notice, bulk decisions report what they skipped, the navigation badge."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.urls import reverse

from portal.models import Redemption, Transaction
from portal.services.rewards import decide_redemption
from tests.factories import RewardFactory
from tests.helpers import award, balance, redeem
from tests.html import HX, find, find_all, text

pytestmark = pytest.mark.django_db

Status = Redemption.Status
QUEUE = reverse("portal:redemption-queue")
BULK = reverse("portal:redemption-bulk")


@pytest.fixture
def queue(student, other_student, admin, funds, reward) -> dict[str, Redemption]:
    """Alice's pending hoodie, Bob's pending mug, Bob's approved hoodie and Alice's rejected
    mug (which the default queue does not show)."""
    award(admin, other_student, funds, 100)
    mug = RewardFactory(name="Mug", cost=20)
    found = {
        "alice": redeem(student, reward),
        "bob": redeem(other_student, mug),
        "approved": redeem(other_student, reward),
        "rejected": redeem(student, mug),
    }
    decide_redemption(actor=admin, redemption_id=found["approved"].pk, decision="approve")
    decide_redemption(
        actor=admin, redemption_id=found["rejected"].pk, decision="reject", note="Sold out"
    )
    return found


def decide_url(redemption: Redemption) -> str:
    return reverse("portal:redemption-decide", kwargs={"pk": redemption.pk})


def rows(response) -> set[int]:
    """The redemption ids in the table."""
    table = find(response.content, id="queue-table")
    ids = (dict(tr.attributes).get("id", "") for tr in find_all(table, "tr"))
    return {int(i.removeprefix("redemption-")) for i in ids if i.startswith("redemption-")}


def status_of(redemption: Redemption) -> str:
    redemption.refresh_from_db()
    return redemption.status


def notice(response) -> str:
    return text(find(find(response.content, id="queue-table"), role="status"))


def error(response) -> str:
    return text(find(find(response.content, id="queue-table"), role="alert"))


# --- the page -----------------------------------------------------------------------------------


def test_the_queue_shows_pending_and_approved_redemptions(client_as, admin, queue):
    response = client_as(admin).get(QUEUE)
    assert rows(response) == {queue["alice"].pk, queue["bob"].pk, queue["approved"].pk}


def test_the_queue_filters_by_student(client_as, admin, queue):
    response = client_as(admin).get(QUEUE + "?student=Bob", **HX)
    assert b"<html" not in response.content
    assert rows(response) == {queue["bob"].pk, queue["approved"].pk}


def test_the_queue_can_show_every_status(client_as, admin, queue):
    response = client_as(admin).get(QUEUE + "?status=")
    assert rows(response) == {r.pk for r in queue.values()}


def test_the_queue_counts_pending_and_approved(client_as, admin, queue):
    form = find(client_as(admin).get(QUEUE).content, "form", id="bulk-form")
    assert text(find(form, "p")).startswith("2 pending · 1 approved")


# --- one decision inline ------------------------------------------------------------------------


def test_htmx_approve_re_renders_the_table_with_a_notice(client_as, admin, queue):
    response = client_as(admin).post(decide_url(queue["alice"]), {"decision": "approve"}, **HX)
    assert b"<html" not in response.content
    assert response.content.decode().lstrip().startswith('<section id="queue-table"')
    assert notice(response) == "Approved: Hoodie for Alice Student."
    assert status_of(queue["alice"]) == Status.APPROVED
    row = find(response.content, "tr", id=f"redemption-{queue['alice'].pk}")
    assert "Mark fulfilled" in text(row)


def test_htmx_decision_tells_the_page_to_refresh_the_queue_badge(client_as, admin, queue):
    response = client_as(admin).post(decide_url(queue["alice"]), {"decision": "approve"}, **HX)
    assert "redemption-decided" in response["HX-Trigger"]


def test_htmx_reject_with_a_note_refunds_and_leaves_the_open_queue(
    client_as, admin, student, queue
):
    data = {"decision": "reject", "note": "Out of sizes"}
    response = client_as(admin).post(decide_url(queue["alice"]), data, **HX)
    assert notice(response) == "Rejected and refunded: Hoodie for Alice Student."
    assert queue["alice"].pk not in rows(response)
    queue["alice"].refresh_from_db()
    assert (queue["alice"].status, queue["alice"].admin_note) == (Status.REJECTED, "Out of sizes")
    assert balance(student) == 100  # both of Alice's redemptions are refunded now


def test_htmx_reject_without_a_note_is_refused_and_changes_nothing(client_as, admin, queue):
    before = Transaction.objects.count()
    response = client_as(admin).post(decide_url(queue["alice"]), {"decision": "reject"}, **HX)
    assert error(response) == "Say why it is rejected; the student sees this note."
    assert "HX-Trigger" not in response
    assert status_of(queue["alice"]) == Status.PENDING
    assert Transaction.objects.count() == before


def test_htmx_fulfil_marks_an_approved_redemption_handed_over(client_as, admin, queue):
    response = client_as(admin).post(decide_url(queue["approved"]), {"decision": "fulfil"}, **HX)
    assert notice(response) == "Marked fulfilled: Hoodie for Bob Student."
    assert status_of(queue["approved"]) == Status.FULFILLED
    assert queue["approved"].pk not in rows(response)


def test_a_second_click_on_a_decided_redemption_says_so_and_changes_nothing(
    client_as, admin, queue
):
    client = client_as(admin)
    client.post(decide_url(queue["alice"]), {"decision": "approve"}, **HX)
    response = client.post(decide_url(queue["alice"]), {"decision": "approve"}, **HX)
    assert error(response) == "This redemption is already approved; nothing was changed."
    assert "HX-Trigger" not in response
    assert status_of(queue["alice"]) == Status.APPROVED


def test_an_unknown_decision_is_refused(client_as, admin, queue):
    response = client_as(admin).post(decide_url(queue["alice"]), {"decision": "delete"}, **HX)
    assert error(response) == "Choose approve, reject or fulfil."
    assert status_of(queue["alice"]) == Status.PENDING


def test_a_decision_keeps_the_filters_of_the_page_it_was_made_on(client_as, admin, queue):
    response = client_as(admin).post(
        decide_url(queue["alice"]),
        {"decision": "approve"},
        HTTP_HX_CURRENT_URL="http://testserver/staff/redemptions/?status=approved",
        **HX,
    )
    assert rows(response) == {queue["alice"].pk, queue["approved"].pk}


def test_a_decision_without_htmx_redirects_to_the_queue_with_a_message(client_as, admin, queue):
    client = client_as(admin)
    response = client.post(decide_url(queue["alice"]), {"decision": "approve"})
    assert response["Location"] == QUEUE
    page = client.get(QUEUE)
    assert text(find(page.content, "div", id="messages")) == "Approved: Hoodie for Alice Student."


# --- bulk decisions -----------------------------------------------------------------------------


def test_bulk_approve_decides_the_others_and_reports_the_one_already_decided(
    client_as, admin, queue
):
    selected = [queue["alice"].pk, queue["bob"].pk, queue["approved"].pk]
    response = client_as(admin).post(BULK, {"decision": "approve", "selected": selected}, **HX)
    assert notice(response) == "Approved 2 redemptions."
    assert error(response) == (
        f"Skipped 1: #{queue['approved'].pk}: This redemption is already approved; "
        "nothing was changed."
    )
    assert "redemption-decided" in response["HX-Trigger"]
    assert {status_of(queue[k]) for k in ("alice", "bob", "approved")} == {Status.APPROVED}


def test_bulk_reject_with_a_note_refunds_each(client_as, admin, student, other_student, queue):
    selected = [queue["alice"].pk, queue["bob"].pk]
    data = {"decision": "reject", "note": "Shop closed", "selected": selected}
    client_as(admin).post(BULK, data, **HX)
    # Alice: both refunded; Bob: only his approved hoodie (30) still spent.
    assert (balance(student), balance(other_student)) == (100, 70)


def test_bulk_reject_without_a_note_is_refused_for_all(client_as, admin, queue):
    selected = [queue["alice"].pk, queue["bob"].pk]
    response = client_as(admin).post(BULK, {"decision": "reject", "selected": selected}, **HX)
    assert error(response) == "Say why it is rejected; the student sees this note."
    assert {status_of(queue["alice"]), status_of(queue["bob"])} == {Status.PENDING}


def test_bulk_with_nothing_selected_asks_for_a_selection(client_as, admin, queue):
    response = client_as(admin).post(BULK, {"decision": "approve"}, **HX)
    assert error(response) == "Select at least one redemption."
    assert "HX-Trigger" not in response


def test_bulk_keeps_the_filters_of_the_page_it_was_made_on(client_as, admin, queue):
    response = client_as(admin).post(
        BULK,
        {"decision": "approve", "selected": [queue["bob"].pk]},
        HTTP_HX_CURRENT_URL="http://testserver/staff/redemptions/?student=Bob",
        **HX,
    )
    assert rows(response) == {queue["bob"].pk, queue["approved"].pk}


# --- the navigation badge -----------------------------------------------------------------------


def test_the_queue_badge_shows_the_pending_count(client_as, admin, queue):
    response = client_as(admin).get(reverse("portal:queue-badge"), **HX)
    assert text(find(response.content, id="queue-badge")) == "2 (2 redemptions pending)"


def test_the_queue_badge_is_empty_when_nothing_is_pending(client_as, admin, queue):
    client = client_as(admin)
    for key in ("alice", "bob"):
        client.post(decide_url(queue[key]), {"decision": "approve"}, **HX)
    response = client.get(reverse("portal:queue-badge"), **HX)
    assert text(find(response.content, id="queue-badge")) == ""


def test_the_navigation_shows_the_pending_count_to_admins(client_as, admin, queue):
    response = client_as(admin).get(reverse("portal:dashboard"))
    assert text(find(response.content, id="queue-badge")) == "2 (2 redemptions pending)"


def test_the_reject_form_sits_in_the_row_not_in_a_popover(client_as, admin, queue):
    """The table scrolls sideways, so an absolutely positioned form would be clipped by it."""
    response = client_as(admin).get(QUEUE)
    row = find(response.content, "tr", id=f"redemption-{queue['alice'].pk}")
    form = next(f for f in find_all(row, "form") if "reject" in str(f))
    assert "absolute" not in dict(form.attributes)["class"].split()
    assert dict(form.attributes)["hx-post"] == decide_url(queue["alice"])
    note = find(form, "textarea", name="note")
    assert "required" in dict(note.attributes)


# --- each page of the queue composed once per process (issue 17) ------------------------------


def queue_page(query: dict, *, shaped: bool, sort: str = "created_at"):
    from portal.filters.rewards import QueueFilter
    from portal.selectors.rewards import list_queue

    filters = QueueFilter(as_query(query) if query else None, queryset=list_queue())
    queryset = filters.shaped_qs() if shaped else filters.qs
    return queryset.order_by(sort, "id")[0:3]


def as_query(values: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    query.update({name: str(value) for name, value in values.items()})
    return query


def described(r: Redemption) -> tuple:
    return (r.pk, r.status, r.cost, r.created_at, r.student.user.name, r.reward.name)


def test_a_queue_page_composed_once_gives_the_rows_django_gives(
    queue, reward, django_assert_num_queries
):
    queries = [{}, {"status": ""}, {"status": "rejected"}, {"reward": reward.pk}]
    for query in queries:
        for sort in ("created_at", "-cost"):
            expected = [described(r) for r in queue_page(query, shaped=False, sort=sort)]
            assert expected
            for _ in range(2):  # composed, then run again as composed
                page = queue_page(query, shaped=True, sort=sort)
                with django_assert_num_queries(1):
                    assert [described(r) for r in page] == expected


def test_the_queue_follows_decisions_and_searches_are_composed_every_time(client_as, admin, queue):
    client = client_as(admin)
    for _ in range(2):
        assert rows(client.get(QUEUE)) == {queue[k].pk for k in ("alice", "bob", "approved")}
    decide_redemption(actor=admin, redemption_id=queue["bob"].pk, decision="reject", note="No")
    assert rows(client.get(QUEUE)) == {queue[k].pk for k in ("alice", "approved")}
    from portal.filters.rewards import QueueFilter
    from portal.selectors.rewards import list_queue

    searched = QueueFilter(as_query({"student": "alice"}), queryset=list_queue()).shaped_qs()
    assert getattr(searched, "shape", None) is None
    assert rows(client.get(QUEUE, {"student": "Bob", "status": ""})) == {
        queue[k].pk for k in ("bob", "approved")
    }
