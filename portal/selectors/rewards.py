"""Reads for the catalogue, a student's redemptions and the admin queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Redemption, Reward, StudentProfile
from portal.permissions import open_rewards
from portal.prepared import Prepared
from portal.selectors.counts import count_per_row

Status = Redemption.Status


class Sort:
    COST = "cost"
    COST_DESC = "-cost"
    NEWEST = "newest"
    CHOICES = (
        (COST, _("Cost: low to high")),
        (COST_DESC, _("Cost: high to low")),
        (NEWEST, _("Newest")),
    )
    ORDER = {COST: ("cost", "name"), COST_DESC: ("-cost", "name"), NEWEST: ("-created_at", "-id")}


def list_catalogue(
    *,
    profile: StudentProfile | None,
    category: str = "",
    affordable: bool = False,
    in_stock: bool = False,
    sort: str = Sort.COST,
) -> list[Reward]:
    """The catalogue for a viewer, filtered and sorted, in one query. For a student each reward
    carries `held` (how many they hold, for the per-student limit)."""
    # The sponsor's name is on the card ("Sponsored by ..."): joined, not one query per card.
    rewards = open_rewards().select_related("sponsor")
    if category:
        rewards = rewards.filter(category=category)
    if in_stock:
        rewards = rewards.filter(Q(stock__isnull=True) | Q(stock__gt=0))
    if affordable and profile is not None:
        rewards = rewards.filter(cost__lte=profile.balance)
    if profile is not None:
        # Read from (reward, student, status). Prizes are left out in the count, not the WHERE:
        # SQLite takes "prize IS NULL" for a one-row lookup on the prize's unique index and
        # scans every redemption (1.3 s at 50k).
        held = Redemption.objects.filter(student=profile, status__in=Redemption.ACTIVE_STATUSES)
        rewards = rewards.annotate(
            held=count_per_row(held, link="reward", where=Q(prize__isnull=True))
        )
    return list(rewards.order_by(*Sort.ORDER.get(sort, Sort.ORDER[Sort.COST])))


def affordable_rewards(profile: StudentProfile, *, limit: int = 4) -> list[Reward]:
    """For the student dashboard: what they can redeem now, dearest first (the best use).
    The student dashboard's reads are composed once per process (`portal.prepared`):
    composing its eight queries was a sixth of the page (issue 17)."""
    return _affordable(limit).all(profile.balance, timezone.now())


@cache
def _affordable(limit: int) -> Prepared:
    def build(balance: int, now: datetime) -> QuerySet[Reward]:
        return (
            open_rewards(now)
            .filter(cost__lte=balance)
            .filter(Q(stock__isnull=True) | Q(stock__gt=0))
            .filter(Q(available_from__isnull=True) | Q(available_from__lte=now))
            .order_by("-cost", "name")[:limit]
        )

    return Prepared(build, takes=(int, datetime))


def held_count(profile: StudentProfile, reward: Reward) -> int:
    return Redemption.objects.filter(
        student=profile, reward=reward, status__in=Redemption.ACTIVE_STATUSES
    ).aggregate(n=Count("id", filter=Q(prize__isnull=True)))["n"]  # see list_catalogue


def list_redemptions_for(profile: StudentProfile, *, limit: int | None = None) -> list[Redemption]:
    return _redemptions_of(limit).all(profile.pk)


@cache
def _redemptions_of(limit: int | None) -> Prepared:
    def build(student_id: int) -> QuerySet[Redemption]:
        redemptions = Redemption.objects.filter(student_id=student_id).select_related("reward")
        return redemptions[:limit] if limit else redemptions

    return Prepared(build)


def list_queue() -> QuerySet[Redemption]:
    """The admin queue: redemptions still needing a decision or a hand-over, oldest first."""
    return Redemption.objects.select_related("student__user", "reward")


def pending_count() -> int:
    """The admin menu's badge, on every page a catalogue manager opens: composed once."""
    return _pending.count()


_pending = Prepared(lambda: Redemption.objects.filter(status=Status.PENDING), takes=())


@dataclass(frozen=True)
class QueueCounts:
    pending: int
    approved: int


def get_queue_counts() -> QueueCounts:
    # Filtered first, so the count reads the open part of redemption_queue_idx instead of
    # scanning every redemption ever made (~180,000 at 50,000 students).
    counts = Redemption.objects.filter(status__in=[Status.PENDING, Status.APPROVED]).aggregate(
        pending=Count("id", filter=Q(status=Status.PENDING)),
        approved=Count("id", filter=Q(status=Status.APPROVED)),
    )
    return QueueCounts(**counts)
