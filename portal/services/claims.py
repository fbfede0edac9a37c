"""Activity claims: a student asks for points in a category with evidence; a reviewer (faculty or
admin) approves it, crediting one ledger entry linked to the claim, or rejects it with a comment.

Lock order, as everywhere: the student's profile, then the claim. The ledger entry's idempotency
key is derived from the claim (`claim:<id>`), so even a bypassed status check could not credit a
claim twice: the unique constraint refuses the second entry. The yearly cap is checked by the
ledger's own `check_yearly_cap` under the profile lock, so two reviewers approving two claims of
one student at once are serialised and the second sees the first's entry."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.exceptions import LedgerError, PortalError
from portal.models import (
    MAX_CLAIM_AGE_DAYS,
    ActivityClaim,
    Category,
    ReviewDecision,
    ReviewStatus,
    StudentProfile,
    Transaction,
    User,
)
from portal.permissions import can_claim, can_review, refuse_alumni, require
from portal.selectors.claims import get_claim_category
from portal.uploads import CheckedFile

from .decisions import Credit, Told, apply_decision
from .ledger import check_amount_bounds, lock_profile
from .mentors import tell_mentor
from .notifications import in_language_of

# A claim is for something done in the last year (the caps are yearly).


class ClaimError(PortalError):
    pass


def require_reviewer(actor: User, error: type[PortalError] = ClaimError) -> None:
    require(can_review(actor), error, _("Only faculty and admins review claims and tasks."))


def clean_decision(decision: str, comment: str, error: type[PortalError] = ClaimError) -> str:
    """Check a reviewer's decision and return the comment, trimmed. A rejection needs a comment:
    the student reads it."""
    if decision not in ReviewDecision.values:
        raise error("bad_decision", _("Choose approve or reject."))
    comment = (comment or "").strip()[:500]
    if decision == ReviewDecision.REJECT and not comment:
        raise error(
            "comment_required",
            _("Say why it is rejected; the student reads this comment."),
            field="comment",
        )
    return comment


def own_profile(actor: User, error: type[PortalError] = ClaimError) -> StudentProfile:
    """The acting student's profile, unlocked (only its id is read)."""
    refuse_alumni(actor, error)
    require(can_claim(actor), error, _("Only students can do this."))
    profile = StudentProfile.objects.filter(user=actor).only("pk").first()
    if profile is None:
        raise error("forbidden", _("Only students can do this."))
    return profile


def lock_student(student_id: int) -> StudentProfile:
    """Lock a profile for a reviewer's decision (the student may have been deactivated since)."""
    return (
        StudentProfile.objects.select_for_update(of=("self",), no_key=True)
        .select_related("user")
        .get(pk=student_id)
    )


def check_activity_date(activity_date: date) -> None:
    today = timezone.localdate()
    if activity_date > today:
        raise ClaimError(
            "bad_date", _("The activity date cannot be in the future."), field="activity_date"
        )
    if activity_date < today - timedelta(days=MAX_CLAIM_AGE_DAYS):
        raise ClaimError(
            "bad_date",
            _("Claims are for activities in the last 12 months."),
            field="activity_date",
        )


def cap_message(category: Category, left: int) -> str:
    return ngettext(
        "You can claim at most %(left)s more point in %(category)s this year "
        "(cap %(cap)s: %(credited)s credited, %(pending)s waiting for review).",
        "You can claim at most %(left)s more points in %(category)s this year "
        "(cap %(cap)s: %(credited)s credited, %(pending)s waiting for review).",
        left,
    ) % {
        "left": left,
        "category": category.name,
        "cap": category.yearly_cap,
        "credited": category.credited,
        "pending": category.pending,
    }


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
    inactive_category, out_of_bounds). Nothing is written or stored then. The student's mentor
    hears of the new claim."""
    profile = lock_profile(own_profile(actor).pk)
    existing = ActivityClaim.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if (
            existing.student_id != profile.pk
            or existing.category_id != category_id
            or existing.points != points
        ):
            raise ClaimError(
                "key_conflict", _("This form was already used. Reload the page and try again.")
            )
        return existing
    description = (description or "").strip()
    if not description:
        raise ClaimError(
            "description_required", _("Say what you did and when."), field="description"
        )
    category = get_claim_category(profile, category_id)
    if category is None:
        if Category.objects.filter(pk=category_id).exists():
            raise LedgerError(
                "inactive_category", _("This category is no longer in use."), field="category"
            )
        raise LedgerError("unknown_category", _("Choose a category."), field="category")
    check_amount_bounds(category, points)
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
            "key_conflict", _("This form was already used. Reload the page and try again.")
        ) from exc
    tell_mentor(claim)
    return claim


def _lock_claim(claim_id: int) -> tuple[StudentProfile, ActivityClaim]:
    """Lock a claim's student profile, then the claim."""
    found = ActivityClaim.objects.filter(pk=claim_id).values("student_id").first()
    if found is None:
        raise ClaimError("not_found", _("This claim does not exist."))
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
            "already_decided", _("The student withdrew this claim; nothing was changed.")
        )
    values = {
        "status": claim.get_status_display().lower(),
        "who": claim.decided_by.name if claim.decided_by else _("someone"),
    }
    if claim.decided_at:
        values["when"] = date_format(timezone.localtime(claim.decided_at), "d M, H:i")
        message = _(
            "This claim was already %(status)s by %(who)s on %(when)s; nothing was changed."
        )
    else:
        message = _("This claim was already %(status)s by %(who)s; nothing was changed.")
    return ClaimError("already_decided", message % values)


@transaction.atomic
def withdraw_claim(*, actor: User, claim_id: int) -> ActivityClaim:
    """The student takes back their own claim while it waits for review.

    Raises ClaimError: not_found (also for someone else's), already_decided."""
    profile, claim = _lock_claim(claim_id)
    if profile.user_id != actor.pk:
        raise ClaimError("not_found", _("This claim does not exist."))
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
    _decide(actor, profile, claim, decision, comment)
    return claim


def _decide(
    actor: User | None, profile: StudentProfile, claim: ActivityClaim, decision: str, comment: str
) -> None:
    """Under the locks, with `claim` still pending: `decide_claim`'s (and the stale-claim
    job's) shared tail."""
    category = claim.category.name
    summary = claim.description if len(claim.description) <= 120 else claim.description[:119] + "…"
    with in_language_of(profile.user):  # what the student reads, in their language
        told = Told(
            approved=ngettext(
                "Your %(category)s claim was approved: +%(points)s point.",
                "Your %(category)s claim was approved: +%(points)s points.",
                claim.points,
            )
            % {"category": category, "points": claim.points},
            rejected=_("Your %(category)s claim was not approved: %(comment)s")
            % {"category": category, "comment": comment},
            link=reverse("portal:claims"),
        )
    apply_decision(
        actor=actor,
        profile=profile,
        item=claim,
        name="claim",
        decision=decision,
        comment=comment,
        # The category may have changed since the claim was made: its bounds and its active
        # flag apply at approval, as they do to an award.
        credit=Credit(
            amount=claim.points,
            kind=Transaction.Kind.CLAIM,
            category=claim.category,
            reason=summary,  # the entry's kind already says "Activity claim"
            idempotency_key=f"claim:{claim.pk}",
            link={"claim": claim},
            check_bounds=True,
        ),
        told=told,
        error=ClaimError,
    )


def decline_stale_claims(*, older_than: timedelta, now: datetime | None = None) -> int:
    """Reject the claims nobody reviewed within `older_than` (the scheduled job, when the
    university sets CLAIM_AUTO_DECLINE_DAYS), with a comment saying so; the student is told
    and may claim again. Each in its own transaction under the usual locks; one decided
    meanwhile is skipped. Audited with no actor. Returns how many were declined."""
    cutoff = (now or timezone.now()) - older_than
    stale = list(
        ActivityClaim.objects.filter(status=ReviewStatus.PENDING, created_at__lt=cutoff)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:500]
    )
    days = max(1, older_than.days)
    comment = ngettext(
        "Nobody reviewed this claim within %(days)s day; submit it again if it still applies.",
        "Nobody reviewed this claim within %(days)s days; submit it again if it still applies.",
        days,
    ) % {"days": days}
    declined = 0
    for pk in stale:
        with transaction.atomic():
            profile, claim = _lock_claim(pk)
            if claim.status != ReviewStatus.PENDING:
                continue
            _decide(None, profile, claim, ReviewDecision.REJECT, comment)
        declined += 1
    return declined
