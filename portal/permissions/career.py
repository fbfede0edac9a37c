"""Resume reviews: who asks for one (students), who reviews (anyone with an active Reviewer
row: faculty, career staff, partner professionals later), who manages reviewers (admins), and
who may open a request's resume or session (its student, its reviewer, admins)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone

from portal.models import Reviewer, ReviewRequest, Role, User

from .accounts import administers_everyone, in_admins_reach
from .roles import is_admin, is_staff, is_student

# The roles whose Reviewer row counts: a leftover row of a student or alumnus never does.
REVIEWER_ROLES = (Role.FACULTY, Role.ADMIN, Role.PARTNER)
# How long after a completed or missed session its reviewer may still open the resume.
RESUME_AFTER_SESSION = timedelta(days=14)


def can_request_review(user: User | None) -> bool:
    """Ask for a resume review: active students."""
    return is_student(user)


def can_manage_reviewers(user: User | None) -> bool:
    """Make faculty and admins reviewers, change or deactivate them: admins without a
    department limit."""
    return administers_everyone(user)


def may_offer_reviews(user: User | None) -> bool:
    """Show the "Reviewing" link without a query: staff may be reviewers (the page itself
    checks the Reviewer row)."""
    return is_staff(user)


def active_reviewer(user: User | None) -> Reviewer | None:
    """The user's Reviewer row when it is active, the account is too and its role may review
    (faculty, admin, partner); one query."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.role not in REVIEWER_ROLES:
        return None
    return Reviewer.objects.filter(user=user, is_active=True).select_related("user").first()


def can_be_reviewer(user: User | None) -> bool:
    """Who an admin may make a reviewer here: active faculty and admins (partner accounts
    get their Reviewer row with their account)."""
    return is_staff(user)


def reviewer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous users go to the login page; users without an active Reviewer row get 403.
    The view receives the reviewer as `request.reviewer`."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        reviewer = active_reviewer(request.user)
        if reviewer is None:
            raise PermissionDenied
        request.reviewer = reviewer  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def access_own_request(viewer: User, pk: int) -> ReviewRequest:
    """One of the viewer's own review requests (404 for anyone else's)."""
    return get_object_or_404(
        ReviewRequest.objects.select_related("specialty", "slot", "reviewer__user"),
        pk=pk,
        student=viewer,
    )


def access_assigned_request(reviewer: Reviewer, pk: int) -> ReviewRequest:
    """A request proposed to or scheduled with this reviewer (404 for any other)."""
    return get_object_or_404(
        ReviewRequest.objects.select_related("specialty", "slot", "student"),
        pk=pk,
        reviewer=reviewer,
    )


def reviewer_may_open_resume(request: ReviewRequest, *, now=None) -> bool:
    """The assigned reviewer's window on the resume: while the request is proposed or
    scheduled, and up to RESUME_AFTER_SESSION after a completed or missed session."""
    Status = ReviewRequest.Status
    if request.status in (Status.PROPOSED, Status.CONFIRMED):
        return True
    if request.status in (Status.COMPLETED, Status.NO_SHOW) and request.closed_at is not None:
        return (now or timezone.now()) <= request.closed_at + RESUME_AFTER_SESSION
    return False


def access_request_file(viewer: User, pk: int) -> ReviewRequest:
    """A request whose resume the viewer may open: its student, its assigned reviewer (see
    reviewer_may_open_resume), or an admin whose reach covers the student; 404 for everyone
    else and once the file is gone (erased, retention, cancelled)."""
    request = get_object_or_404(
        ReviewRequest.objects.select_related("reviewer__user", "student__student_profile"),
        pk=pk,
    )
    if not request.resume:
        raise Http404
    if request.student_id == viewer.pk:
        return request
    if is_admin(viewer) and in_admins_reach(viewer, request.student):
        return request
    if (
        request.reviewer is not None
        and request.reviewer.user_id == viewer.pk
        and request.reviewer.is_active
        and viewer.role in REVIEWER_ROLES
        and reviewer_may_open_resume(request)
    ):
        return request
    raise Http404


def access_session(viewer: User, pk: int) -> ReviewRequest:
    """A scheduled (or past) session the viewer takes part in, for its calendar file: its
    student or its reviewer; 404 for everyone else and for requests with no session."""
    request = get_object_or_404(
        ReviewRequest.objects.select_related("slot", "reviewer__user", "student", "specialty"),
        pk=pk,
        status__in=[ReviewRequest.Status.CONFIRMED, ReviewRequest.Status.COMPLETED],
    )
    if request.student_id == viewer.pk:
        return request
    if request.reviewer.user_id == viewer.pk:
        return request
    raise Http404
