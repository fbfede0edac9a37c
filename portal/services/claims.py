"""Activity claims: a student asks for points in a category with evidence; a reviewer (faculty or
admin) approves it, crediting one ledger entry linked to the claim, or rejects it with a comment.

Lock order, as everywhere: the student's profile, then the claim. The ledger entry's idempotency
key is derived from the claim (`claim:<id>`), so even a bypassed status check could not credit a
claim twice: the unique constraint refuses the second entry. The yearly cap is checked by the
ledger's own `_check_yearly_cap` under the profile lock, so two reviewers approving two claims of
one student at once are serialised and the second sees the first's entry."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from portal.exceptions import LedgerError, PortalError
from portal.models import (
    ActivityClaim,
    Category,
    Notification,
    ReviewStatus,
    Role,
    StudentProfile,
    Transaction,
    User,
)
from portal.selectors.claims import get_claim_category
from portal.uploads import CheckedFile

from .audit import record_audit
from .ledger import _check_amount_bounds, _check_yearly_cap, lock_profile, post_entry
from .notifications import notify

# A claim is for something done in the last year (the caps are yearly).
MAX_CLAIM_AGE_DAYS = 365


class ClaimError(PortalError):
    pass


class Decision:
    APPROVE = "approve"
    REJECT = "reject"
    CHOICES = ((APPROVE, "Approve"), (REJECT, "Reject"))


def require_reviewer(actor: User, error: type[PortalError] = ClaimError) -> None:
    if actor.role not in (Role.FACULTY, Role.ADMIN) or not actor.is_active:
        raise error("forbidden", "Only faculty and admins review claims and tasks.")


def clean_decision(decision: str, comment: str, error: type[PortalError] = ClaimError) -> str:
    """Check a reviewer's decision and return the comment, trimmed. A rejection needs a comment:
    the student reads it."""
    if decision not in (Decision.APPROVE, Decision.REJECT):
        raise error("bad_decision", "Choose approve or reject.")
    comment = (comment or "").strip()[:500]
    if decision == Decision.REJECT and not comment:
        raise error(
            "comment_required",
            "Say why it is rejected; the student reads this comment.",
            field="comment",
        )
    return comment


def own_profile(actor: User, error: type[PortalError] = ClaimError) -> StudentProfile:
    """The acting student's profile, unlocked (only its id is read)."""
    if actor.role != Role.STUDENT or not actor.is_active:
        raise error("forbidden", "Only students can do this.")
    profile = StudentProfile.objects.filter(user=actor).only("pk").first()
    if profile is None:
        raise error("forbidden", "Only students can do this.")
    return profile


def lock_student(student_id: int) -> StudentProfile:
    """Lock a profile for a reviewer's decision (the student may have been deactivated since)."""
    return (
        StudentProfile.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=student_id)
    )


def check_activity_date(activity_date: date) -> None:
    today = timezone.localdate()
    if activity_date > today:
        raise ClaimError(
            "bad_date", "The activity date cannot be in the future.", field="activity_date"
        )
    if activity_date < today - timedelta(days=MAX_CLAIM_AGE_DAYS):
        raise ClaimError(
            "bad_date", "Claims are for activities in the last 12 months.", field="activity_date"
        )


def cap_message(category: Category, left: int) -> str:
    return (
        f"You can claim at most {left} more point{'s' if left != 1 else ''} in {category.name} "
        f"this year (cap {category.yearly_cap}: {category.credited} credited, "
        f"{category.pending} waiting for review)."
    )


@transaction.atomic
def submit_claim(
    *,
    actor: User,
    category_id: int,
    points: int,
    description: str,
    activity_date: date,
    evidence: CheckedFile,
    idempotency_key: str,
) -> ActivityClaim:
    """A student asks for points in a category, with evidence already checked by content.

    The points must lie within the category's bounds and, with the student's claims still
    waiting, within what is left of its yearly cap. Locks the student's profile; the same key
    twice returns the first claim (and stores no second file). Raises ClaimError (forbidden,
    key_conflict, description_required, bad_date, cap_reached) or LedgerError (unknown_category,
    inactive_category, out_of_bounds). Nothing is written or stored then."""
    profile = lock_profile(own_profile(actor).pk)
    existing = ActivityClaim.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if (
            existing.student_id != profile.pk
            or existing.category_id != category_id
            or existing.points != points
        ):
            raise ClaimError(
                "key_conflict", "This form was already used. Reload the page and try again."
            )
        return existing
    description = (description or "").strip()
    if not description:
        raise ClaimError("description_required", "Say what you did and when.", field="description")
    category = get_claim_category(profile, category_id)
    if category is None:
        if Category.objects.filter(pk=category_id).exists():
            raise LedgerError(
                "inactive_category", "This category is no longer in use.", field="category"
            )
        raise LedgerError("unknown_category", "Choose a category.", field="category")
    _check_amount_bounds(category, points)
    check_activity_date(activity_date)
    if category.left is not None and points > category.left:
        raise ClaimError("cap_reached", cap_message(category, category.left), field="points")
    claim = ActivityClaim(
        student=profile,
        category=category,
        points=points,
        description=description[:2000],
        activity_date=activity_date,
        evidence_type=evidence.kind,
        idempotency_key=idempotency_key,
    )
    # The file is written only now, after every check passed.
    claim.evidence.save(evidence.content.name, evidence.content, save=False)
    try:
        with transaction.atomic():
            claim.save()
    except IntegrityError as exc:
        claim.evidence.delete(save=False)
        raise ClaimError(
            "key_conflict", "This form was already used. Reload the page and try again."
        ) from exc
    return claim


def _lock_claim(claim_id: int) -> tuple[StudentProfile, ActivityClaim]:
    """Lock a claim's student profile, then the claim."""
    found = ActivityClaim.objects.filter(pk=claim_id).values("student_id").first()
    if found is None:
        raise ClaimError("not_found", "This claim does not exist.")
    profile = lock_student(found["student_id"])
    claim = (
        ActivityClaim.objects.select_for_update(of=("self",))
        .select_related("category", "decided_by")
        .get(pk=claim_id)
    )
    claim.student = profile  # already loaded, with the user
    return profile, claim


def _already_decided(claim: ActivityClaim) -> ClaimError:
    if claim.status == ReviewStatus.WITHDRAWN:
        return ClaimError(
            "already_decided", "The student withdrew this claim; nothing was changed."
        )
    who = claim.decided_by.name if claim.decided_by else "someone"
    when = timezone.localtime(claim.decided_at).strftime("%d %b, %H:%M") if claim.decided_at else ""
    return ClaimError(
        "already_decided",
        f"This claim was already {claim.get_status_display().lower()} by {who}"
        f"{' on ' + when if when else ''}; nothing was changed.",
    )


@transaction.atomic
def withdraw_claim(*, actor: User, claim_id: int) -> ActivityClaim:
    """The student takes back their own claim while it waits for review.

    Raises ClaimError: not_found (also for someone else's), already_decided."""
    profile, claim = _lock_claim(claim_id)
    if profile.user_id != actor.pk:
        raise ClaimError("not_found", "This claim does not exist.")
    if claim.status != ReviewStatus.PENDING:
        raise _already_decided(claim)
    claim.status = ReviewStatus.WITHDRAWN
    claim.save(update_fields=["status"])
    return claim


@transaction.atomic
def decide_claim(*, actor: User, claim_id: int, decision: str, comment: str = "") -> ActivityClaim:
    """Approve a pending claim (its points credited as a `claim` ledger entry, within the yearly
    cap) or reject it with a comment. Final: a decision applies only to a claim still pending,
    so a double click or two reviewers at once change it once. Audited; the student is notified.

    Locks the student's profile, then the claim. Raises ClaimError: forbidden, bad_decision,
    comment_required, not_found, already_decided, cap_reached. Nothing is written then."""
    require_reviewer(actor)
    comment = clean_decision(decision, comment)
    profile, claim = _lock_claim(claim_id)
    if claim.status != ReviewStatus.PENDING:
        raise _already_decided(claim)
    if decision == Decision.APPROVE:
        try:
            _check_yearly_cap(profile, claim.category, claim.points)
        except LedgerError as exc:
            raise ClaimError(
                exc.code, f"Not approved: {exc.message} Reject it with a comment instead."
            ) from exc
        summary = (
            claim.description if len(claim.description) <= 120 else claim.description[:119] + "…"
        )
        post_entry(
            profile,
            amount=claim.points,
            kind=Transaction.Kind.CLAIM,
            actor=actor,
            category=claim.category,
            reason=summary,  # the entry's kind already says "Activity claim"
            idempotency_key=f"claim:{claim.pk}",
            counts_for_lifetime=True,
            claim=claim,
        )
    claim.status = ReviewStatus.APPROVED if decision == Decision.APPROVE else ReviewStatus.REJECTED
    claim.decided_by, claim.decided_at, claim.review_comment = actor, timezone.now(), comment
    claim.save(update_fields=["status", "decided_by", "decided_at", "review_comment"])
    record_audit(
        actor=actor,
        action=f"claim.{decision}",
        target=claim,
        before={"status": ReviewStatus.PENDING},
        after={"status": claim.status, "points": claim.points, "comment": comment},
    )
    if decision == Decision.APPROVE:
        message = f"Your {claim.category.name} claim was approved: +{claim.points} points."
    else:
        message = f"Your {claim.category.name} claim was not approved: {comment}"
    notify(
        profile.user, kind=Notification.Kind.CLAIM, message=message, link=reverse("portal:claims")
    )
    return claim
