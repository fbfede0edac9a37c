"""The student side through the test client: the catalogue and its filters, the confirm step,
redeeming, my redemptions and cancelling, the dashboard. Admin pages: test_admin_views.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import Redemption, Reward, Transaction
from portal.services.rewards import decide_redemption
from tests.conftest import key
from tests.factories import RewardFactory
from tests.helpers import award, balance, redeem
from tests.html import HX, find, find_all, text
from tests.rewards.conftest import written

pytestmark = pytest.mark.django_db

Status = Redemption.Status
CATALOGUE = reverse("portal:rewards")
MINE = reverse("portal:my-redemptions")


def names(response) -> list[str]:
    """The reward names on the catalogue's cards, in order."""
    return [text(h2) for h2 in find_all(find(response.content, id="reward-grid"), "h2")]


def action_url(reward: Reward, **query: str) -> str:
    url = reverse("portal:reward-action", kwargs={"pk": reward.pk})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def redeem_url(reward: Reward) -> str:
    return reverse("portal:reward-redeem", kwargs={"pk": reward.pk})


def panel(response, reward: Reward):
    return find(response.content, id=f"reward-action-{reward.pk}")


@pytest.fixture
def shelf(reward) -> dict[str, Reward]:
    """The hoodie (30, merchandise, 5 left) and, made one a minute later each: a pizza (10,
    food, out of stock), a concert (150, experience, unlimited), a mug (60, merchandise), and
    two the catalogue hides: a withdrawn badge and an expired voucher."""
    start = reward.created_at
    made = (start + timedelta(minutes=i) for i in range(1, 10))
    return {
        "hoodie": reward,
        "pizza": RewardFactory(
            name="Pizza", cost=10, stock=0, category="food", created_at=next(made)
        ),
        "concert": RewardFactory(
            name="Concert", cost=150, stock=None, category="experience", created_at=next(made)
        ),
        "mug": RewardFactory(name="Mug", cost=60, created_at=next(made)),
        "badge": RewardFactory(name="Badge", cost=5, is_active=False),
        "voucher": RewardFactory(
            name="Voucher", cost=5, available_until=timezone.now() - timedelta(days=1)
        ),
    }


# --- the catalogue ------------------------------------------------------------------------------


def test_catalogue_shows_open_rewards_cheapest_first(client_as, student, shelf):
    response = client_as(student).get(CATALOGUE)
    assert names(response) == ["Pizza", "Hoodie", "Mug", "Concert"]


def test_catalogue_filters_by_category(client_as, student, shelf):
    assert names(client_as(student).get(CATALOGUE + "?category=merchandise")) == ["Hoodie", "Mug"]


def test_catalogue_shows_only_what_the_student_can_afford(client_as, student, shelf):
    assert names(client_as(student).get(CATALOGUE + "?affordable=on")) == ["Pizza", "Hoodie", "Mug"]


def test_catalogue_shows_only_rewards_in_stock(client_as, student, shelf):
    assert names(client_as(student).get(CATALOGUE + "?in_stock=on")) == ["Hoodie", "Mug", "Concert"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("cost", ["Pizza", "Hoodie", "Mug", "Concert"]),
        ("-cost", ["Concert", "Mug", "Hoodie", "Pizza"]),
        ("newest", ["Mug", "Concert", "Pizza", "Hoodie"]),
    ],
)
def test_catalogue_sorts(client_as, student, shelf, sort, expected):
    assert names(client_as(student).get(f"{CATALOGUE}?sort={sort}")) == expected


def test_catalogue_combines_filters(client_as, student, shelf):
    response = client_as(student).get(CATALOGUE + "?affordable=on&in_stock=on&sort=-cost")
    assert names(response) == ["Mug", "Hoodie"]


def test_htmx_filtering_returns_only_the_grid(client_as, student, shelf):
    response = client_as(student).get(CATALOGUE + "?category=food", **HX)
    assert b"<html" not in response.content
    assert response.content.decode().lstrip().startswith('<section id="reward-grid"')
    assert names(response) == ["Pizza"]


def test_plain_catalogue_request_gets_the_full_page_with_the_filters(client_as, student, shelf):
    response = client_as(student).get(CATALOGUE + "?category=food")
    assert b"<html" in response.content
    option = find(find(response.content, "select", name="category"), "option", value="food")
    assert ("selected", None) in option.attributes


def test_catalogue_says_how_many_points_a_student_still_needs(client_as, student, shelf):
    response = client_as(student).get(CATALOGUE)
    assert text(panel(response, shelf["concert"])) == "You need 50 more points for this reward."
    assert text(panel(response, shelf["pizza"])) == "Sorry, this reward is out of stock."
    assert text(panel(response, shelf["hoodie"])) == "Redeem"


def test_catalogue_shows_the_viewers_balance(client_as, student, shelf):
    response = client_as(student).get(CATALOGUE)
    assert "You have 100 points to spend." in text(find(response.content, "main"))


@pytest.mark.parametrize("role", ["faculty", "admin"])
def test_staff_browse_the_catalogue_without_a_redeem_button(request, client_as, shelf, role):
    response = client_as(request.getfixturevalue(role)).get(CATALOGUE)
    assert names(response) == ["Pizza", "Hoodie", "Mug", "Concert"]
    assert "Redeem" not in text(panel(response, shelf["hoodie"]))


def test_the_detail_page_shows_the_reward_and_its_redeem_button(client_as, student, reward):
    response = client_as(student).get(reverse("portal:reward-detail", kwargs={"pk": reward.pk}))
    assert text(find(response.content, "h1")) == "Hoodie"
    assert text(panel(response, reward)) == "Redeem"


# --- the confirm step ---------------------------------------------------------------------------


def test_confirm_step_shows_the_cost_and_the_balance_after(client_as, student, reward):
    response = client_as(student).get(action_url(reward, confirm="1"), **HX)
    assert b"<html" not in response.content
    confirm = find(panel(response, reward), "dl")
    assert text(confirm) == "Cost −30 Balance after 70"
    assert find(response.content, "input", name="idempotency_key")


def test_the_detail_page_shows_the_confirm_step_without_javascript(client_as, student, reward):
    url = reverse("portal:reward-detail", kwargs={"pk": reward.pk}) + "?confirm=1"
    response = client_as(student).get(url)
    assert text(find(panel(response, reward), "dl")) == "Cost −30 Balance after 70"


def test_confirm_step_explains_why_a_reward_cannot_be_redeemed(client_as, student, reward):
    # The confirm panel can be reached after the student's balance changed in another tab:
    # it must say why Confirm is disabled, not just disable it.
    Reward.objects.filter(pk=reward.pk).update(cost=130)
    response = client_as(student).get(action_url(reward, confirm="1"), **HX)
    assert ("disabled", None) in find(panel(response, reward), "button", type="submit").attributes
    assert "You need 30 more points for this reward." in text(panel(response, reward))


def test_cancelling_the_confirm_step_shows_the_redeem_button_again(client_as, student, reward):
    response = client_as(student).get(action_url(reward), **HX)
    assert text(panel(response, reward)) == "Redeem"


# --- redeeming ----------------------------------------------------------------------------------


def test_htmx_redeem_returns_the_success_panel_and_debits(client_as, student, reward):
    response = client_as(student).post(redeem_url(reward), {"idempotency_key": key()}, **HX)
    assert b"<html" not in response.content
    assert text(find(panel(response, reward), role="status")).startswith(
        "Redeemed! Waiting for approval. 30 points were taken from your balance."
    )
    assert balance(student) == 70
    assert Redemption.objects.get().status == Status.PENDING


def test_htmx_redeem_tells_the_page_that_points_changed(client_as, student, reward):
    response = client_as(student).post(redeem_url(reward), {"idempotency_key": key()}, **HX)
    assert "points-changed" in response["HX-Trigger"]


def test_the_header_balance_shows_the_new_balance_after_a_redeem(client_as, student, reward):
    client = client_as(student)
    client.post(redeem_url(reward), {"idempotency_key": key()}, **HX)
    badge = client.get(reverse("portal:balance-badge"), **HX)
    assert text(find(badge.content, id="balance-badge")) == "70 pts"


def test_a_refusal_is_shown_in_the_panel_and_nothing_is_written(client_as, student, reward):
    client = client_as(student)
    client.get(action_url(reward, confirm="1"), **HX)
    Reward.objects.filter(pk=reward.pk).update(stock=0)  # the last one went meanwhile
    before = written(reward)
    response = client.post(redeem_url(reward), {"idempotency_key": key()}, **HX)
    assert text(find(panel(response, reward), role="alert")) == (
        "Sorry, this reward is out of stock."
    )
    assert written(reward) == before
    assert "HX-Trigger" not in response


def test_an_expired_form_is_refused_in_the_panel(client_as, student, reward):
    response = client_as(student).post(redeem_url(reward), {"idempotency_key": "x"}, **HX)
    assert text(find(panel(response, reward), role="alert")) == (
        "This form has expired; reload the page and try again."
    )
    assert Redemption.objects.count() == 0


def test_a_double_click_redeems_once(client_as, student, reward):
    client, k = client_as(student), key()
    client.post(redeem_url(reward), {"idempotency_key": k}, **HX)
    second = client.post(redeem_url(reward), {"idempotency_key": k}, **HX)
    assert find(panel(second, reward), role="status")
    assert Redemption.objects.count() == 1 and balance(student) == 70


def test_a_reward_withdrawn_during_the_confirm_step_is_refused_with_a_message(
    client_as, student, reward
):
    client = client_as(student)
    client.get(action_url(reward, confirm="1"), **HX)
    Reward.objects.filter(pk=reward.pk).update(is_active=False)
    response = client.post(redeem_url(reward), {"idempotency_key": key()}, **HX)
    # htmx does not swap a 404: the student would see nothing happen.
    assert response.status_code == 200
    assert text(find(panel(response, reward), role="alert")) == "This reward is no longer offered."


def test_redeem_without_htmx_redirects_to_my_redemptions_with_a_message(client_as, student, reward):
    client = client_as(student)
    response = client.post(redeem_url(reward), {"idempotency_key": key()})
    assert response.status_code == 302 and response["Location"] == MINE
    page = client.get(MINE)
    assert text(find(page.content, role="status")) == (
        "You redeemed Hoodie. An admin will approve it soon."
    )


def test_a_refused_redeem_without_htmx_goes_back_to_the_reward_with_the_reason(
    client_as, student, reward
):
    Reward.objects.filter(pk=reward.pk).update(cost=130)
    client = client_as(student)
    response = client.post(redeem_url(reward), {"idempotency_key": key()})
    assert response["Location"] == reverse("portal:reward-detail", kwargs={"pk": reward.pk})
    page = client.get(response["Location"])
    assert text(find(page.content, role="alert")) == "You need 30 more points for this reward."
    assert balance(student) == 100


# --- my redemptions and cancelling -----------------------------------------------------------


@pytest.fixture
def bobs(other_student, admin, funds) -> Redemption:
    award(admin, other_student, funds, 100)
    return redeem(other_student, RewardFactory(name="Bob's scarf", cost=20))


def test_my_redemptions_lists_only_my_own(client_as, student, reward, bobs):
    mine = redeem(student, reward)
    response = client_as(student).get(MINE)
    items = find_all(response.content, "li", id=f"redemption-{mine.pk}")
    assert len(items) == 1
    assert not find_all(response.content, "li", id=f"redemption-{bobs.pk}")
    assert "Bob's scarf" not in response.content.decode()


def test_the_dashboard_lists_only_my_own_redemptions(client_as, student, reward, bobs):
    redeem(student, reward)
    response = client_as(student).get(reverse("portal:dashboard"))
    section = find(response.content, "section", aria_labelledby="redemptions-title")
    assert "Hoodie" in text(section) and "Bob's scarf" not in text(section)


def test_a_rejected_redemption_shows_the_admins_note(client_as, student, admin, reward):
    redemption = redeem(student, reward)
    decide_redemption(
        actor=admin, redemption_id=redemption.pk, decision="reject", note="Out of sizes"
    )
    item = find(client_as(student).get(MINE).content, "li", id=f"redemption-{redemption.pk}")
    assert "Note from the admin: Out of sizes" in text(item)
    assert "Rejected" in text(item) and not find_all(item, "form")


def test_htmx_cancel_refunds_and_returns_the_updated_item(client_as, student, reward):
    redemption = redeem(student, reward)
    url = reverse("portal:redemption-cancel", kwargs={"pk": redemption.pk})
    response = client_as(student).post(url, **HX)
    assert b"<html" not in response.content
    item = find(response.content, "li", id=f"redemption-{redemption.pk}")
    assert text(find(item, role="status")) == "Cancelled; 30 points are back in your balance."
    assert not find_all(item, "form")
    assert "points-changed" in response["HX-Trigger"]
    assert balance(student) == 100 and written(reward)[2] == 5


def test_htmx_cancel_of_an_approved_redemption_shows_why_and_writes_nothing(
    client_as, student, admin, reward
):
    redemption = redeem(student, reward)
    decide_redemption(actor=admin, redemption_id=redemption.pk, decision="approve")
    before = written(reward)
    url = reverse("portal:redemption-cancel", kwargs={"pk": redemption.pk})
    response = client_as(student).post(url, **HX)
    assert text(find(response.content, role="alert")) == (
        "This redemption is already approved; nothing was changed."
    )
    assert written(reward) == before and "HX-Trigger" not in response


def test_cancel_without_htmx_redirects_to_my_redemptions_with_a_message(client_as, student, reward):
    redemption = redeem(student, reward)
    client = client_as(student)
    response = client.post(reverse("portal:redemption-cancel", kwargs={"pk": redemption.pk}))
    assert response["Location"] == MINE
    page = client.get(MINE)
    assert text(find(page.content, role="status")) == (
        "Cancelled; 30 points are back in your balance."
    )


def test_a_student_cannot_cancel_another_students_redemption(client_as, student, bobs):
    url = reverse("portal:redemption-cancel", kwargs={"pk": bobs.pk})
    before = Transaction.objects.count()
    assert client_as(student).post(url, **HX).status_code == 404
    bobs.refresh_from_db()
    assert bobs.status == Status.PENDING and Transaction.objects.count() == before


# --- the dashboard ------------------------------------------------------------------------------


def test_the_student_dashboard_lists_rewards_the_student_can_afford(client_as, student, shelf):
    response = client_as(student).get(reverse("portal:dashboard"))
    section = find(response.content, "section", aria_labelledby="afford-title")
    assert [text(a) for a in find_all(section, "a")][1:] == ["M Mug 60 pts", "H Hoodie 30 pts"]


def test_the_student_dashboard_title_is_just_dashboard(client_as, student, reward):
    response = client_as(student).get(reverse("portal:dashboard"))
    assert text(find(response.content, "title")) == "Dashboard · UPAS"


def test_the_admin_dashboard_shows_the_pending_count(client_as, student, admin, reward):
    redeem(student, reward)
    response = client_as(admin).get(reverse("portal:dashboard"))
    links = find_all(response.content, "a", href=reverse("portal:redemption-queue"))
    assert "Redemption queue (1 pending)" in [text(link) for link in links]


def test_cancelling_asks_first(client_as, student, reward):
    """Issue 18: one click no longer cancels; the button opens a question with the refund."""
    redemption = redeem(student, reward)
    page = client_as(student).get(reverse("portal:my-redemptions")).content
    item = find(page, "li", id=f"redemption-{redemption.pk}")
    question = find(item, "details")
    assert text(find(question, "summary")) == "Cancel and refund…"
    assert "Your 30 points come back at once" in text(find(question, "form"))
    assert text(find(question, "button", type="submit")) == "Yes, cancel and refund"


@pytest.mark.parametrize(
    ("language", "one", "three"),
    [
        ("en", "Cancelled; 1 point is back in your balance.", "3 points"),
        ("ar", "تم الإلغاء؛ أُعيدت 1 نقطة إلى رصيدك.", "3 نقاط"),
    ],
)
def test_one_point_is_said_in_the_singular_and_three_in_the_plural(
    client_as, student, language, one, three
):
    """Each count takes its language's plural form (Arabic has six), not "1 points"."""
    student.user.language = language
    student.user.save(update_fields=["language"])
    cheap = RewardFactory(name="Sticker", cost=1, stock=5)
    dearer = RewardFactory(name="Pen", cost=3, stock=5)
    client = client_as(student)
    mine = redeem(student, dearer)
    redemption = redeem(student, cheap)
    url = reverse("portal:redemption-cancel", kwargs={"pk": redemption.pk})
    item = find(client.post(url, **HX).content, "li", id=f"redemption-{redemption.pk}")
    assert text(find(item, role="status")) == one
    listed = find(client.get(MINE).content, "li", id=f"redemption-{mine.pk}")
    assert three in text(listed)
