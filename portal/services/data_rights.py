"""Students' data rights: erasure on request (admin-approved, audited) and retention of old
records.

Erasure pseudonymises rather than deletes the account: the ledger rows (immutable, the source of
every balance and total) keep pointing at the same user and profile, so balances, period totals,
leaderboard history and `check_ledger` are unchanged, and published draw results stay
verifiable (they commit to entry ids, never names). What goes: name, email and every address,
password, sign-in methods (2FA, campus link), photo, preferred name, enrollment number and
programme, sign-in records, notifications, the text and files of claims and task submissions,
warnings' and suspensions' wording, and names and addresses inside the audit log's records of
this account. The account stays inactive for good.

Retention deletes sign-in records and evidence files older than the configured times; a daily
job of the worker runs it (`portal.services.schedule`), and `manage.py apply_retention` shows
or does it by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.exceptions import AccountError
from portal.models import (
    AccountWarning,
    ActivityClaim,
    AuditLog,
    ErasureRequest,
    Notification,
    PendingSignup,
    Redemption,
    ReviewRequest,
    SignIn,
    StudentProfile,
    Suspension,
    TaskAssignment,
    User,
)
from portal.permissions import can_administer, can_request_erasure, require

from .audit import record_audit
from .certificates import forget_all_of
from .notifications import in_language_of, notify

NOTE_MAX = 500
ERASED = "[erased]"
# Keys of audit records that held this person's identity.
PERSONAL_KEYS = ("email", "name", "leaderboard_name", "enrollment_number", "programme", "login")


def _clean(text: str, *, field: str, required: bool) -> str:
    text = text.strip()
    if required and not text:
        raise AccountError("answer_required", _("Say why."), field=field)
    if len(text) > NOTE_MAX:
        raise AccountError(
            "too_long", _("Keep it under %(n)s characters.") % {"n": NOTE_MAX}, field=field
        )
    return text


# --- the student's request ---------------------------------------------------------------------


@transaction.atomic
def request_erasure(*, user: User, note: str = "") -> ErasureRequest:
    """A student asks for their personal data to be erased. One pending request at a time (a
    second ask returns the pending one). Raises AccountError: forbidden, too_long."""
    require(
        can_request_erasure(user),
        AccountError,
        _("Only students can ask for their data to be erased here; staff ask the data officer."),
    )
    note = _clean(note, field="note", required=False)
    User.objects.select_for_update().filter(pk=user.pk).first()  # one request at a time
    pending = ErasureRequest.objects.filter(user=user, status=ErasureRequest.Status.PENDING)
    if (existing := pending.first()) is not None:
        return existing
    erasure = ErasureRequest.objects.create(user=user, note=note)
    record_audit(actor=user, action="user.erasure_requested", target=user)
    return erasure


@transaction.atomic
def withdraw_erasure(*, user: User) -> ErasureRequest:
    """The student changes their mind before an admin decides. Raises AccountError: none."""
    erasure = (
        ErasureRequest.objects.select_for_update()
        .filter(user=user, status=ErasureRequest.Status.PENDING)
        .first()
    )
    if erasure is None:
        raise AccountError("none", _("There is no request waiting to withdraw."))
    erasure.status = ErasureRequest.Status.WITHDRAWN
    erasure.decided_at = timezone.now()
    erasure.save(update_fields=["status", "decided_at"])
    record_audit(actor=user, action="user.erasure_withdrawn", target=user)
    return erasure


# --- the admin's decision ----------------------------------------------------------------------


def _lock_request(actor: User, request_id: int) -> tuple[ErasureRequest, User]:
    erasure = (
        ErasureRequest.objects.select_for_update(of=("self",))
        .select_related("user__student_profile__department")
        .filter(pk=request_id)
        .first()
    )
    if erasure is None:
        raise AccountError("not_found", _("No such request."))
    require(
        can_administer(actor, erasure.user),
        AccountError,
        _("Only admins can decide erasure requests, and never about their own account."),
    )
    if erasure.status != ErasureRequest.Status.PENDING:
        raise AccountError(
            "decided",
            _("This request was already decided (%(status)s).")
            % {"status": erasure.get_status_display()},
        )
    user = User.objects.select_for_update().get(pk=erasure.user_id)
    return erasure, user


@transaction.atomic
def refuse_erasure(*, actor: User, request_id: int, answer: str) -> ErasureRequest:
    """Refuse with a reason the student sees (e.g. a disciplinary case that must be kept).
    Raises AccountError: not_found, forbidden, decided, answer_required, too_long."""
    answer = _clean(answer, field="answer", required=True)
    erasure, user = _lock_request(actor, request_id)
    erasure.status = ErasureRequest.Status.REFUSED
    erasure.decided_by, erasure.decided_at, erasure.answer = actor, timezone.now(), answer
    erasure.save(update_fields=["status", "decided_by", "decided_at", "answer"])
    record_audit(actor=actor, action="user.erasure_refused", target=user, after={"answer": answer})
    with in_language_of(user):
        notify(
            user,
            kind=Notification.Kind.ACCOUNT,
            message=_("Your request to erase your data was refused: %(answer)s")
            % {"answer": answer},
            link=reverse("portal:settings") + "#your-data",
        )
    return erasure


@dataclass(frozen=True)
class Erased:
    user_id: int
    files_deleted: int


@transaction.atomic
def erase_account(*, actor: User, request_id: int, confirm: str) -> Erased:
    """Erase the requester's personal data (see the module's docstring). `confirm` must be the
    account's current email address, typed by the admin. Files are deleted once the
    transaction has committed. Raises AccountError: not_found, forbidden, decided,
    confirm_mismatch, pending_redemptions."""
    erasure, user = _lock_request(actor, request_id)
    if confirm.strip().lower() != user.email.lower():
        raise AccountError(
            "confirm_mismatch",
            _("Type the account's email address exactly to confirm."),
            field="confirm",
        )
    profile = StudentProfile.objects.select_for_update().filter(user=user).first()
    if (
        profile is not None
        and Redemption.objects.filter(student=profile, status=Redemption.Status.PENDING).exists()
    ):
        raise AccountError(
            "pending_redemptions",
            _(
                "Decide this student's pending redemptions first: their points are held and "
                "the ledger must stay exact."
            ),
        )
    old = {"email": user.email, "name": user.name}
    files = _scrub(user, profile)
    erasure.status = ErasureRequest.Status.ERASED
    erasure.decided_by, erasure.decided_at, erasure.note = actor, timezone.now(), ""
    erasure.save(update_fields=["status", "decided_by", "decided_at", "note"])
    _scrub_audit(user, old)
    record_audit(actor=actor, action="user.erase", target=user, after={"request": erasure.pk})
    transaction.on_commit(lambda: [f.storage.delete(f.name) for f in files])
    return Erased(user_id=user.pk, files_deleted=len(files))


def _scrub(user: User, profile: StudentProfile | None) -> list:
    """Remove or pseudonymise everything personal; returns the files to delete after commit."""
    files = []
    if user.photo:
        files.append(user.photo)
    user.name = f"Erased account {user.pk}"
    user.email = f"erased-{user.pk}@erased.invalid"
    user.set_unusable_password()
    user.is_active = False
    user.photo = ""
    user.language = ""
    user.calendar_token = None
    user.email_opt_outs = list(Notification.Kind.values)
    user.erased_at = timezone.now()
    user.save()
    EmailAddress.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    PendingSignup.objects.filter(user=user).delete()
    SignIn.objects.filter(user=user).delete()
    Notification.objects.filter(user=user).delete()
    AccountWarning.objects.filter(user=user).update(reason=ERASED)
    Suspension.objects.filter(user=user).update(reason=ERASED)
    files.extend(_scrub_reviews(user))
    if profile is not None:
        profile.enrollment_number = f"ERASED-{user.pk}"
        profile.programme = ""
        profile.leaderboard_name = ""
        profile.show_on_leaderboard = False
        profile.save(
            update_fields=[
                "enrollment_number",
                "programme",
                "leaderboard_name",
                "show_on_leaderboard",
            ]
        )
        # Signed documents carry the name: their codes become "not known".
        forget_all_of(profile)
        for claim in ActivityClaim.objects.filter(student=profile).exclude(evidence=""):
            files.append(claim.evidence)
        ActivityClaim.objects.filter(student=profile).update(description=ERASED, evidence="")
        for assignment in TaskAssignment.objects.filter(student=profile).exclude(
            submission_file=""
        ):
            files.append(assignment.submission_file)
        TaskAssignment.objects.filter(student=profile).update(
            submission_text="", submission_file=""
        )
    return files


LIVE_REVIEWS = (
    ReviewRequest.Status.REQUESTED,
    ReviewRequest.Status.PROPOSED,
    ReviewRequest.Status.CONFIRMED,
)


def _scrub_reviews(user: User) -> list:
    """Resume reviews: live ones are cancelled (their slots freed for other students), the
    student's own words and resume files go; the reviewer's feedback and scores stay."""
    now = timezone.now()
    ReviewRequest.objects.filter(student=user, status__in=LIVE_REVIEWS).update(
        status=ReviewRequest.Status.CANCELLED,
        closed_at=now,
        cancelled_by=user,
        slot=None,
        reason=ERASED,
    )
    mine = ReviewRequest.objects.filter(student=user)
    files = [row.resume for row in mine.exclude(resume="").only("pk", "resume")]
    mine.update(target_role=ERASED, notes="", preferred_times="", rating_comment="", resume="")
    return files


def _scrub_audit(user: User, old: dict[str, str]) -> None:
    """The audit log keeps what happened to the account, not who it was."""
    entries = AuditLog.objects.filter(
        Q(target_type=User._meta.label, target_id=str(user.pk))
        | Q(target_repr__in=[old["email"], old["name"]])
    )
    for entry in entries:
        entry.target_repr = str(user)
        entry.before = _without_identity(entry.before)
        entry.after = _without_identity(entry.after)
        entry.save(update_fields=["target_repr", "before", "after"])


def _without_identity(record: dict) -> dict:
    if not isinstance(record, dict):
        return record
    return {k: (ERASED if k in PERSONAL_KEYS else v) for k, v in record.items()}


# --- retention -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Retention:
    sign_ins: int
    claim_files: int
    task_files: int
    resume_files: int = 0


def _older_than(days: int, now: datetime) -> datetime | None:
    return now - timedelta(days=days) if days > 0 else None


def apply_retention(*, now: datetime | None = None, dry_run: bool = False) -> Retention:
    """Delete sign-in records older than RETAIN_SIGN_INS_DAYS and the evidence files of claims
    and task submissions decided, and the resumes of review requests closed, more than
    RETAIN_EVIDENCE_DAYS ago (0 keeps them for good). The claims, requests and points stay;
    only the files go."""
    now = now or timezone.now()
    sign_in_cutoff = _older_than(settings.UPAS_RETAIN_SIGN_INS_DAYS, now)
    evidence_cutoff = _older_than(settings.UPAS_RETAIN_EVIDENCE_DAYS, now)
    sign_ins = SignIn.objects.filter(at__lt=sign_in_cutoff) if sign_in_cutoff else None
    claims = tasks = resumes = None
    if evidence_cutoff:
        resumes = ReviewRequest.objects.filter(closed_at__lt=evidence_cutoff).exclude(resume="")
        claims = ActivityClaim.objects.filter(decided_at__lt=evidence_cutoff).exclude(evidence="")
        tasks = TaskAssignment.objects.filter(decided_at__lt=evidence_cutoff).exclude(
            submission_file=""
        )
    report = Retention(
        sign_ins=sign_ins.count() if sign_ins is not None else 0,
        claim_files=claims.count() if claims is not None else 0,
        task_files=tasks.count() if tasks is not None else 0,
        resume_files=resumes.count() if resumes is not None else 0,
    )
    if dry_run:
        return report
    if sign_ins is not None:
        sign_ins.delete()
    if claims is not None:
        _drop_files(claims, "evidence")
    if tasks is not None:
        _drop_files(tasks, "submission_file")
    if resumes is not None:
        _drop_files(resumes, "resume")
    return report


def _drop_files(rows, field: str, batch: int = 500) -> None:
    while chunk := list(rows.order_by("pk")[:batch]):
        with transaction.atomic():
            ids = [row.pk for row in chunk]
            rows.model.objects.filter(pk__in=ids).update(**{field: ""})
            files = [getattr(row, field) for row in chunk]
            transaction.on_commit(lambda files=files: [f.storage.delete(f.name) for f in files])
