"""Reads for the Discord bot: who a Discord user is in the portal, and the objects its
commands name in words (a category, a reward)."""

from __future__ import annotations

from django.db.models import Q

from portal.models import Category, DiscordLink, Reward, User
from portal.permissions import open_rewards


def linked_user(discord_user_id: str) -> User | None:
    """The active portal account linked to this Discord user, with its student profile (one
    query). None when nobody is linked, or the account was deactivated."""
    link = (
        DiscordLink.objects.select_related("user__student_profile__department")
        .filter(discord_user_id=discord_user_id, user__is_active=True)
        .first()
    )
    return link.user if link else None


def link_of(user: User) -> DiscordLink | None:
    return DiscordLink.objects.filter(user=user).first()


def category_named(name: str) -> Category | None:
    """The category with this name (any case), active or not: the ledger says why an inactive
    one is refused."""
    return Category.objects.filter(name__iexact=name.strip()).first()


def rewards_matching(text: str, *, limit: int = 5) -> list[Reward]:
    """Rewards in the catalogue named by `text`: its number, its exact name (any case), else
    every reward whose name contains it. The caller redeems only a single match."""
    text = text.strip().lstrip("#")
    if not text:
        return []
    catalogue = open_rewards()
    exact = (
        Q(pk=int(text))
        if text.isascii() and text.isdigit() and len(text) < 10
        else Q(name__iexact=text)
    )
    found = list(catalogue.filter(exact)[:2])
    if found:
        return found
    return list(catalogue.filter(name__icontains=text).order_by("name")[:limit])
