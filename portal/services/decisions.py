"""The tail every review decision shares (an activity claim, a task submission): once the
caller holds the locks (the student's profile, then the item) and has checked the item still
waits, approving checks the category and credits the points, and either way the item is
stamped with who decided, audited, and the student told. `decide_claim` and `decide_task`
say what differs: the credit, the messages, the link."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.exceptions import LedgerError, PortalError
from portal.models import (
    ActivityClaim,
    Category,
    Notification,
    ReviewDecision,
    StudentProfile,
    TaskAssignment,
    User,
)

from .audit import record_audit
from .certificates import issue_for_approval
from .ledger import check_amount_bounds, check_yearly_cap, post_entry
from .notifications import notify


@dataclass(frozen=True)
class Credit:
    """What approving an item credits: one ledger entry, linked to the item."""

    amount: int
    kind: str  # a Transaction.Kind
    category: Category
    reason: str
    idempotency_key: str  # derived from the item, so a second credit is impossible
    link: dict[str, Any]  # post_entry's link to the item: {"claim": claim}
    check_bounds: bool  # the category's bounds and active flag apply (a claim's points)


@dataclass(frozen=True)
class Told:
    """What the student reads, approved or not (the comment is added), and where it links."""

    approved: str
    rejected: str
    link: str


def apply_decision(
    *,
    actor: User,
    profile: StudentProfile,
    item: ActivityClaim | TaskAssignment,
    name: str,
    decision: str,
    comment: str,
    credit: Credit,
    told: Told,
    error: type[PortalError],
) -> None:
    """Caller holds the profile and item locks, has cleaned `decision` and `comment`, and has
    checked the item is still waiting. `name` ("claim", "task") names the audit action.

    Raises `error` with the ledger's code (inactive_category, out_of_bounds, cap_reached) when
    approval would break a category rule; nothing is written then."""
    waiting = item.status
    approve = decision == ReviewDecision.APPROVE
    if approve:
        try:
            if credit.check_bounds:
                check_amount_bounds(credit.category, credit.amount)
            check_yearly_cap(profile, credit.category, credit.amount)
        except LedgerError as exc:
            raise error(
                exc.code,
                _("Not approved: %(reason)s Reject it with a comment instead.")
                % {"reason": exc.message},
            ) from exc
        post_entry(
            profile,
            amount=credit.amount,
            kind=credit.kind,
            actor=actor,
            category=credit.category,
            reason=credit.reason,
            idempotency_key=credit.idempotency_key,
            counts_for_lifetime=True,
            **credit.link,
        )
        if credit.category.issues_certificate:
            issue_for_approval(item, profile=profile, by=actor)
    statuses = type(item).Status
    item.status = statuses.APPROVED if approve else statuses.REJECTED
    item.decided_by, item.decided_at, item.review_comment = actor, timezone.now(), comment
    item.save(update_fields=["status", "decided_by", "decided_at", "review_comment"])
    record_audit(
        actor=actor,
        action=f"{name}.{decision}",
        target=item,
        before={"status": waiting},
        after={"status": item.status, "points": credit.amount, "comment": comment},
    )
    notify(
        profile.user,
        kind=Notification.Kind.CLAIM,
        message=told.approved if approve else told.rejected,
        link=told.link,
    )
