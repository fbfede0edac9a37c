"""Resume reviews: every state change of a review request and of a reviewer's availability.

The life of a request (docs/CAREER.md):

    requested --match--> proposed --confirm--> confirmed --complete--> completed (+points, rated)
        ^                   |                      |----no-show-----> no_show (7-day bar)
        |----decline--------+ (next reviewer)      |
    cancelled (student: any time while waiting or proposed, up to 24 h before a confirmed
               session; an admin: any live request, e.g. a session held but never recorded)
    declined (every reviewer who could take it declined)

A cancelled or declined request needs no resume: its file is deleted once the transaction
has committed.

Matching: the earliest free slot, starting at least MATCH_LEAD from now, of an active reviewer
who knows the request's specialty and has not declined it. Taking a slot locks the slot row and
re-checks it is free; the conditional unique constraint `one_live_request_per_slot` is the last
line (a violation counts as "taken" and the next slot is tried), so two students never share a
slot. A reviewer's slots never overlap: the service checks under the reviewer's row lock, and
on PostgreSQL the exclusion constraint of migration 0031 holds it too.

Lock order: the student's profile (completing credits points), then the reviewer, then the slot,
then the request. Notifications are sent after commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portal.exceptions import LedgerError, PortalError
from portal.models import (
    Category,
    Notification,
    Reviewer,
    ReviewRequest,
    ReviewSlot,
    Role,
    Specialty,
    StudentProfile,
    Transaction,
    User,
)
from portal.permissions import (
    can_administer,
    can_be_reviewer,
    can_manage_reviewers,
    can_request_review,
    refuse_alumni,
    require,
)
from portal.permissions.career import REVIEWER_ROLES
from portal.selectors import career as selectors
from portal.uploads import CheckedFile

from .audit import record_audit
from .ledger import check_yearly_cap, lock_profile, post_entry, tell_student
from .notifications import in_language_of, notify

Status = ReviewRequest.Status

# A proposed session starts at least this far ahead: the reviewer has time to confirm, and it
# is always more than CANCEL_NOTICE away, so the student can still cancel once it is confirmed.
MATCH_LEAD = timedelta(hours=36)
# A student may cancel a confirmed session up to this long before it starts (a proposed one,
# not confirmed yet, any time).
CANCEL_NOTICE = timedelta(hours=24)
# A no-show can be marked from this long after the start...
NO_SHOW_FROM = timedelta(minutes=10)
# ...until this long after the end.
NO_SHOW_UNTIL = timedelta(days=7)
NO_SHOW_BAR = selectors.NO_SHOW_BAR
# What a published slot may look like.
SLOT_MIN = timedelta(minutes=15)
SLOT_MAX = timedelta(hours=4)
SLOT_HORIZON = timedelta(days=90)
# How many candidate slots one match tries before giving up (each is locked and re-checked).
MATCH_TRIES = 10
REMIND_AHEAD = timedelta(hours=24)

# The ledger category completed reviews credit (created on first use; admins may change its
# points and cap like any category's, but not its name).
REVIEW_CATEGORY = "Resume review"
REVIEW_POINTS = 25


class CareerError(PortalError):
    """Codes: forbidden, barred, already_live, unknown_specialty, target_role_required,
    not_waiting, too_late, not_started, not_finished, bad_score, already_rated, bad_slot,
    slot_past, slot_too_long, slot_too_short, slot_too_far, overlap, slot_booked, unknown_user,
    not_reviewable, not_found."""


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "D j M, H:i")


def _tell(user: User, message: Callable[[], str], link: str) -> None:
    """Notify `user` (in their language) once the transaction has committed."""

    def send() -> None:
        with in_language_of(user):
            notify(user, kind=Notification.Kind.CAREER, message=message(), link=link)

    transaction.on_commit(send)


STUDENT_PAGE = "portal:career"
REVIEWER_PAGE = "portal:career-reviewing"


def review_category() -> Category:
    category, _created = Category.objects.get_or_create(
        name=REVIEW_CATEGORY,
        defaults={
            "description": "A completed resume review session.",
            "default_points": REVIEW_POINTS,
            "min_points": 1,
            "max_points": 100,
        },
    )
    return category


def _lock_request(pk: int) -> ReviewRequest:
    try:
        return (
            ReviewRequest.objects.select_for_update(of=("self",))
            .select_related("slot", "reviewer__user", "student", "specialty")
            .get(pk=pk)
        )
    except ReviewRequest.DoesNotExist as exc:
        raise CareerError("not_found", _("This request no longer exists.")) from exc


def _drop_resume(request: ReviewRequest) -> None:
    """Clear a closed request's resume and delete the file once the transaction commits."""
    if not request.resume:
        return
    file = request.resume
    name, storage = file.name, file.storage
    ReviewRequest.objects.filter(pk=request.pk).update(resume="")
    request.resume = ""
    transaction.on_commit(lambda: storage.delete(name))


# --- matching ------------------------------------------------------------------------------


def _take(request: ReviewRequest, slot_id: int, now: datetime) -> bool:
    """Give `request` the slot if it is still free: lock the slot, re-check, save. False when
    another request holds it (seen under the lock, or refused by the unique constraint)."""
    slot = (
        ReviewSlot.objects.select_for_update()
        .select_related("reviewer__user")
        .filter(pk=slot_id)
        .first()
    )
    if slot is None:
        return False
    if ReviewRequest.objects.filter(slot=slot, status__in=ReviewRequest.HOLDING).exists():
        return False
    request.slot = slot
    request.reviewer = slot.reviewer
    request.status = Status.PROPOSED
    request.proposed_at = now
    try:
        with transaction.atomic():
            request.save(update_fields=["slot", "reviewer", "status", "proposed_at"])
    except IntegrityError:
        return False
    return True


def _match(request: ReviewRequest, *, now: datetime) -> bool:
    """Propose the best free slot to a waiting request (the caller holds its lock). True when
    one was proposed; the reviewer hears of it."""
    skip = list(request.declined_by.values_list("pk", flat=True))
    candidates = selectors.free_slots_for(
        request.specialty_id, earliest=now + MATCH_LEAD, skip=skip, student_id=request.student_id
    ).values_list("pk", flat=True)[:MATCH_TRIES]
    for slot_id in candidates:
        if _take(request, slot_id, now):
            _tell_proposed(request)
            return True
    return False


def _tell_proposed(request: ReviewRequest) -> None:
    slot, reviewer, student = request.slot, request.reviewer, request.student
    _tell(
        reviewer.user,
        lambda: (
            _("New resume review to confirm: %(student)s, %(when)s.")
            % {"student": student.name, "when": _when(slot.starts_at)}
        ),
        reverse(REVIEWER_PAGE),
    )
    _tell(
        student,
        lambda: (
            _("A reviewer was found for your resume review: %(when)s, waiting for them to confirm.")
            % {"when": _when(slot.starts_at)}
        ),
        reverse(STUDENT_PAGE),
    )


def _offer(slot: ReviewSlot, *, now: datetime) -> ReviewRequest | None:
    """A slot became free (new, or released): propose it to the oldest waiting request the
    reviewer can take (locking it, then the slot)."""
    reviewer = slot.reviewer
    user = reviewer.user
    may_review = reviewer.is_active and user.is_active and user.role in REVIEWER_ROLES
    if not may_review or slot.starts_at < now + MATCH_LEAD:
        return None
    waiting = (
        ReviewRequest.objects.filter(
            status=Status.REQUESTED, specialty__in=reviewer.specialties.all()
        )
        .exclude(declined_by=reviewer)
        .exclude(student=user)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:MATCH_TRIES]
    )
    for pk in waiting:
        request = _lock_request(pk)
        if request.status != Status.REQUESTED:
            continue
        if _take(request, slot.pk, now):
            _tell_proposed(request)
            return request
        return None  # the slot was taken meanwhile
    return None


# --- the student's side ----------------------------------------------------------------------


@transaction.atomic
def request_review(
    *,
    actor: User,
    target_role: str,
    specialty_id: int,
    resume: CheckedFile,
    preferred_times: str = "",
    notes: str = "",
) -> ReviewRequest:
    """A student asks for a review of their resume (a PDF already checked by content) and is
    proposed the best free slot at once when there is one.

    One live request per student; none for a week after a missed session. Locks the
    student's profile, so a replayed form finds the first request live. Raises CareerError
    (forbidden, alumnus, barred, already_live, target_role_required, unknown_specialty,
    not_pdf); nothing is written or stored then."""
    refuse_alumni(actor, CareerError)
    require(can_request_review(actor), CareerError, _("Only students can ask for a review."))
    profile = StudentProfile.objects.filter(user=actor).only("pk").first()
    if profile is None:
        raise CareerError("forbidden", _("Only students can ask for a review."))
    try:
        lock_profile(profile.pk)
    except LedgerError as exc:  # suspended or graduated since the page was read
        raise CareerError("forbidden", _("Only students can ask for a review.")) from exc
    now = timezone.now()
    until = selectors.barred_until(actor, now=now)
    if until is not None:
        raise CareerError(
            "barred",
            _("You missed a session, so you can ask for a new review from %(date)s.")
            % {"date": _when(until)},
        )
    if selectors.live_requests().filter(student=actor).exists():
        raise CareerError(
            "already_live",
            _("You already have a review in progress; cancel it or wait until it is done."),
        )
    target_role = (target_role or "").strip()[:120]
    if not target_role:
        raise CareerError(
            "target_role_required", _("Say which role you are aiming for."), field="target_role"
        )
    specialty = Specialty.objects.filter(pk=specialty_id).first()
    if specialty is None:
        raise CareerError(
            "unknown_specialty", _("Choose a field from the list."), field="specialty"
        )
    if resume.kind != "pdf":
        raise CareerError("not_pdf", _("Upload your resume as a PDF."), field="resume")
    request = ReviewRequest(
        student=actor,
        target_role=target_role,
        specialty=specialty,
        preferred_times=(preferred_times or "").strip()[:300],
        notes=(notes or "").strip()[:2000],
        created_at=now,
    )
    request.resume.save(resume.content.name, resume.content, save=False)
    request.save()
    record_audit(
        actor=actor,
        action="career.request",
        target=request,
        after={"specialty": specialty.pk, "target_role": target_role},
    )
    _match(request, now=now)
    return request


@transaction.atomic
def cancel_request(*, actor: User, request_id: int, reason: str = "") -> ReviewRequest:
    """Call off a live request. Its student: any time while it waits for a match or a
    reviewer's confirmation, and up to CANCEL_NOTICE before a confirmed session. An admin whose
    reach covers the student: any live request, with a reason (a stuck proposal, or a session
    whose time passed without feedback). The slot is freed and offered to the next waiting
    request; the resume file is deleted. Raises CareerError: not_found, not_live, too_late,
    reason_required."""
    # The reviewer's row first, then the request: the order confirm, decline and complete take
    # them in, so a cancel racing a confirmation waits instead of deadlocking.
    reviewer_id = (
        ReviewRequest.objects.filter(pk=request_id).values_list("reviewer_id", flat=True).first()
    )
    if reviewer_id is not None:
        list(Reviewer.objects.select_for_update().filter(pk=reviewer_id).values_list("pk"))
    request = _lock_request(request_id)
    by_admin = request.student_id != actor.pk
    if by_admin and not can_administer(
        actor, User.objects.select_related("student_profile").get(pk=request.student_id)
    ):
        raise CareerError("not_found", _("This request no longer exists."))
    if request.status not in (Status.REQUESTED, Status.PROPOSED, Status.CONFIRMED):
        raise CareerError("not_live", _("This request is already closed."))
    if by_admin and not (reason or "").strip():
        raise CareerError(
            "reason_required", _("Say why the request is closed; the student reads it.")
        )
    now = timezone.now()
    slot = request.slot
    if not by_admin and slot is not None and request.status == Status.CONFIRMED:  # noqa: SIM102
        if slot.starts_at - now < CANCEL_NOTICE:
            raise CareerError(
                "too_late",
                _(
                    "Sessions can be cancelled up to 24 hours before they start; this one "
                    "starts %(when)s. If you cannot come, tell your reviewer."
                )
                % {"when": _when(slot.starts_at)},
            )
    before = request.status
    request.status = Status.CANCELLED
    request.closed_at = now
    request.cancelled_by = actor
    request.reason = (reason or "").strip()[:300]
    request.slot = None
    request.save(update_fields=["status", "closed_at", "cancelled_by", "reason", "slot"])
    _drop_resume(request)
    record_audit(
        actor=actor,
        action="career.close" if by_admin else "career.cancel",
        target=request,
        before={"status": before, "slot": slot.pk if slot else None},
        after={"status": request.status, **({"reason": request.reason} if by_admin else {})},
    )
    if by_admin:
        student, closed_reason = request.student, request.reason
        _tell(
            student,
            lambda: (
                _("An administrator closed your resume review request: %(reason)s")
                % {"reason": closed_reason}
            ),
            reverse(STUDENT_PAGE),
        )
    if slot is not None and before != Status.REQUESTED:
        reviewer = request.reviewer
        student_name = request.student.name
        _tell(
            reviewer.user,
            lambda: (
                _("%(student)s cancelled the resume review of %(when)s.")
                % {"student": student_name, "when": _when(slot.starts_at)}
            ),
            reverse(REVIEWER_PAGE),
        )
        if slot.starts_at > now:
            _offer(ReviewSlot.objects.select_related("reviewer__user").get(pk=slot.pk), now=now)
    return request


@transaction.atomic
def rate_review(*, actor: User, request_id: int, rating: int, comment: str = "") -> ReviewRequest:
    """The student rates a completed review, once (1 to 5). Raises CareerError: not_found,
    not_completed, already_rated, bad_score."""
    request = _lock_request(request_id)
    if request.student_id != actor.pk:
        raise CareerError("not_found", _("This request no longer exists."))
    if request.status != Status.COMPLETED:
        raise CareerError("not_completed", _("You can rate a review once it is completed."))
    if request.rating is not None:
        raise CareerError("already_rated", _("You have already rated this review."))
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise CareerError("bad_score", _("Choose from 1 to 5."), field="rating")
    request.rating = rating
    request.rating_comment = (comment or "").strip()[:500]
    request.rated_at = timezone.now()
    request.save(update_fields=["rating", "rating_comment", "rated_at"])
    record_audit(actor=actor, action="career.rate", target=request, after={"rating": rating})
    return request


# --- the reviewer's side ---------------------------------------------------------------------


def _lock_reviewer(actor: User) -> Reviewer:
    reviewer = (
        Reviewer.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(user=actor, is_active=True, user__is_active=True, user__role__in=REVIEWER_ROLES)
        .first()
    )
    if reviewer is None:
        raise CareerError("forbidden", _("Only active reviewers can do this."))
    return reviewer


def _assigned(reviewer: Reviewer, request_id: int) -> ReviewRequest:
    request = _lock_request(request_id)
    if request.reviewer_id != reviewer.pk:
        raise CareerError("not_found", _("This request no longer exists."))
    return request


@transaction.atomic
def add_slot(*, actor: User, starts_at: datetime, ends_at: datetime) -> ReviewSlot:
    """A reviewer publishes a time they can give. It must be in the future (within 90 days),
    15 minutes to 4 hours long, and overlap none of their slots. The new slot is offered to
    the oldest waiting request it suits. Locks the reviewer's row. Raises CareerError:
    forbidden, bad_slot, slot_past, slot_too_short, slot_too_long, slot_too_far, overlap."""
    reviewer = _lock_reviewer(actor)
    now = timezone.now()
    if starts_at is None or ends_at is None or ends_at <= starts_at:
        raise CareerError("bad_slot", _("The end must come after the start."), field="ends_at")
    if starts_at <= now:
        raise CareerError("slot_past", _("Choose a time in the future."), field="starts_at")
    if starts_at > now + SLOT_HORIZON:
        raise CareerError(
            "slot_too_far", _("Publish times at most 90 days ahead."), field="starts_at"
        )
    if ends_at - starts_at < SLOT_MIN:
        raise CareerError(
            "slot_too_short", _("A session lasts at least 15 minutes."), field="ends_at"
        )
    if ends_at - starts_at > SLOT_MAX:
        raise CareerError("slot_too_long", _("A session lasts at most 4 hours."), field="ends_at")
    overlapping = ReviewSlot.objects.filter(
        reviewer=reviewer, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    overlap = CareerError(
        "overlap", _("This time overlaps one you already published."), field="starts_at"
    )
    if overlapping.exists():
        raise overlap
    slot = ReviewSlot(reviewer=reviewer, starts_at=starts_at, ends_at=ends_at, created_at=now)
    try:
        with transaction.atomic():
            slot.save()
    except IntegrityError as exc:  # PostgreSQL's exclusion constraint
        raise overlap from exc
    record_audit(
        actor=actor,
        action="career.slot_add",
        target=slot,
        after={"starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()},
    )
    _offer(slot, now=now)
    return slot


@transaction.atomic
def remove_slot(*, actor: User, slot_id: int) -> None:
    """A reviewer takes back a future slot nobody holds. Raises CareerError: not_found,
    slot_booked, slot_past."""
    reviewer = _lock_reviewer(actor)
    slot = ReviewSlot.objects.select_for_update().filter(pk=slot_id, reviewer=reviewer).first()
    if slot is None:
        raise CareerError("not_found", _("This time is no longer published."))
    if slot.starts_at <= timezone.now():
        raise CareerError("slot_past", _("Past times stay on record."))
    if ReviewRequest.objects.filter(slot=slot).exists():
        raise CareerError(
            "slot_booked",
            _("A student holds this time; decline the proposal first."),
        )
    record_audit(
        actor=actor,
        action="career.slot_remove",
        target=slot,
        before={"starts_at": slot.starts_at.isoformat(), "ends_at": slot.ends_at.isoformat()},
    )
    slot.delete()


@transaction.atomic
def confirm_request(*, actor: User, request_id: int) -> ReviewRequest:
    """The reviewer confirms a proposed session; both get it in their calendar. Raises
    CareerError: forbidden, not_found, not_proposed, slot_past."""
    reviewer = _lock_reviewer(actor)
    request = _assigned(reviewer, request_id)
    if request.status != Status.PROPOSED:
        raise CareerError("not_proposed", _("This request is not waiting for you any more."))
    now = timezone.now()
    if request.slot.starts_at <= now:
        raise CareerError("slot_past", _("This time has passed; decline it instead."))
    request.status = Status.CONFIRMED
    request.confirmed_at = now
    request.save(update_fields=["status", "confirmed_at"])
    record_audit(
        actor=actor,
        action="career.confirm",
        target=request,
        before={"status": Status.PROPOSED},
        after={"status": Status.CONFIRMED},
    )
    slot = request.slot
    _tell(
        request.student,
        lambda: (
            _("Your resume review is scheduled: %(when)s with %(reviewer)s.")
            % {"when": _when(slot.starts_at), "reviewer": actor.name}
        ),
        reverse(STUDENT_PAGE),
    )
    return request


@transaction.atomic
def decline_request(*, actor: User, request_id: int, reason: str = "") -> ReviewRequest:
    """The reviewer declines a proposed session: the slot is freed (and offered to another
    waiting request) and the request is matched again without this reviewer. When no other
    reviewer can take it now it waits for one, unless every reviewer of its field has declined
    it: then it is closed as declined. Raises CareerError: forbidden, not_found, not_proposed."""
    reviewer = _lock_reviewer(actor)
    request = _assigned(reviewer, request_id)
    if request.status != Status.PROPOSED:
        raise CareerError("not_proposed", _("This request is not waiting for you any more."))
    now = timezone.now()
    slot = request.slot
    request.declined_by.add(reviewer)
    request.status = Status.REQUESTED
    request.slot = None
    request.reviewer = None
    request.proposed_at = None
    request.reason = (reason or "").strip()[:300]
    request.save(update_fields=["status", "slot", "reviewer", "proposed_at", "reason"])
    record_audit(
        actor=actor,
        action="career.decline",
        target=request,
        before={"status": Status.PROPOSED, "slot": slot.pk},
        after={"reason": request.reason},
    )
    if not _match(request, now=now):
        others = (
            Reviewer.objects.filter(is_active=True, specialties=request.specialty_id)
            .exclude(pk__in=request.declined_by.values("pk"))
            .exists()
        )
        if not others:
            request.status = Status.DECLINED
            request.closed_at = now
            request.save(update_fields=["status", "closed_at"])
            _drop_resume(request)
            _tell(
                request.student,
                lambda: (
                    _(
                        "No reviewer can take your resume review for %(role)s now; "
                        "you can ask again."
                    )
                    % {"role": request.target_role}
                ),
                reverse(STUDENT_PAGE),
            )
    _offer(slot, now=now)
    return request


def _check_score(value: object, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
        raise CareerError("bad_score", _("Choose from 1 to 5."), field=field)
    return value


@transaction.atomic
def complete_review(
    *,
    actor: User,
    request_id: int,
    score_content: int,
    score_format: int,
    score_impact: int,
    strengths: str,
    improvements: str,
) -> ReviewRequest:
    """The reviewer records the session as held, with structured feedback (three scores from 1
    to 5, strengths, what to improve), and the student is credited the "Resume review"
    category's points in the same transaction, once (the entry's key is `career:<id>` and
    the request holds it). Within the category's yearly cap only: past it, the review is
    completed without points. Locks the student's profile, then the reviewer, then the
    request. Raises CareerError: forbidden, not_found, not_confirmed, not_started, bad_score,
    feedback_required."""
    preview = ReviewRequest.objects.filter(pk=request_id).values_list("student_id", flat=True)
    student_id = preview.first()
    profile_id = (
        StudentProfile.objects.filter(user_id=student_id).values_list("pk", flat=True).first()
    )
    profile = lock_profile(profile_id, active_only=False) if profile_id else None
    reviewer = _lock_reviewer(actor)
    request = _assigned(reviewer, request_id)
    if request.status != Status.CONFIRMED:
        raise CareerError("not_confirmed", _("Only a scheduled session can be completed."))
    now = timezone.now()
    if request.slot.starts_at > now:
        raise CareerError("not_started", _("The session has not started yet."))
    scores = {
        "score_content": _check_score(score_content, "score_content"),
        "score_format": _check_score(score_format, "score_format"),
        "score_impact": _check_score(score_impact, "score_impact"),
    }
    strengths = (strengths or "").strip()[:2000]
    improvements = (improvements or "").strip()[:2000]
    if not strengths or not improvements:
        raise CareerError(
            "feedback_required",
            _("Write both what works and what to improve; the student reads them."),
            field="strengths" if not strengths else "improvements",
        )
    for name, value in scores.items():
        setattr(request, name, value)
    request.strengths = strengths
    request.improvements = improvements
    request.status = Status.COMPLETED
    request.closed_at = now
    fields = [*scores, "strengths", "improvements", "status", "closed_at"]
    entry = _credit(profile, request, actor) if profile is not None else None
    if entry is not None:
        request.transaction = entry
        fields.append("transaction")
    request.save(update_fields=fields)
    record_audit(
        actor=actor,
        action="career.complete",
        target=request,
        before={"status": Status.CONFIRMED},
        after={**scores, "status": Status.COMPLETED, "transaction": entry.pk if entry else None},
    )
    _tell(
        request.student,
        lambda: _("Your resume review feedback is ready. Tell us how it went."),
        reverse(STUDENT_PAGE),
    )
    return request


def _credit(profile: StudentProfile, request: ReviewRequest, actor: User) -> Transaction | None:
    """The ledger entry for a completed review (the caller holds the profile lock), or None
    when the student is no longer active or the category's cap is reached."""
    if request.transaction_id is not None:
        return None
    if not profile.user.is_active or profile.user.role != Role.STUDENT:
        return None
    category = review_category()
    amount = category.default_points
    try:
        check_yearly_cap(profile, category, amount)
    except LedgerError:
        return None
    entry = post_entry(
        profile,
        amount=amount,
        kind=Transaction.Kind.AWARD,
        actor=actor,
        category=category,
        reason=f"Resume review completed: {request.target_role}"[:255],
        idempotency_key=f"career:{request.pk}",
        counts_for_lifetime=True,
    )
    transaction.on_commit(lambda: tell_student(profile, entry))
    return entry


@transaction.atomic
def mark_no_show(*, actor: User, request_id: int) -> ReviewRequest:
    """The student did not come: the request closes as missed and the student cannot ask for
    a review for NO_SHOW_BAR from the session's end. Only from NO_SHOW_FROM after the start
    until NO_SHOW_UNTIL after the end. Raises CareerError: forbidden, not_found,
    not_confirmed, not_started, too_late."""
    reviewer = _lock_reviewer(actor)
    request = _assigned(reviewer, request_id)
    if request.status != Status.CONFIRMED:
        raise CareerError("not_confirmed", _("Only a scheduled session can be marked missed."))
    now = timezone.now()
    slot = request.slot
    if now < slot.starts_at + NO_SHOW_FROM:
        raise CareerError(
            "not_started",
            _("A missed session can be marked from %(minutes)s minutes after its start.")
            % {"minutes": int(NO_SHOW_FROM.total_seconds() // 60)},
        )
    if now > slot.ends_at + NO_SHOW_UNTIL:
        raise CareerError(
            "too_late",
            _("A missed session can be marked up to %(days)s days after it ends.")
            % {"days": NO_SHOW_UNTIL.days},
        )
    request.status = Status.NO_SHOW
    request.closed_at = now
    request.save(update_fields=["status", "closed_at"])
    record_audit(
        actor=actor,
        action="career.no_show",
        target=request,
        before={"status": Status.CONFIRMED},
        after={"status": Status.NO_SHOW},
    )
    until = slot.ends_at + NO_SHOW_BAR
    _tell(
        request.student,
        lambda: (
            _(
                "You missed your resume review of %(when)s. You can ask for a new one from "
                "%(until)s."
            )
            % {"when": _when(request.slot.starts_at), "until": _when(until)}
        ),
        reverse(STUDENT_PAGE),
    )
    return request


# --- admins ----------------------------------------------------------------------------------


@transaction.atomic
def save_reviewer(
    *,
    actor: User,
    email: str,
    kind: str,
    headline: str = "",
    specialty_ids: list[int],
) -> Reviewer:
    """Make a faculty member or admin a reviewer (or change their kind, headline and
    specialties; an inactive reviewer is active again). Raises CareerError: forbidden,
    unknown_user, not_reviewable, bad_kind."""
    require(can_manage_reviewers(actor), CareerError, _("Only admins manage reviewers."))
    user = User.objects.filter(email__iexact=(email or "").strip()).first()
    if user is None:
        raise CareerError("unknown_user", _("No account has this address."), field="email")
    if not can_be_reviewer(user):
        raise CareerError(
            "not_reviewable",
            _("Only active faculty members and admins can be made reviewers here."),
            field="email",
        )
    if kind not in (Reviewer.Kind.FACULTY, Reviewer.Kind.CAREER_STAFF):
        raise CareerError("bad_kind", _("Choose faculty or career staff."), field="kind")
    reviewer = Reviewer.objects.select_for_update().filter(user=user).first()
    before = None
    if reviewer is None:
        reviewer = Reviewer.objects.create(user=user, kind=kind, headline=headline.strip()[:160])
    else:
        before = {
            "kind": reviewer.kind,
            "headline": reviewer.headline,
            "active": reviewer.is_active,
        }
        reviewer.kind = kind
        reviewer.headline = headline.strip()[:160]
        reviewer.is_active = True
        reviewer.save(update_fields=["kind", "headline", "is_active"])
    specialties = list(Specialty.objects.filter(pk__in=specialty_ids))
    reviewer.specialties.set(specialties)
    record_audit(
        actor=actor,
        action="career.reviewer_save",
        target=reviewer,
        before=before,
        after={"kind": kind, "specialties": [s.pk for s in specialties]},
    )
    return reviewer


@transaction.atomic
def set_reviewer_active(*, actor: User, reviewer_id: int, active: bool) -> Reviewer:
    """Stop (or resume) a reviewer's taking requests. Stopping releases their proposals
    (matched again elsewhere); scheduled sessions stay. Raises CareerError: forbidden,
    not_found."""
    require(can_manage_reviewers(actor), CareerError, _("Only admins manage reviewers."))
    reviewer = Reviewer.objects.select_for_update().filter(pk=reviewer_id).first()
    if reviewer is None:
        raise CareerError("not_found", _("This reviewer no longer exists."))
    if reviewer.is_active == active:
        return reviewer
    reviewer.is_active = active
    reviewer.save(update_fields=["is_active"])
    record_audit(
        actor=actor,
        action="career.reviewer_active",
        target=reviewer,
        before={"active": not active},
        after={"active": active},
    )
    if not active:
        release_proposals(reviewer)
    return reviewer


def release_proposals(reviewer: Reviewer) -> None:
    """A reviewer stopped (by an admin, a role change or their company's deactivation): their
    proposals go back to matching without them; scheduled sessions stay. The caller holds a
    transaction and the reviewer's row lock."""
    now = timezone.now()
    for pk in ReviewRequest.objects.filter(reviewer=reviewer, status=Status.PROPOSED).values_list(
        "pk", flat=True
    ):
        request = _lock_request(pk)
        if request.status != Status.PROPOSED or request.reviewer_id != reviewer.pk:
            continue
        request.declined_by.add(reviewer)
        request.status = Status.REQUESTED
        request.slot = None
        request.reviewer = None
        request.proposed_at = None
        request.save(update_fields=["status", "slot", "reviewer", "proposed_at"])
        _match(request, now=now)


# --- reminders -------------------------------------------------------------------------------


def send_review_reminders(*, now: datetime | None = None, ahead: timedelta = REMIND_AHEAD) -> int:
    """Remind the student and the reviewer of each scheduled session starting within `ahead`,
    once (the request is locked, told and marked in one transaction; SKIP LOCKED lets two
    senders run at once). Returns how many sessions were reminded."""
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic():
            due = list(
                selectors.due_reminders(now=now, ahead=ahead)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("slot", "student", "reviewer__user")
                .order_by("id")[:200]
            )
            for request in due:
                _remind(request)
            ReviewRequest.objects.filter(pk__in=[r.pk for r in due]).update(reminded_at=now)
        total += len(due)
        if len(due) < 200:
            return total


def _remind(request: ReviewRequest) -> None:
    slot, student, reviewer = request.slot, request.student, request.reviewer.user
    with in_language_of(student):
        notify(
            student,
            kind=Notification.Kind.CAREER,
            message=_("Reminder: your resume review with %(reviewer)s is %(when)s.")
            % {"reviewer": reviewer.name, "when": _when(slot.starts_at)},
            link=reverse(STUDENT_PAGE),
        )
    with in_language_of(reviewer):
        notify(
            reviewer,
            kind=Notification.Kind.CAREER,
            message=_("Reminder: resume review with %(student)s %(when)s.")
            % {"student": student.name, "when": _when(slot.starts_at)},
            link=reverse(REVIEWER_PAGE),
        )
