"""Partner accounts (docs/PARTNERS.md): outside professionals who review resumes. A partner is
never a student, faculty member or admin: the member pages (points, leaderboards, events,
clubs, rewards, people) are fenced off for them at one door (`PartnerFenceMiddleware`), so a
page added later is closed to partners until someone opens it on purpose."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from portal.models import Reviewer, Role, User

from .accounts import administers_everyone

# The portal pages a partner may open (URL names in the "portal" namespace): their dashboard,
# their own account and notifications, and the public pages anyone may open. allauth's pages
# (password, email, two-factor) are outside the namespace and stay open.
PARTNER_PAGES = frozenset(
    {
        "dashboard",
        "settings",
        "profile-update",
        "data-export",
        "notifications",
        "notification-bell",
        "notifications-read-all",
        "notification-open",
        "language",
        "healthz",
        "verify",
        "jwks",
        "draw-verify",
        "calendar-feed",
        "discord-interactions",
        "event-scan",
        # The reviewer pages (sessions, availability, feedback, the resume and the session's
        # calendar file): the career views check per reviewer and per request who may see what.
        "career-reviewing",
        "career-slot-add",
        "career-slot-remove",
        "career-confirm",
        "career-decline",
        "career-complete",
        "career-no-show",
        "career-resume",
        "career-session-ics",
    }
)


def is_partner(user: User | None) -> bool:
    """An active partner account."""
    return (
        user is not None
        and user.is_authenticated
        and user.is_active
        and getattr(user, "role", None) == Role.PARTNER
    )


def partner_may_open(url_name: str | None, namespace: str) -> bool:
    """Whether a partner may open this page (the fence's question)."""
    if namespace != "portal":
        return True
    return url_name in PARTNER_PAGES


def can_manage_partners(user: User | None) -> bool:
    """Create partner companies, invite and deactivate partner accounts: admins without a
    department limit (partners belong to no department)."""
    return administers_everyone(user)


def can_see_reviewer_analytics(user: User | None) -> bool:
    """The reviewer analytics report: admins without a department limit (it spans every
    reviewer, and reviewers are not in departments)."""
    return administers_everyone(user)


def partner_reviewer_of(user: User) -> Reviewer:
    """The partner's own reviewer row with its company (404 when an admin removed it: the
    dashboard has nothing to show then)."""
    if not is_partner(user):
        raise Http404
    return get_object_or_404(Reviewer.objects.select_related("company"), user=user)


def access_partner_account(viewer: User, pk: int) -> User:
    """A partner account, for an admin who manages partners (404 for anyone else, and for
    accounts that are not partners)."""
    if not can_manage_partners(viewer):
        raise Http404
    return get_object_or_404(User.objects.all(), pk=pk, role=Role.PARTNER)
