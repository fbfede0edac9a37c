"""Points: who awards, who reverses what, whose history one sees."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from portal.models import StudentProfile, Transaction, User

from .roles import is_admin, is_alumnus, is_staff, is_student


def can_award(user: User | None) -> bool:
    """Award and deduct points, single or in bulk: faculty and admins."""
    return is_staff(user)


def sees_everyones_history(user: User | None) -> bool:
    """Staff read the whole ledger; a student only their own entries."""
    return is_staff(user)


def within_reversal_window(entry: Transaction, now: datetime | None = None) -> bool:
    """Whether faculty may still reverse their own entry (REVERSAL_WINDOW_HOURS)."""
    window = timedelta(hours=settings.UPAS_REVERSAL_WINDOW_HOURS)
    return entry.created_at >= (now or timezone.now()) - window


def can_reverse(actor: User, entry: Transaction, *, now: datetime | None = None) -> bool:
    """Whether the reverse button applies: an award or deduction not reversed yet, by an admin,
    or by the faculty member who made it within the window. `reverse_transaction` enforces the
    same rules, with a message for each refusal."""
    if not entry.is_reversible_kind or hasattr(entry, "reversed_by"):
        return False
    if is_admin(actor):
        return True
    return is_staff(actor) and entry.actor_id == actor.pk and within_reversal_window(entry, now)


def student_profile_of(user: User) -> StudentProfile:
    """The signed-in student's own profile (404 for anyone without one)."""
    if not is_student(user):
        raise Http404
    try:
        return user.student_profile
    except StudentProfile.DoesNotExist as exc:
        raise Http404 from exc


def reads_own_history(user: User | None) -> bool:
    """Their own ledger and redemptions: students, and alumni (read-only: they act no more)."""
    return is_student(user) or is_alumnus(user)


def own_history_profile_of(user: User) -> StudentProfile:
    """The profile whose history a student or an alumnus reads (404 for anyone else)."""
    if not reads_own_history(user):
        raise Http404
    try:
        return user.student_profile
    except StudentProfile.DoesNotExist as exc:
        raise Http404 from exc


def access_transaction_for_reversal(actor: User, transaction_id: int) -> Transaction:
    """A ledger entry the actor may reverse: admins any, faculty only their own.

    The time window and the "not yet reversed" rule are the service's to enforce, so that a
    refusal there gets a message rather than a 404."""
    entry = get_object_or_404(
        Transaction.objects.select_related("student__user", "category"), pk=transaction_id
    )
    if is_admin(actor):
        return entry
    if is_staff(actor) and entry.actor_id == actor.pk:
        return entry
    raise Http404
