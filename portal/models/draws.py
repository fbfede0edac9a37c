"""Prize draws that anyone can verify. The seed is secret until the draw is performed; its
SHA-256 commitment is public from the start, so nobody (admins included) can choose the seed
after seeing the entrants. Winners are a pure function of the seed, the draw id and the frozen,
sorted entrant list: see portal.domain.draw_algorithm."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .accounts import StudentProfile
from .choices import ChoiceLabels
from .events import Event
from .rewards import Reward


def new_seed() -> str:
    return secrets.token_hex(32)


class Draw(ChoiceLabels, models.Model):
    class Eligibility(models.TextChoices):
        ATTENDEES = "attendees", _("Everyone checked in to the event")
        ENTRANTS = "entrants", _("Students who enter")

    class Status(models.TextChoices):
        OPEN = "open", _("Open for entries")
        DRAWN = "drawn", _("Drawn")

    title = models.CharField(max_length=160, verbose_name=_("title"))
    prize = models.CharField(
        max_length=255, help_text=_("What the winners get, in words."), verbose_name=_("prize")
    )
    reward = models.ForeignKey(
        Reward,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="draws",
        help_text=_("A catalogue reward each winner receives through the fulfilment queue."),
        verbose_name=_("reward"),
    )
    prize_points = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Or a number of points credited to each winner."),
        verbose_name=_("prize points"),
    )
    event = models.ForeignKey(
        Event,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="draws",
        verbose_name=_("event"),
    )
    eligibility = models.CharField(
        max_length=16,
        choices=Eligibility.choices,
        default=Eligibility.ENTRANTS,
        verbose_name=_("eligibility"),
    )
    winners_count = models.PositiveSmallIntegerField(default=1, verbose_name=_("winners count"))
    alternates_count = models.PositiveSmallIntegerField(
        default=0, verbose_name=_("alternates count")
    )
    entry_deadline = models.DateTimeField(verbose_name=_("entry deadline"))
    claim_deadline = models.DateTimeField(verbose_name=_("claim deadline"))
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.OPEN, verbose_name=_("status")
    )
    # Secret until performed; never rendered while the draw is open.
    seed = models.CharField(max_length=64, default=new_seed, editable=False)
    commitment = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="draws_created"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    performed_at = models.DateTimeField(null=True, blank=True)
    # Frozen when performed: how many entrants, and a digest of their sorted ids, so that an
    # entry added or removed afterwards is detected by verify_draw.
    entrant_count = models.PositiveIntegerField(null=True, blank=True)
    entrants_digest = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-entry_deadline", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reward__isnull=True) | Q(prize_points__isnull=True),
                name="draw_one_prize_kind",
            ),
            models.CheckConstraint(
                condition=Q(prize_points__isnull=True) | Q(prize_points__gte=1),
                name="draw_prize_points_positive",
            ),
            models.CheckConstraint(condition=Q(winners_count__gte=1), name="draw_has_winners"),
            models.CheckConstraint(
                condition=Q(claim_deadline__gt=models.F("entry_deadline")),
                name="draw_claim_after_entry",
            ),
            models.CheckConstraint(
                condition=~Q(eligibility="attendees") | Q(event__isnull=False),
                name="draw_attendees_need_event",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(performed_at__isnull=False),
                name="draw_drawn_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "entry_deadline"], name="draw_status_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_drawn(self) -> bool:
        return self.status == self.Status.DRAWN

    @property
    def revealed_seed(self) -> str:
        """The seed, only once the draw has been performed."""
        return self.seed if self.is_drawn else ""

    @property
    def entries_open(self) -> bool:
        return self.status == self.Status.OPEN and timezone.now() < self.entry_deadline


class DrawEntry(models.Model):
    """One student in one draw. Entry ids are the public, stable sort key of the frozen list."""

    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="entries")
    student = models.ForeignKey(
        StudentProfile, on_delete=models.PROTECT, related_name="draw_entries"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "student"], name="draw_entry_once"),
        ]
        indexes = [models.Index(fields=["student", "draw"], name="draw_entry_student_idx")]

    def __str__(self) -> str:
        return f"Entry {self.pk} in {self.draw_id}"


class DrawWinner(ChoiceLabels, models.Model):
    """A pick, in order: the first `winners_count` are offered the prize at once; alternates wait
    and are offered it, in order, when an offered prize is not claimed in time."""

    class Status(models.TextChoices):
        OFFERED = "offered", _("Offered")
        WAITING = "waiting", _("Alternate, waiting")
        CLAIMED = "claimed", _("Claimed")
        FORFEITED = "forfeited", _("Not claimed in time")

    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="winners")
    entry = models.OneToOneField(DrawEntry, on_delete=models.PROTECT, related_name="pick")
    position = models.PositiveSmallIntegerField(help_text=_("1 for the first pick."))
    is_alternate = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices)
    offered_at = models.DateTimeField(null=True, blank=True)
    claim_deadline = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    forfeited_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaces"
    )

    class Meta:
        ordering = ["draw", "position"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "position"], name="draw_winner_position"),
            models.CheckConstraint(
                condition=~Q(status="claimed") | Q(claimed_at__isnull=False),
                name="draw_winner_claimed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Pick {self.position} of draw {self.draw_id}"
