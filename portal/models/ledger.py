"""The points ledger: categories and immutable transactions. Every point movement is one row;
mistakes are corrected by a reversal row, never by editing or deleting."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .accounts import StudentProfile
from .choices import ChoiceLabels

# Upper bound on one ledger entry; anything larger is a typo or an attack.
MAX_POINTS_PER_ENTRY = 100_000


class Category(models.Model):
    """What points are given for, with the bounds an award must respect."""

    name = models.CharField(max_length=80, unique=True, verbose_name=_("name"))
    description = models.CharField(max_length=255, blank=True, verbose_name=_("description"))
    default_points = models.PositiveIntegerField(default=10, verbose_name=_("default points"))
    min_points = models.PositiveIntegerField(default=1, verbose_name=_("min points"))
    max_points = models.PositiveIntegerField(default=100, verbose_name=_("max points"))
    yearly_cap = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Most points one student can get here per calendar year."),
        verbose_name=_("yearly cap"),
    )
    is_active = models.BooleanField(default=True, verbose_name=_("active"))
    issues_certificate = models.BooleanField(
        default=False,
        verbose_name=_("issues a certificate"),
        help_text=_("An approved activity claim or task here earns the student a certificate."),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"
        constraints = [
            models.CheckConstraint(condition=Q(min_points__gte=1), name="category_min_positive"),
            models.CheckConstraint(
                condition=Q(min_points__lte=models.F("max_points")), name="category_min_le_max"
            ),
            models.CheckConstraint(
                condition=Q(default_points__gte=models.F("min_points"))
                & Q(default_points__lte=models.F("max_points")),
                name="category_default_in_bounds",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TransactionQuerySet(models.QuerySet["Transaction"]):
    def update(self, **kwargs: Any) -> int:
        raise LedgerImmutableError("Ledger entries cannot be updated.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise LedgerImmutableError("Ledger entries cannot be deleted.")

    def for_student(self, profile: StudentProfile) -> TransactionQuerySet:
        return self.filter(student=profile)

    def earning(self) -> TransactionQuerySet:
        """Entries that count towards lifetime points (and so the leaderboard)."""
        return self.filter(counts_for_lifetime=True)


class LedgerImmutableError(Exception):
    pass


class Transaction(ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        AWARD = "award", _("Award")
        DEDUCTION = "deduction", _("Deduction")
        REDEMPTION = "redemption", _("Redemption")
        REFUND = "refund", _("Refund")
        ATTENDANCE = "attendance", _("Attendance")
        CLAIM = "claim", _("Activity claim")
        TASK = "task", _("Task")
        PRIZE = "prize", _("Prize")
        REVERSAL = "reversal", _("Reversal")
        # Unspent points taken back at a year-end close (services.year_end), as configured.
        EXPIRY = "expiry", _("Expiry")

    # Merit kinds move lifetime points (the leaderboard); spending (redemption, refund) does not.
    # A deduction is a penalty on merit, so it lowers lifetime points too. A reversal moves
    # lifetime points exactly when the entry it reverses did.
    LIFETIME_KINDS = frozenset(
        {Kind.AWARD, Kind.DEDUCTION, Kind.ATTENDANCE, Kind.CLAIM, Kind.TASK, Kind.PRIZE}
    )

    # student, category and actor have no index of their own: the (x, -created_at) indexes in
    # Meta serve every lookup by them, and each index is one more insertion per ledger write.
    student = models.ForeignKey(
        StudentProfile,
        on_delete=models.PROTECT,
        related_name="transactions",
        db_index=False,
        verbose_name=_("student"),
    )
    amount = models.IntegerField(verbose_name=_("amount"))
    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("kind"))
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transactions",
        db_index=False,
        verbose_name=_("category"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
        help_text=_("Who did it; empty for the system."),
        db_index=False,
        verbose_name=_("actor"),
    )
    reason = models.CharField(max_length=500, blank=True, verbose_name=_("reason"))
    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("created at")
    )
    idempotency_key = models.CharField(max_length=80, unique=True)
    # Stored rather than derived from `kind` so that period leaderboards and check_ledger can sum
    # it with one indexed filter, including reversals of merit entries.
    counts_for_lifetime = models.BooleanField()
    redemption = models.ForeignKey(
        "portal.Redemption",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transactions",
    )
    checkin = models.OneToOneField(
        "portal.CheckIn",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transaction",
    )
    claim = models.OneToOneField(
        "portal.ActivityClaim",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transaction",
    )
    task_assignment = models.OneToOneField(
        "portal.TaskAssignment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transaction",
    )
    draw_winner = models.OneToOneField(
        "portal.DrawWinner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transaction",
    )
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )

    objects = TransactionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="transaction_amount_not_zero"),
            models.CheckConstraint(
                condition=Q(amount__gte=-MAX_POINTS_PER_ENTRY)
                & Q(amount__lte=MAX_POINTS_PER_ENTRY),
                name="transaction_amount_bounded",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["award", "deduction"]) | ~Q(reason=""),
                name="transaction_reason_required",
            ),
            models.CheckConstraint(
                condition=~Q(kind="award") | Q(amount__gt=0), name="transaction_award_positive"
            ),
            models.CheckConstraint(
                condition=~Q(kind="deduction") | Q(amount__lt=0),
                name="transaction_deduction_negative",
            ),
            models.CheckConstraint(
                condition=~Q(kind="reversal") | Q(reverses__isnull=False),
                name="transaction_reversal_links_entry",
            ),
        ]
        indexes = [
            models.Index(fields=["student", "-created_at"], name="tx_student_recent_idx"),
            # On PostgreSQL it also INCLUDEs amount, kind, student and counts_for_lifetime
            # (migration 0037), for the faculty dashboard's trend figures.
            models.Index(fields=["actor", "-created_at"], name="tx_actor_recent_idx"),
            models.Index(fields=["kind", "-created_at"], name="tx_kind_recent_idx"),
            models.Index(fields=["category", "-created_at"], name="tx_category_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount:+d} for {self.student_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise LedgerImmutableError("Ledger entries cannot be changed; record a reversal.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise LedgerImmutableError("Ledger entries cannot be deleted; record a reversal.")

    @property
    def is_reversible_kind(self) -> bool:
        """Awards and deductions, and the points of an approved claim or task (reversing
        those revokes the certificate the approval issued)."""
        return self.kind in (self.Kind.AWARD, self.Kind.DEDUCTION, self.Kind.CLAIM, self.Kind.TASK)


class PeriodPoints(models.Model):
    """Points a student earned in one calendar week, month or term: a rollup of the ledger's
    earning entries, kept by `services.ledger.post_entry` under the profile lock it already
    holds. Period leaderboards read their top rows and the viewer's rank from
    `period_points_rank_idx` instead of summing the period's entries on every request (a term
    is ~170,000 entries at 2,000,000). `check_ledger` compares the current periods with the
    ledger; `rebuild_period_points` recomputes them after TIME_ZONE or UPAS_TERM_STARTS change."""

    PERIODS = ("week", "month", "term")  # selectors.periods.Period, less "all time"

    student = models.ForeignKey(
        StudentProfile,
        on_delete=models.CASCADE,
        related_name="period_points",
        db_index=False,  # the unique constraint's index starts with the student
    )
    period = models.CharField(max_length=5)
    starts_at = models.DateTimeField(help_text=_("When the period began, in TIME_ZONE."))
    points = models.IntegerField(default=0)
    # The student's department, copied so that a department's board counts its rows on
    # period_points_dept_rank_idx alone (joined to the students, a median student's
    # rank in a term read 40,000 rows at 50,000 students: 10 ms, issue 17). Written with the
    # points under the profile lock; a change of department carries it to the student's rows
    # (a trigger, migration 0039); `check_ledger` compares the copies.
    department = models.ForeignKey(
        "Department", on_delete=models.PROTECT, null=True, related_name="+", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["student", "period", "starts_at"], name="period_points_unique"
            ),
            models.CheckConstraint(
                condition=Q(period__in=["week", "month", "term"]), name="period_points_period"
            ),
        ]
        indexes = [
            models.Index(
                fields=["period", "starts_at", "-points", "student"], name="period_points_rank_idx"
            ),
            models.Index(
                fields=["period", "starts_at", "department", "-points", "student"],
                name="period_points_dept_rank_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.points} points for {self.student_id}, {self.period} of {self.starts_at:%x}"
