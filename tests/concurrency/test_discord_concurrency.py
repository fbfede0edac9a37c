"""Discord commands arriving at once, through the signed endpoint in real threads with their
own connections: the services' locks and idempotency keys hold for the bot as for the forms."""

from __future__ import annotations

import threading

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from portal.models import DiscordLink, Redemption, Reward, Transaction
from portal.services import discord as discord_services
from tests.concurrency.threads import run_at_once
from tests.conftest import postgres_only
from tests.discord.helpers import Discord, command_body, link, public_hex
from tests.factories import CategoryFactory
from tests.helpers import assert_ledger_consistent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres, postgres_only]


@pytest.fixture
def key(settings) -> Ed25519PrivateKey:
    private = Ed25519PrivateKey.generate()
    settings.DISCORD_PUBLIC_KEY = public_hex(private)
    return private


def send_all(key: Ed25519PrivateKey, bodies: list[dict]) -> list[str]:
    """Post every body at the same moment, each from its own client and connection; the
    replies' texts."""
    replies: list[str] = []
    lock = threading.Lock()

    def job(body: dict):
        def post() -> None:
            response = Discord(key).post(body)
            assert response.status_code == 200, response.content
            with lock:
                replies.append(response.json()["data"]["content"])

        return post

    outcomes = run_at_once([job(body) for body in bodies])
    assert outcomes == {"ok": len(bodies)}, outcomes
    return replies


def test_two_redeems_of_the_last_unit_one_wins(key, student, other_student, admin, give):
    category = CategoryFactory(min_points=1, max_points=100)
    for profile, discord_id in ((student, "301"), (other_student, "302")):
        give(profile, 50, actor=admin, category=category)
        link(profile, discord_id)
    reward = Reward.objects.create(name="Last hoodie", cost=40, stock=1)
    replies = send_all(
        key, [command_body("redeem", d, reward="Last hoodie") for d in ("301", "302")]
    )
    assert sorted(r.split(" ")[0] for r in replies) == ["Redeemed", "Sorry,"]
    reward.refresh_from_db()
    assert reward.stock == 0
    assert Redemption.objects.count() == 1
    assert Transaction.objects.filter(kind="redemption").count() == 1
    assert_ledger_consistent()


def test_the_same_redeem_interaction_twice_at_once_redeems_once(key, student, admin, give):
    give(student, 100, actor=admin, category=CategoryFactory(min_points=1, max_points=100))
    link(student, "301")
    Reward.objects.create(name="Sticker", cost=10)
    body = command_body("redeem", "301", reward="Sticker")
    replies = send_all(key, [body, body])
    assert replies[0] == replies[1]
    assert Redemption.objects.count() == 1
    assert_ledger_consistent()


def test_two_identical_award_interactions_write_one_entry(key, student, faculty):
    link(faculty, "401")
    link(student, "301")
    CategoryFactory(name="Outreach", min_points=1, max_points=100)
    body = command_body(
        "award", "401", user="301", points=25, category="Outreach", reason="Open day"
    )
    replies = send_all(key, [body, body])
    assert replies == ["Awarded 25 points to Alice Student (Outreach)."] * 2
    assert Transaction.objects.filter(kind="award").count() == 1
    student.refresh_from_db()
    assert student.balance == 25
    assert_ledger_consistent()


def test_one_code_typed_by_two_discord_users_at_once_links_one(key, student):
    code, _pending = discord_services.create_link_code(user=student.user)
    bodies = [command_body("link", d, code=code) for d in ("501", "502")]
    replies = send_all(key, bodies)
    assert sorted(r.split(" ")[0] for r in replies) == ["Linked", "This"]
    assert any("not valid" in r for r in replies)  # the loser found the code spent
    assert DiscordLink.objects.count() == 1
