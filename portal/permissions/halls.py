"""Halls: who keeps the list of halls (admins), who may ask for one (organisers: faculty, club
officers, admins), who decides the requests (admins), and whose requests one sees."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from portal.models import Hall, HallBooking, User

from .clubs import is_club_officer
from .roles import is_admin, is_staff


def can_manage_halls(user: User | None) -> bool:
    """Create and edit halls, approve, reject and cancel any booking: admins."""
    return is_admin(user)


def can_book_halls(user: User | None) -> bool:
    """See the halls and their weeks, and request a hall: faculty and admins, and club officers
    (one query for a student, asked only on the hall pages and the menu)."""
    return is_staff(user) or is_club_officer(user)


def can_cancel_booking(user: User | None, booking: HallBooking) -> bool:
    """Withdraw a request or give up a booking: the person who asked; cancel one: admins."""
    if is_admin(user):
        return True
    return user is not None and user.is_authenticated and booking.requested_by_id == user.pk


def access_hall(viewer: User | None, pk: int) -> Hall:
    """A hall (organisers see every hall, active or not); 404 otherwise."""
    return get_object_or_404(Hall, pk=pk)


def bookings_visible_to(viewer: User | None) -> QuerySet[HallBooking]:
    """Every booking for admins; for anyone else the ones they asked for."""
    if is_admin(viewer):
        return HallBooking.objects.all()
    if viewer is None or not viewer.is_authenticated:
        return HallBooking.objects.none()
    return HallBooking.objects.filter(requested_by=viewer)


def access_booking(viewer: User | None, pk: int) -> HallBooking:
    """A booking its requester or an admin may act on; 404 for anyone else."""
    return get_object_or_404(bookings_visible_to(viewer).select_related("hall"), pk=pk)
