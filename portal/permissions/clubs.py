"""Clubs: who creates them and appoints officers (admins), who joins (students), and the club
officer's scoped role: an officer organises and runs the events of *their* club, nothing else.

Being an officer is a membership row, not a role on the account, so asking costs a query:
these functions ask only when the answer can change something (a student or faculty member at
a club event's door), never on every page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from portal.models import Club, ClubMembership, User

from .roles import is_admin, is_staff, is_student

OFFICER = ClubMembership.Position.OFFICER


def _active(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def can_manage_clubs(user: User | None) -> bool:
    """Create and edit clubs, appoint and dismiss officers: admins."""
    return is_admin(user)


def can_join_clubs(user: User | None) -> bool:
    """Join and leave clubs: students."""
    return is_student(user)


def is_officer_of(user: User | None, club_id: int | None) -> bool:
    """An officer of that club (one query; none when there is no club or no active user)."""
    if club_id is None or not _active(user):
        return False
    return ClubMembership.objects.filter(user=user, club_id=club_id, position=OFFICER).exists()


def is_club_officer(user: User | None) -> bool:
    """An officer of any club (one query)."""
    if not _active(user):
        return False
    return ClubMembership.objects.filter(user=user, position=OFFICER).exists()


def clubs_run_by(user: User | None) -> QuerySet[Club]:
    """The clubs whose events `user` may attach an event to: every club for admins, the clubs
    they are an officer of for anyone else."""
    if is_admin(user):
        return Club.objects.all()
    if not _active(user):
        return Club.objects.none()
    return Club.objects.filter(memberships__user=user, memberships__position=OFFICER)


def access_club(viewer: User | None, slug: str) -> Club:
    """A club by its address (every club is public to signed-in users); 404 otherwise."""
    return get_object_or_404(Club, slug=slug)


def organiser_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The door of the organiser pages (event form, check-in screen, attendance): faculty,
    admins and club officers. Anonymous users go to the login page, anyone else gets 403; which
    events an officer may touch is `can_manage_event`'s answer (404 for the others)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (is_staff(user) or is_club_officer(user)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
