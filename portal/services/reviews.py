"""The review queue's decisions: one door for a claim or a task submission, singly or in bulk."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from portal.exceptions import PortalError
from portal.models import ActivityClaim, TaskAssignment, User
from portal.selectors.reviews import Kind

from .claims import ClaimError, clean_decision, decide_claim, require_reviewer
from .tasks import decide_task


def decide_review(
    *, actor: User, kind: str, item_id: int, decision: str, comment: str = ""
) -> ActivityClaim | TaskAssignment:
    """Approve or reject one claim (`kind` "claim") or task submission ("task"); see
    `decide_claim` and `decide_task` for the rules and errors."""
    if kind == Kind.CLAIM:
        return decide_claim(actor=actor, claim_id=item_id, decision=decision, comment=comment)
    if kind == Kind.TASK:
        return decide_task(actor=actor, assignment_id=item_id, decision=decision, comment=comment)
    raise ClaimError("not_found", _("There is no such item to review."))


@dataclass
class BulkOutcome:
    done: list[ActivityClaim | TaskAssignment] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # ("claim #3", reason)


def decide_many(
    *, actor: User, items: Iterable[tuple[str, int]], decision: str, comment: str = ""
) -> BulkOutcome:
    """One decision for several items, each in its own transaction: an item decided meanwhile
    (or refused, say by a yearly cap) is skipped and reported, the others go through. A bad
    decision or a rejection without a comment refuses the whole batch before anything is done."""
    require_reviewer(actor)
    clean_decision(decision, comment)
    outcome = BulkOutcome()
    for kind, item_id in sorted(set(items)):
        try:
            outcome.done.append(
                decide_review(
                    actor=actor, kind=kind, item_id=item_id, decision=decision, comment=comment
                )
            )
        except PortalError as exc:
            label = _("claim #%(id)s") if kind == Kind.CLAIM else _("task #%(id)s")
            outcome.skipped.append((label % {"id": item_id}, exc.message))
    return outcome
