"""Rewards and redemptions."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from portal.models import Redemption, Reward, User

from .roles import is_admin, is_student


def can_manage_catalogue(user: User | None) -> bool:
    """Edit rewards and decide redemptions: admins."""
    return is_admin(user)


def can_redeem(user: User | None) -> bool:
    return is_student(user)


def open_rewards(now: datetime | None = None) -> QuerySet[Reward]:
    """Rewards a student can see in the catalogue: active and not past their window (at `now`,
    by default the present)."""
    now = now or timezone.now()
    return Reward.objects.filter(is_active=True).filter(
        Q(available_until__isnull=True) | Q(available_until__gt=now)
    )


def visible_rewards(viewer: User) -> QuerySet[Reward]:
    """Admins see every reward; everyone else what the catalogue shows."""
    return Reward.objects.all() if can_manage_catalogue(viewer) else open_rewards()


def access_reward(viewer: User, pk: int) -> Reward:
    return get_object_or_404(visible_rewards(viewer), pk=pk)


def access_own_redemption(viewer: User, pk: int) -> Redemption:
    """One of the viewer's own redemptions (404 for anyone else's)."""
    return get_object_or_404(Redemption.objects.all(), pk=pk, student__user=viewer)
