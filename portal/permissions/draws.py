"""Prize draws."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from portal.models import Draw, User

from .roles import is_admin, is_student


def can_run_draws(user: User | None) -> bool:
    """Create, edit, perform draws and pass prizes on: admins."""
    return is_admin(user)


def can_enter_draws(user: User | None) -> bool:
    """Enter draws and claim prizes: students."""
    return is_student(user)


def access_draw_for_admin(viewer: User, pk: int) -> Draw:
    """A draw an admin works on (the views are admin-only at the door)."""
    return get_object_or_404(Draw.objects.all(), pk=pk)


def access_performed_draw(pk: int) -> Draw:
    """A performed draw: its verification page is public; an open one is 404 for everyone,
    so nobody learns anything about it before the seed is revealed."""
    return get_object_or_404(Draw.objects.all(), pk=pk, status=Draw.Status.DRAWN)
