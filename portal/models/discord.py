"""Discord accounts linked to portal accounts, and the one-time codes that link them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DiscordLink(models.Model):
    """A portal account and the Discord user whose slash commands act as it: one each way."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="discord_link"
    )
    # A snowflake: digits, kept as text (it passes 2**53, which JSON readers may round).
    discord_user_id = models.CharField(_("Discord user id"), max_length=20, unique=True)
    linked_at = models.DateTimeField(_("linked at"), default=timezone.now)

    class Meta:
        ordering = ["-linked_at", "-id"]

    def __str__(self) -> str:
        return f"Discord {self.discord_user_id} -> user {self.user_id}"


class DiscordLinkCode(models.Model):
    """A pending link: the code shown once in Settings, kept only as its HMAC, valid until
    `expires_at` and spent by the first /link that names it. One per user (a new one replaces
    it)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="discord_link_code"
    )
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Discord link code for user {self.user_id}"
