"""Tokens that let another system use the JSON API (/api/v1/) as one portal user."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The longest a token may be made to last.
MAX_TOKEN_DAYS = 3650


class ApiScope(models.TextChoices):
    """What a token may do, on top of what its owner may do (the API acts as the owner, so
    every page rule still applies)."""

    READ = "read", _("Read students, balances, history, rewards, events and draws")
    AWARD = "award", _("Award and deduct points, single and in bulk")
    MANAGE = "manage", _("Reverse ledger entries and decide redemptions")
    REDEEM = "redeem", _("Redeem rewards")
    CHECKIN = "checkin", _("Check students in to events")


class ApiToken(models.Model):
    """A bearer token. The secret is shown once; only its SHA-256 is kept, beside a short
    prefix that identifies the token in lists and finds its row."""

    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_tokens",
        verbose_name=_("acts as"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    # A user's own read token from their settings page (one at most), not an integration.
    personal = models.BooleanField(default=False)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    # Only students of this department are visible to and writable through the token.
    department = models.ForeignKey(
        "Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner"],
                condition=models.Q(personal=True, revoked_at__isnull=True),
                name="api_token_one_personal",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired


class ApiIdempotencyKey(models.Model):
    """The first answer to a write sent with an `Idempotency-Key`: the same key again returns
    it unchanged; the same key with another body is refused. Written in the write's own
    transaction, so a refused or failed write leaves no key behind."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    action = models.CharField(max_length=32)
    request_digest = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(default=0)
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="api_idempotency_key_once")
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.key}"
