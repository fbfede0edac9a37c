"""Certificates and co-curricular transcripts: signed documents a student hands to anyone.

Each row keeps the signed JSON it was issued with (`signed`: {"document", "signature"}, see
portal.domain.signing), so the PDF, the JSON download, the Open Badge and the public
verification page always show the record as it was on the issue date. Revocation is the only
change after issue; it is online state and never touches the signed content."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ChoiceLabels

CODE_BYTES = 24  # 192 bits: guessing a code is hopeless, and verification is rate-limited
CODE_LENGTH = 32  # len(secrets.token_urlsafe(CODE_BYTES))


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


class SignedRecord(models.Model):
    code = models.CharField(max_length=CODE_LENGTH, unique=True, default=new_code, editable=False)
    issued_at = models.DateTimeField(default=timezone.now, editable=False)
    signed = models.JSONField(editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        abstract = True

    @property
    def document(self) -> dict:
        return self.signed["document"]

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class Certificate(ChoiceLabels, SignedRecord):
    """One achievement: an event attended, a claim or task approved, or what an admin issues."""

    class Source(models.TextChoices):
        EVENT = "event", _("Event attended")
        CLAIM = "claim", _("Activity approved")
        TASK = "task", _("Task completed")
        ADMIN = "admin", _("Issued by an administrator")

    holder = models.ForeignKey(
        "portal.StudentProfile", on_delete=models.PROTECT, related_name="certificates"
    )
    source = models.CharField(max_length=8, choices=Source.choices)
    title = models.CharField(max_length=200)
    activity_date = models.DateField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    event = models.ForeignKey(
        "portal.Event", null=True, blank=True, on_delete=models.PROTECT, related_name="certificates"
    )
    # What produced it: at most one certificate each (the unique constraints make issuing
    # idempotent), and annulling or reversing it revokes the certificate.
    checkin = models.OneToOneField(
        "portal.CheckIn",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificate",
    )
    claim = models.OneToOneField(
        "portal.ActivityClaim",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificate",
    )
    assignment = models.OneToOneField(
        "portal.TaskAssignment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificate",
    )

    # The admin's form sends one, so a double submit issues one certificate.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=["event", "claim", "task", "admin"]),
                name="certificate_source_known",
            ),
        ]
        indexes = [models.Index(fields=["holder", "issued_at"], name="certificate_holder_idx")]

    def __str__(self) -> str:
        return f"{self.title} ({self.code[:6]}…)"


class Transcript(SignedRecord):
    """A student's co-curricular record at one moment, issued on request."""

    holder = models.ForeignKey(
        "portal.StudentProfile", on_delete=models.PROTECT, related_name="transcripts"
    )
    # What it lists ("checkin:12", "claim:3", "task:7"): an item withdrawn later (a check-in
    # annulled, an approval reversed) revokes the transcripts that list it.
    items = models.JSONField(default=list, editable=False)

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"transcript {self.code[:6]}…"


class TranscriptHiddenItem(ChoiceLabels, models.Model):
    """An item the student left out of their transcript (it stays in the ledger)."""

    class Kind(models.TextChoices):
        CHECKIN = "checkin", _("Event")
        CLAIM = "claim", _("Activity")
        TASK = "task", _("Task")
        CLUB = "club", _("Club")

    holder = models.ForeignKey(
        "portal.StudentProfile", on_delete=models.CASCADE, related_name="hidden_items"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    item_id = models.PositiveBigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["holder", "kind", "item_id"], name="hide_transcript_item_once"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["checkin", "claim", "task", "club"]),
                name="hidden_item_kind_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.item_id} hidden by {self.holder_id}"


class CertificateBatch(ChoiceLabels, models.Model):
    """An admin's bulk issue for an event, worked through by the background worker; the page
    polls `done` of `total`."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Issuing")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")

    event = models.ForeignKey(
        "portal.Event", on_delete=models.CASCADE, related_name="certificate_batches"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"certificates for event {self.event_id}: {self.done}/{self.total}"
