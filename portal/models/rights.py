"""Students' requests to have their personal data erased (GDPR-style "right to be forgotten"),
which an admin approves or refuses. `services.data_rights` does the erasure."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ChoiceLabels


class ErasureRequest(ChoiceLabels, models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an admin")
        ERASED = "erased", _("Erased")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="erasure_requests"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # Why an admin refused (shown to the student).
    answer = models.CharField(_("answer"), max_length=500, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status="pending"),
                name="one_pending_erasure_per_user",
            ),
        ]
        indexes = [
            models.Index(
                fields=["requested_at"], condition=Q(status="pending"), name="erasure_pending_idx"
            )
        ]

    def __str__(self) -> str:
        return f"erasure {self.status} for {self.user_id}"
