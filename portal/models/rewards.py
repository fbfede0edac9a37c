"""The rewards catalogue and redemptions. Stock and the per-student limit are enforced by
portal.services.rewards under row locks; the CHECK constraints are the last line."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .accounts import StudentProfile
from .choices import ChoiceLabels


class Reward(ChoiceLabels, models.Model):
    class Category(models.TextChoices):
        MERCHANDISE = "merchandise", _("Merchandise")
        FOOD = "food", _("Food and drink")
        EXPERIENCE = "experience", _("Experiences")
        ACADEMIC = "academic", _("Academic")
        VOUCHER = "voucher", _("Vouchers")

    name = models.CharField(max_length=120, verbose_name=_("name"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    category = models.CharField(
        max_length=16,
        choices=Category.choices,
        default=Category.MERCHANDISE,
        verbose_name=_("category"),
    )
    image = models.ImageField(upload_to="rewards/", blank=True, verbose_name=_("image"))
    cost = models.PositiveIntegerField(verbose_name=_("cost"))
    stock = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Units left; empty means unlimited."),
        verbose_name=_("stock"),
    )
    limit_per_student = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Most one student may redeem; empty means no limit."),
        verbose_name=_("limit per student"),
    )
    is_active = models.BooleanField(default=True, verbose_name=_("active"))
    # The partner company that pays for this reward (shown on the card; counted on the
    # company's dashboard). PROTECT: a company with sponsored rewards is not deleted.
    sponsor = models.ForeignKey(
        "Company",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sponsored_rewards",
        verbose_name=_("sponsored by"),
    )
    available_from = models.DateTimeField(null=True, blank=True, verbose_name=_("available from"))
    available_until = models.DateTimeField(null=True, blank=True, verbose_name=_("available until"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["cost", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(cost__gte=1), name="reward_cost_positive"),
            models.CheckConstraint(
                condition=Q(stock__isnull=True) | Q(stock__gte=0), name="reward_stock_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(limit_per_student__isnull=True) | Q(limit_per_student__gte=1),
                name="reward_limit_positive",
            ),
            models.CheckConstraint(
                condition=Q(available_from__isnull=True)
                | Q(available_until__isnull=True)
                | Q(available_from__lt=models.F("available_until")),
                name="reward_window_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["is_active", "cost"], name="reward_active_cost_idx"),
            models.Index(fields=["is_active", "-created_at"], name="reward_active_new_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def in_stock(self) -> bool:
        return self.stock is None or self.stock > 0


class Redemption(ChoiceLabels, models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        FULFILLED = "fulfilled", _("Fulfilled")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    class Decision(models.TextChoices):
        """What an admin decides about a redemption in the queue."""

        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")
        FULFIL = "fulfil", _("Mark fulfilled")

    # Statuses that hold a unit of stock and count towards the per-student limit.
    ACTIVE_STATUSES = (Status.PENDING, Status.APPROVED, Status.FULFILLED)

    student = models.ForeignKey(
        StudentProfile,
        on_delete=models.PROTECT,
        related_name="redemptions",
        verbose_name=_("student"),
    )
    reward = models.ForeignKey(
        Reward, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("reward")
    )
    cost = models.PositiveIntegerField(
        help_text=_("What the reward cost when it was redeemed."), verbose_name=_("cost")
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    admin_note = models.CharField(max_length=500, blank=True, verbose_name=_("note"))
    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("created at")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    fulfilled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=80, unique=True)
    # Set when the redemption hands over a draw prize: it cost nothing, took no stock and does
    # not count towards the per-student limit.
    prize = models.OneToOneField(
        "portal.DrawWinner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="redemption",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(prize__isnull=True) | Q(cost=0), name="redemption_prize_is_free"
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(admin_note=""),
                name="redemption_reject_has_note",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="redemption_queue_idx"),
            models.Index(fields=["student", "-created_at"], name="redemption_student_idx"),
            models.Index(fields=["reward", "student", "status"], name="redemption_limit_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reward} for {self.student_id} ({self.status})"

    @property
    def is_prize(self) -> bool:
        return self.prize_id is not None
