"""The feed selector: what each source contributes, once, in order, and its keyset pages."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.models import ActivityClaim, Redemption, Transaction
from portal.selectors.activity import Cursor, feed_page
from tests.claims.helpers import make_claim
from tests.factories import RewardFactory
from tests.helpers import award, redeem

from .conftest import tell_story

pytestmark = pytest.mark.django_db


def everything(profile):
    return feed_page(profile, limit=100).items


def by_key(items):
    return {item.key: item for item in items}


def test_every_source_appears_once_with_its_title_and_link(story, student):
    items = by_key(everything(student))
    expected = {
        f"ledger-{story.award.pk}": ("+50 points · Academic merit", "/history/"),
        f"ledger-{story.deduction.pk}": ("−5 points · Deduction", "/history/"),
        f"ledger-{story.reversal.pk}": ("−10 points · Award of +10 points reversed", "/history/"),
        f"redemption-{story.approved.pk}": (
            "Redeemed Coffee voucher — approved",
            f"/rewards/mine/#redemption-{story.approved.pk}",
        ),
        f"redemption-{story.rejected.pk}": (
            "Redeemed Mug — rejected",
            f"/rewards/mine/#redemption-{story.rejected.pk}",
        ),
        f"redemption-{story.cancelled.pk}": (
            "Redeemed Hoodie — cancelled",
            f"/rewards/mine/#redemption-{story.cancelled.pk}",
        ),
        f"claim-{story.claim_pending.pk}": (
            "Claim for Academic merit — waiting for review",
            f"/claims/#claim-{story.claim_pending.pk}",
        ),
        f"claim-{story.claim_rejected.pk}": (
            "Claim for Academic merit — rejected",
            f"/claims/#claim-{story.claim_rejected.pk}",
        ),
        f"claim-{story.claim_withdrawn.pk}": (
            "Claim for Academic merit — withdrawn",
            f"/claims/#claim-{story.claim_withdrawn.pk}",
        ),
    }
    for key, (title, url) in expected.items():
        assert (items[key].title, items[key].url) == (title, url), key


def titles_and_links(items, kind):
    return [(i.title, i.url) for i in items if i.key.startswith(kind)]


def test_a_check_in_is_its_attendance_entry_linking_to_the_event(story, student):
    checkin = Transaction.objects.get(student=student, kind=Transaction.Kind.ATTENDANCE)
    item = by_key(everything(student))[f"ledger-{checkin.pk}"]
    assert item.title == "Checked in at Robotics night (+10)"
    assert item.url == f"/events/{story.event.pk}/"
    assert item.amount == 10


def test_approved_claims_and_tasks_are_their_credit_entries_only(story, student):
    items = by_key(everything(student))
    assert f"claim-{story.claim_approved.pk}" not in items
    credit = Transaction.objects.get(claim=story.claim_approved)
    assert items[f"ledger-{credit.pk}"].title == "Claim for Academic merit approved (+15)"
    assert items[f"ledger-{credit.pk}"].url == f"/claims/#claim-{story.claim_approved.pk}"
    task_credit = Transaction.objects.get(student=student, kind=Transaction.Kind.TASK)
    item = items[f"ledger-{task_credit.pk}"]
    assert item.title == "Task “Set up the lab” approved (+20)"
    assert item.url == f"/tasks/{task_credit.task_assignment.task_id}/"


def test_a_redemption_is_one_item_and_its_debit_is_not_shown_again(story, student):
    items = everything(student)
    debits = Transaction.objects.filter(student=student, kind=Transaction.Kind.REDEMPTION)
    assert debits.count() == 3
    assert not {f"ledger-{d.pk}" for d in debits} & {i.key for i in items}
    coffee = by_key(items)[f"redemption-{story.approved.pk}"]
    assert coffee.amount == -30


def test_a_refund_is_its_own_later_item_saying_why(story, student):
    items = by_key(everything(student))
    refunds = {
        r.redemption_id: items[f"ledger-{r.pk}"]
        for r in Transaction.objects.filter(student=student, kind=Transaction.Kind.REFUND)
    }
    assert refunds[story.rejected.pk].title == "Refunded Mug (+40)"
    assert refunds[story.rejected.pk].detail == "The redemption was rejected."
    assert items[f"redemption-{story.rejected.pk}"].detail == "Out of mugs"
    assert refunds[story.cancelled.pk].title == "Refunded Hoodie (+20)"
    assert refunds[story.cancelled.pk].amount == 20


def test_draw_results_say_won_or_not_picked_and_the_prize_is_its_own_entry(story, student):
    items = everything(student)
    draws = {i.title: i.url for i in items if i.key.startswith("draw-")}
    assert draws == {
        "Draw “Spring raffle”: you won!": f"/draws/{story.won.pk}/",
        "Draw “Winter raffle”: not picked this time": f"/draws/{story.lost.pk}/",
    }
    prize = [i for i in items if i.title == "Prize from “Spring raffle” (+25)"]
    assert len(prize) == 1
    assert prize[0].url == f"/draws/{story.won.pk}/"


def test_a_reversed_award_says_so(story, student):
    item = by_key(everything(student))[f"ledger-{story.reversed_award.pk}"]
    assert item.badge == "reversed"


def test_nothing_appears_twice_and_nothing_is_missing(story, student):
    items = everything(student)
    assert len(items) == len({i.key for i in items})
    kinds = Counter(i.key.split("-")[0] for i in items)
    # 13 entries: 4 awards, deduction, reversed award, reversal, check-in, 2 refunds, claim,
    # task and prize credits (the 3 redemption debits are their redemption items)
    assert kinds == {"ledger": 13, "redemption": 3, "claim": 3, "draw": 2}


def test_another_students_items_never_appear(story, student, other_student, faculty, admin):
    other = tell_story(
        other_student,
        faculty=faculty,
        admin=admin,
        category=story.award.category,
        rival=student,
    )
    mine = {i.key for i in everything(student)}
    theirs = {i.key for i in everything(other_student)}
    assert not mine & theirs
    assert f"redemption-{other.approved.pk}" in theirs
    assert f"redemption-{other.approved.pk}" not in mine


def test_the_feed_is_newest_first(story, student):
    items = everything(student)
    assert [i.at for i in items] == sorted((i.at for i in items), reverse=True)


def test_an_empty_feed_has_no_items_and_no_next_page(student):
    page = feed_page(student)
    assert (page.items, page.next_cursor) == ([], "")


# --- pagination ----------------------------------------------------------------------------


@pytest.fixture
def crowd(student, faculty, category):
    """Items from all four sources, most of them at one instant: 15 entries, 4 redemptions
    (their debits at that instant too) and 3 claims, plus a few earlier ones."""
    moment = timezone.now().replace(microsecond=123456)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        for i in range(15):
            award(faculty, student, category, 20 + i)
        redemptions = [redeem(student, RewardFactory(cost=5)) for _ in range(4)]
        claims = [make_claim(student, category, 5) for _ in range(3)]
    Redemption.objects.filter(pk__in=[r.pk for r in redemptions]).update(created_at=moment)
    ActivityClaim.objects.filter(pk__in=[c.pk for c in claims]).update(created_at=moment)
    with mock.patch("django.utils.timezone.now", return_value=moment - timedelta(days=1)):
        for i in range(4):
            award(faculty, student, category, 10 + i)
    return moment


@pytest.mark.parametrize("size", [1, 4, 7, 25])
def test_pages_follow_each_other_without_overlap_or_gap(crowd, student, size):
    whole = [i.key for i in everything(student)]
    assert len(whole) == 26
    seen: list[str] = []
    cursor = ""
    for _ in range(30):
        page = feed_page(student, before=cursor, limit=size)
        assert len(page.items) <= size
        seen += [i.key for i in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == whole


def test_items_at_the_same_instant_come_in_a_fixed_order(crowd, student):
    same = [i for i in everything(student) if i.at == crowd]
    assert len(same) == 22
    order = [(i.key.split("-")[0], int(i.key.split("-")[1])) for i in same]
    assert order == sorted(order, reverse=True)


def test_the_last_page_has_no_next_cursor(crowd, student):
    first = feed_page(student, limit=20)
    second = feed_page(student, before=first.next_cursor, limit=20)
    assert len(second.items) == 6
    assert second.next_cursor == ""


def test_a_cursor_survives_its_text_form(crowd, student):
    page = feed_page(student, limit=3)
    cursor = Cursor.parse(page.next_cursor)
    assert cursor is not None
    assert str(cursor) == page.next_cursor
    assert cursor.at == page.items[-1].at


@pytest.mark.parametrize(
    "text",
    ["", "nonsense", "1.ledger", "x.ledger.1", "1.users.1", "1.ledger.-1", "9" * 40 + ".ledger.1"],
)
def test_a_malformed_cursor_starts_from_the_top(crowd, student, text):
    assert Cursor.parse(text) is None
    assert feed_page(student, before=text, limit=5).items == feed_page(student, limit=5).items


def test_a_page_costs_the_same_queries_with_5_or_60_items(student, faculty, admin, category):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            feed_page(student, limit=100)
        return len(captured)

    award(faculty, student, category, 50)
    redeem(student, RewardFactory(cost=5))
    make_claim(student, category, 5)
    small = queries()
    assert small == 4  # the union, then entries, redemptions and claims
    for i in range(40):
        award(faculty, student, category, 10 + i)
    for _ in range(10):
        redeem(student, RewardFactory(cost=5))
        make_claim(student, category, 5)
    assert len(feed_page(student, limit=100).items) == 63
    assert queries() == small
