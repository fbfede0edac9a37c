"""Each slash command through the signed endpoint, acting as the linked portal account."""

from __future__ import annotations

import pytest
from django.utils import translation

from portal.models import Redemption, Transaction
from tests.conftest import ledger_total
from tests.factories import EventFactory, RewardFactory, TaskFactory
from tests.helpers import balance

from .conftest import FACULTY_DISCORD, OTHER_DISCORD, STRANGER_DISCORD, STUDENT_DISCORD
from .helpers import command_body, link, new_interaction_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded(student, admin, category, give):
    give(student, 40, actor=admin, category=category)
    return student


def test_points_shows_balance_lifetime_and_rank(discord, linked, funded):
    text = discord.say("points", STUDENT_DISCORD)
    assert text == "Balance: 40 points. Earned in all: 40 points. Rank 1 of 2."


def test_rank_shows_overall_and_department_rank(discord, linked, funded):
    assert discord.say("rank", OTHER_DISCORD) == (
        "You are number 2 of 2. In your department: 2 of 2."
    )


def test_history_lists_the_latest_entries(discord, linked, funded):
    text = discord.say("history", STUDENT_DISCORD)
    assert text.startswith("Your latest points:\n+40 · Academic merit · Test award (")


def test_history_of_a_student_without_points_says_how_to_earn(discord, linked):
    assert "/ways-to-earn" in discord.say("history", OTHER_DISCORD)


def test_ways_to_earn_lists_categories_events_and_tasks(discord, linked, category):
    EventFactory(title="Robotics night", category=category, attendance_points=15)
    TaskFactory(title="Lab set-up", category=category, points=25)
    text = discord.say("ways-to-earn", STUDENT_DISCORD)
    assert "Academic merit: 5 to 50 points" in text
    assert "Robotics night · 15 points" in text
    assert "Lab set-up · 25 points" in text
    assert text.endswith("Everything: http://127.0.0.1:8000/ways-to-earn/")


def test_shop_lists_rewards_and_why_one_cannot_be_had(discord, linked, funded):
    cheap = RewardFactory(name="Sticker", cost=10)
    dear = RewardFactory(name="Hoodie", cost=100)
    text = discord.say("shop", STUDENT_DISCORD)
    assert f"#{cheap.pk} Sticker · 10 points" in text
    assert f"#{dear.pk} Hoodie · 100 points (You need 60 more points for this reward.)" in text


def test_redeem_by_name_spends_points_through_the_reward_service(discord, linked, funded):
    reward = RewardFactory(name="Coffee voucher", cost=15)
    text = discord.say("redeem", STUDENT_DISCORD, reward="coffee voucher")
    assert text.startswith("Redeemed Coffee voucher for 15 points.")
    redemption = Redemption.objects.get()
    assert redemption.reward == reward
    assert redemption.idempotency_key.startswith("discord:")
    assert balance(funded) == 25


def test_redeem_by_number(discord, linked, funded):
    reward = RewardFactory(name="Sticker", cost=10)
    discord.say("redeem", STUDENT_DISCORD, reward=f"#{reward.pk}")
    assert Redemption.objects.get().reward == reward


def test_redeem_asks_which_when_several_rewards_match(discord, linked, funded):
    RewardFactory(name="Mug, red", cost=10)
    RewardFactory(name="Mug, blue", cost=10)
    assert "Several rewards match" in discord.say("redeem", STUDENT_DISCORD, reward="mug")
    assert Redemption.objects.count() == 0


def test_redeem_refusal_is_the_services_message_and_writes_nothing(discord, linked, funded):
    RewardFactory(name="Laptop", cost=1000)
    before = ledger_total()
    text = discord.say("redeem", STUDENT_DISCORD, reward="Laptop")
    assert text == "You need 960 more points for this reward."
    assert ledger_total() == before


def test_redeem_replayed_with_the_same_interaction_redeems_once(discord, linked, funded):
    RewardFactory(name="Sticker", cost=10)
    body = command_body("redeem", STUDENT_DISCORD, reward="Sticker")
    first = discord.post(body).json()
    again = discord.post(body).json()
    assert first == again
    assert Redemption.objects.count() == 1
    assert balance(funded) == 30


def test_leaderboard_shows_the_top_and_marks_the_viewer(discord, linked, funded, other_student):
    text = discord.say("leaderboard", OTHER_DISCORD)
    assert "1. Alice Student · 40" in text
    assert "**2. Bob Student · 0**" in text


def test_an_unlinked_user_is_told_how_to_link(discord):
    text = discord.say("points", STRANGER_DISCORD)
    assert "not linked" in text
    assert "/settings/#discord-settings" in text


def test_staff_have_no_points_of_their_own(discord, linked):
    assert discord.say("points", FACULTY_DISCORD) == "Only students have points."


def test_award_credits_the_linked_student_through_the_ledger(discord, linked, student):
    text = discord.say(
        "award",
        FACULTY_DISCORD,
        user=STUDENT_DISCORD,
        points=20,
        category="academic merit",
        reason="Helped at the open day",
    )
    assert text == "Awarded 20 points to Alice Student (Academic merit)."
    entry = Transaction.objects.get()
    assert (entry.amount, entry.kind, entry.reason) == (20, "award", "Helped at the open day")
    assert entry.actor.email == "faculty@upas.test"
    assert entry.idempotency_key.startswith("discord:")
    assert balance(student) == 20


def test_award_outside_the_categorys_bounds_is_refused_by_the_ledger(discord, linked):
    text = discord.say(
        "award",
        FACULTY_DISCORD,
        user=STUDENT_DISCORD,
        points=500,
        category="Academic merit",
        reason="Too much",
    )
    assert "between 5 and 50" in text
    assert Transaction.objects.count() == 0


def test_award_to_an_unknown_category_writes_nothing(discord, linked):
    text = discord.say(
        "award", FACULTY_DISCORD, user=STUDENT_DISCORD, points=10, category="Nope", reason="x"
    )
    assert text == "No category is called “Nope”."
    assert Transaction.objects.count() == 0


def test_award_to_an_unlinked_discord_user_writes_nothing(discord, linked):
    text = discord.say(
        "award",
        FACULTY_DISCORD,
        user=STRANGER_DISCORD,
        points=10,
        category="Academic merit",
        reason="x",
    )
    assert "no student account linked" in text
    assert Transaction.objects.count() == 0


@pytest.mark.parametrize("command", ["award", "deduct"])
def test_staff_commands_are_refused_for_students(discord, linked, funded, command):
    before = ledger_total()
    text = discord.say(
        command,
        OTHER_DISCORD,
        user=STUDENT_DISCORD,
        points=10,
        category="Academic merit",
        reason="Me too",
    )
    assert text == "Only faculty and admins can award or deduct points."
    assert ledger_total() == before


def test_a_student_learns_nothing_about_who_is_linked(discord, linked):
    linked_answer = discord.say(
        "award", OTHER_DISCORD, user=STUDENT_DISCORD, points=10, category="x", reason="x"
    )
    unlinked_answer = discord.say(
        "award", OTHER_DISCORD, user=STRANGER_DISCORD, points=10, category="x", reason="x"
    )
    assert linked_answer == unlinked_answer


def test_deduct_takes_points_through_the_ledger(discord, linked, funded):
    text = discord.say(
        "deduct", FACULTY_DISCORD, user=STUDENT_DISCORD, points=15, reason="Late equipment"
    )
    assert text == "Took 15 points from Alice Student."
    assert balance(funded) == 25
    assert Transaction.objects.filter(kind="deduction").count() == 1


def test_deduct_never_takes_the_balance_below_zero(discord, linked, funded):
    before = ledger_total()
    discord.say("deduct", FACULTY_DISCORD, user=STUDENT_DISCORD, points=99, reason="Too much")
    assert ledger_total() == before


@pytest.mark.parametrize("command", ["award", "deduct"])
def test_staff_commands_replayed_with_the_same_interaction_write_once(
    discord, linked, funded, command
):
    body = command_body(
        command,
        FACULTY_DISCORD,
        interaction_id=new_interaction_id(),
        user=STUDENT_DISCORD,
        points=10,
        category="Academic merit",
        reason="Once only",
    )
    before = Transaction.objects.count()
    first = discord.post(body).json()
    again = discord.post(body).json()
    assert first == again
    assert Transaction.objects.count() == before + 1


def test_unknown_command(discord, linked):
    assert discord.say("dance", STUDENT_DISCORD) == "Unknown command."


STAFF_ONLY = "Only faculty and admins can award or deduct points."


def arabic(text: str) -> str:
    with translation.override("ar"):
        translated = translation.gettext(text)
    assert translated != text  # a string the Arabic catalogue has
    return translated


def test_answers_are_in_the_linked_users_language(discord, linked, other_student):
    other_student.user.language = "ar"
    other_student.user.save(update_fields=["language"])
    text = discord.say(
        "award", OTHER_DISCORD, user=STUDENT_DISCORD, points=1, category="x", reason="x"
    )
    assert text == arabic(STAFF_ONLY)


def test_the_discord_locale_is_used_when_the_account_has_no_language(discord, linked):
    args = {"user": STUDENT_DISCORD, "points": 1, "category": "x", "reason": "x"}
    assert discord.say("award", OTHER_DISCORD, locale="ar", **args) == arabic(STAFF_ONLY)
    assert discord.say("award", OTHER_DISCORD, locale="en-US", **args) == STAFF_ONLY


def test_the_accounts_language_wins_over_the_discord_locale(discord, linked, other_student):
    other_student.user.language = "en-gb"
    other_student.user.save(update_fields=["language"])
    args = {"user": STUDENT_DISCORD, "points": 1, "category": "x", "reason": "x"}
    assert discord.say("award", OTHER_DISCORD, locale="ar", **args) == STAFF_ONLY


def test_a_deactivated_account_is_treated_as_unlinked(discord, student):
    link(student, STUDENT_DISCORD)
    student.user.is_active = False
    student.user.save(update_fields=["is_active"])
    assert "not linked" in discord.say("points", STUDENT_DISCORD)


def test_names_are_shown_as_typed_not_as_markdown(discord, linked, student):
    student.user.name = "Alice *bold* [link](https://x.test)"
    student.user.save(update_fields=["name"])
    text = discord.say("leaderboard", OTHER_DISCORD)
    assert r"Alice \*bold\* \[link\](https://x.test)" in text


@pytest.mark.parametrize("command", ["ways-to-earn", "shop", "leaderboard", "history", "points"])
def test_command_query_counts_do_not_grow(discord, linked, funded, admin, give, command):
    """A list answer reads a fixed number of rows, whatever the data."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import CategoryFactory, StudentFactory

    def grow(n: int) -> None:
        for _ in range(n):
            category = CategoryFactory(min_points=1, max_points=100)
            EventFactory(category=category)
            TaskFactory(category=category)
            RewardFactory(cost=5)
            give(StudentFactory(), 3, actor=admin, category=category)
            give(funded, 1, actor=admin, category=category)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            discord.say(command, STUDENT_DISCORD)
        return len(queries)

    grow(1)
    small = count()
    grow(12)
    assert count() == small


def test_redeem_with_a_digit_that_is_not_a_number_finds_nothing(discord, linked, funded):
    RewardFactory(name="Sticker", cost=10)
    text = discord.say("redeem", STUDENT_DISCORD, reward="²")  # isdigit() but not int() (was a 500)
    assert text
    assert Redemption.objects.count() == 0
