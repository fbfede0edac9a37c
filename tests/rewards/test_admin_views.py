"""The admin catalogue through the test client: creating a reward with a real image upload,
refusing files that are not images or too large, the availability window, editing,
withdrawing and restoring. The redemption queue is in test_queue_views.py."""

from __future__ import annotations

import io
import os
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from portal.models import AuditLog, Reward
from tests.helpers import redeem
from tests.html import find, find_all, text

pytestmark = pytest.mark.django_db

CREATE = reverse("portal:reward-create")
ADMIN_LIST = reverse("portal:reward-admin")


def image_file(
    name: str = "mug.png", *, size: tuple[int, int] = (64, 48), mode: str = "RGBA", fmt="PNG"
) -> SimpleUploadedFile:
    """A real image made with Pillow in memory."""
    out = io.BytesIO()
    Image.new(mode, size, color="teal").save(out, format=fmt)
    return SimpleUploadedFile(name, out.getvalue(), content_type=f"image/{fmt.lower()}")


def noise_png(min_bytes: int) -> SimpleUploadedFile:
    """A valid PNG of random pixels (they do not compress), larger than `min_bytes`."""
    side = int((min_bytes / 3) ** 0.5) + 64
    data = os.urandom(side * side * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), data).save(out, format="PNG")
    assert out.tell() > min_bytes
    return SimpleUploadedFile("big.png", out.getvalue(), content_type="image/png")


def reward_data(**overrides: Any) -> dict[str, Any]:
    """What the reward form posts: a mug for 15 points, unlimited, no window."""
    data = {
        "name": "Mug",
        "description": "A UPAS mug",
        "category": "merchandise",
        "cost": "15",
        "stock": "",
        "limit_per_student": "",
        "available_from": "",
        "available_until": "",
    }
    return {**data, **overrides}


def field_errors(response, field: str) -> str:
    return text(find(response.content, id=f"id_{field}_errors"))


# --- creating -----------------------------------------------------------------------------------


def test_creating_a_reward_saves_it_and_returns_to_the_list(client_as, admin):
    client = client_as(admin)
    response = client.post(CREATE, reward_data(stock="12", limit_per_student="2"))
    assert response.status_code == 302 and response["Location"] == ADMIN_LIST
    reward = Reward.objects.get()
    assert (reward.name, reward.cost, reward.stock, reward.limit_per_student) == ("Mug", 15, 12, 2)
    assert reward.is_active
    assert text(find(client.get(ADMIN_LIST).content, role="status")) == "Saved “Mug”."


def test_an_empty_stock_means_unlimited(client_as, admin):
    client_as(admin).post(CREATE, reward_data(stock=""))
    assert Reward.objects.get().stock is None


def test_creating_a_reward_is_audited(client_as, admin):
    client_as(admin).post(CREATE, reward_data())
    row = AuditLog.objects.get(action="reward.create")
    assert row.actor == admin and row.after["name"] == "Mug"


def test_a_png_upload_is_stored_re_encoded_under_rewards(client_as, admin):
    client_as(admin).post(CREATE, reward_data(image=image_file()))
    reward = Reward.objects.get()
    assert reward.image.name.startswith("rewards/") and reward.image.name.endswith(".png")
    with default_storage.open(reward.image.name) as stored, Image.open(stored) as picture:
        assert (picture.format, picture.size) == ("PNG", (64, 48))


def test_a_large_photo_is_scaled_down_to_1200_pixels_as_a_jpeg(client_as, admin):
    photo = image_file("photo.png", size=(1600, 400), mode="RGB")
    client_as(admin).post(CREATE, reward_data(image=photo))
    name = Reward.objects.get().image.name
    with default_storage.open(name) as stored, Image.open(stored) as picture:
        assert (picture.format, picture.size) == ("JPEG", (1200, 300))


def test_the_new_reward_shows_its_thumbnail_in_the_list(client_as, admin):
    client = client_as(admin)
    client.post(CREATE, reward_data(image=image_file()))
    reward = Reward.objects.get()
    assert find(client.get(ADMIN_LIST).content, "img", src=reward.image.url)


def test_a_text_file_named_png_is_refused_next_to_the_image_field(client_as, admin):
    fake = SimpleUploadedFile("mug.png", b"not an image at all", content_type="image/png")
    response = client_as(admin).post(CREATE, reward_data(image=fake))
    assert response.status_code == 200
    assert field_errors(response, "image").startswith("Upload a valid image.")
    assert not Reward.objects.exists()


def test_an_image_over_2_mb_is_refused_next_to_the_image_field(client_as, admin):
    response = client_as(admin).post(CREATE, reward_data(image=noise_png(2 * 1024 * 1024 + 1)))
    assert response.status_code == 200
    message = field_errors(response, "image")
    assert message.startswith("The image is ") and message.endswith("the limit is 2 MB.")
    assert not Reward.objects.exists()


def test_a_gif_is_refused_next_to_the_image_field(client_as, admin):
    gif = image_file("mug.gif", mode="P", fmt="GIF")
    response = client_as(admin).post(CREATE, reward_data(image=gif))
    assert field_errors(response, "image") == "Upload a JPEG, PNG or WebP image."
    assert not Reward.objects.exists()


@pytest.mark.parametrize(
    "start", ["2026-12-10T10:00", "2026-12-01T10:00"], ids=["after the end", "at the end"]
)
def test_a_window_that_does_not_end_after_it_starts_is_refused(client_as, admin, start):
    data = reward_data(available_from=start, available_until="2026-12-01T10:00")
    response = client_as(admin).post(CREATE, data)
    assert field_errors(response, "available_until") == "Must be after the start of the window."
    assert not Reward.objects.exists()


def test_a_cost_below_one_is_refused(client_as, admin):
    response = client_as(admin).post(CREATE, reward_data(cost="0"))
    assert field_errors(response, "cost") == "Ensure this value is greater than or equal to 1."
    assert not Reward.objects.exists()


# --- editing ------------------------------------------------------------------------------------


def edit_url(reward: Reward) -> str:
    return reverse("portal:reward-edit", kwargs={"pk": reward.pk})


def test_the_edit_form_is_filled_in_with_the_reward(client_as, admin, reward):
    response = client_as(admin).get(edit_url(reward))
    assert find(response.content, "input", name="cost", value="30")
    assert text(find(response.content, "h1")) == "Edit “Hoodie”"


def test_editing_a_reward_changes_it_and_is_audited(client_as, admin, reward):
    response = client_as(admin).post(edit_url(reward), reward_data(name="Hoodie", cost="45"))
    assert response["Location"] == ADMIN_LIST
    reward.refresh_from_db()
    assert reward.cost == 45
    row = AuditLog.objects.get(action="reward.update")
    assert (row.before["cost"], row.after["cost"]) == (30, 45)


def test_a_new_cost_does_not_change_redemptions_already_made(client_as, admin, student, reward):
    redemption = redeem(student, reward)
    client_as(admin).post(edit_url(reward), reward_data(name="Hoodie", cost="45"))
    redemption.refresh_from_db()
    assert redemption.cost == 30


def test_editing_without_a_new_upload_keeps_the_image(client_as, admin):
    client = client_as(admin)
    client.post(CREATE, reward_data(image=image_file()))
    reward = Reward.objects.get()
    image = reward.image.name
    client.post(edit_url(reward), reward_data(cost="20"))
    reward.refresh_from_db()
    assert (reward.cost, reward.image.name) == (20, image)


def test_a_bad_edit_is_shown_with_its_error_and_changes_nothing(client_as, admin, reward):
    response = client_as(admin).post(edit_url(reward), reward_data(name=""))
    assert field_errors(response, "name") == "This field is required."
    reward.refresh_from_db()
    assert reward.name == "Hoodie"


# --- withdrawing --------------------------------------------------------------------------------


def toggle_url(reward: Reward) -> str:
    return reverse("portal:reward-toggle", kwargs={"pk": reward.pk})


def test_withdrawing_takes_a_reward_out_of_the_catalogue(client_as, admin, student, reward):
    client = client_as(admin)
    response = client.post(toggle_url(reward))
    assert response["Location"] == ADMIN_LIST
    reward.refresh_from_db()
    assert not reward.is_active
    page = client.get(ADMIN_LIST)
    assert text(find(page.content, role="status")) == "“Hoodie” is withdrawn from the catalogue."
    catalogue = client_as(student).get(reverse("portal:rewards"))
    assert not find_all(catalogue.content, id=f"reward-action-{reward.pk}")


def test_the_admin_list_still_shows_a_withdrawn_reward(client_as, admin, reward):
    client = client_as(admin)
    client.post(toggle_url(reward))
    row = find(client.get(ADMIN_LIST).content, "tbody")
    assert "Hoodie" in text(row) and "Withdrawn" in text(row) and "Restore" in text(row)


def test_withdrawing_twice_restores_the_reward(client_as, admin, reward):
    client = client_as(admin)
    client.post(toggle_url(reward))
    client.post(toggle_url(reward))
    reward.refresh_from_db()
    assert reward.is_active
    assert [row.action for row in AuditLog.objects.order_by("id")] == [
        "reward.deactivate",
        "reward.activate",
    ]
