"""Certificates and co-curricular transcripts: issue, revoke, hide items, and bulk issue.

A certificate is issued once per thing that earned it (the unique check-in, claim or task
assignment it came from; an admin's form has an idempotency key), signed with the portal's
Ed25519 key at issue (portal.signing_keys, the format in portal.domain.signing) and stored with
its signature: the PDF, the JSON, the Open Badge and the verification page all read that stored
document, so they show the record as it was on the issue date. Revocation is online state.

Automatic issue runs inside the transaction that earned it (check-in, approval), under the
student's profile lock that transaction already holds; revocation follows an annulled
check-in or a reversed claim or task entry in the same way."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal import signing_keys
from portal.domain import signing
from portal.exceptions import PortalError
from portal.models import (
    ActivityClaim,
    Certificate,
    CertificateBatch,
    CheckIn,
    Event,
    Notification,
    StudentProfile,
    TaskAssignment,
    Transaction,
    Transcript,
    TranscriptHiddenItem,
    User,
)
from portal.models.certificates import new_code
from portal.permissions import can_issue_certificates, require
from portal.selectors import transcripts as transcript_selectors
from portal.site import site_url

from . import webhooks
from .audit import record_audit
from .ledger import lock_profile
from .notifications import in_language_of, notify
from .rows import insert_once

Source = Certificate.Source
TITLE_LENGTH = 200
DESCRIPTION_LENGTH = 1000
REASON_LENGTH = 300
OLDEST_DAYS = 20 * 366


class CertificateError(PortalError):
    pass


# --- the signed document --------------------------------------------------------------------


def verify_url(code: str) -> str:
    return site_url(reverse("portal:verify", args=[code]))


def issuer() -> dict[str, str]:
    return {"name": settings.UPAS_UNIVERSITY_NAME, "url": site_url()}


def utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def certificate_document(
    certificate: Certificate, *, category: str, points: int | None, description: str
) -> dict:
    """What the certificate says, signed as is (the shape in portal/documents/pdf.py)."""
    return {
        "type": "certificate",
        "version": 1,
        "code": certificate.code,
        "verify_url": verify_url(certificate.code),
        "issuer": issuer(),
        "holder": {"name": certificate.holder.user.name},
        "title": certificate.title,
        "description": description,
        "source": certificate.source,
        "category": category,
        "points": points,
        "activity_date": certificate.activity_date.isoformat(),
        "issued_at": utc_stamp(certificate.issued_at),
        "issued_by": certificate.issued_by.name if certificate.issued_by else "",
    }


def _issue(
    certificate: Certificate, *, category: str, points: int | None, description: str = ""
) -> Certificate | None:
    """Sign and write `certificate` unless what it comes from has one already (then None)."""
    certificate.code = new_code()
    certificate.issued_at = timezone.now()
    certificate.title = signing.clean_text(certificate.title)
    document = certificate_document(
        certificate, category=category, points=points, description=description
    )
    certificate.signed = signing.sign(signing_keys.signing_key(), signing.cleaned(document))
    if not insert_once(certificate):
        return None
    webhooks.announce_certificate(certificate, verify_url(certificate.code))
    with in_language_of(certificate.holder.user):
        message = _("You have a new certificate: %(title)s") % {"title": certificate.title}
    notify(
        certificate.holder.user,
        kind=Notification.Kind.CERTIFICATE,
        message=message,
        link=reverse("portal:certificates"),
    )
    return certificate


def issue_for_checkin(checkin: CheckIn, *, by: User | None) -> Certificate | None:
    """Caller holds the student's profile lock and has just credited `checkin`."""
    event = checkin.event
    return _issue(
        Certificate(
            holder=checkin.student,
            source=Source.EVENT,
            title=_attended(event),
            activity_date=timezone.localdate(event.starts_at),
            issued_by=by or event.organiser,
            event=event,
            checkin=checkin,
        ),
        category=event.category.name,
        points=event.attendance_points,
        description=event.description[:DESCRIPTION_LENGTH],
    )


def _attended(event: Event) -> str:
    # Stored and signed in the portal's language: the document is the same for every reader.
    with in_language_of_site():
        return (_("Attended: %(event)s") % {"event": event.title})[:TITLE_LENGTH]


def in_language_of_site() -> translation.override:
    """Documents are written in the site's language (settings.LANGUAGE_CODE), whoever's
    request issues them: two students' certificates of one event read the same."""
    return translation.override(settings.LANGUAGE_CODE)


def issue_for_approval(
    item: ActivityClaim | TaskAssignment, *, profile: StudentProfile, by: User
) -> Certificate | None:
    """Caller holds the profile lock and has just approved `item` in a category that issues
    certificates."""
    if isinstance(item, ActivityClaim):
        category, points = item.category, item.points
        with in_language_of_site():
            title = _("%(category)s: %(activity)s") % {
                "category": category.name,
                "activity": transcript_selectors.one_line(item.description),
            }
        link: dict[str, Any] = {"claim": item, "source": Source.CLAIM}
        when, description = item.activity_date, item.description
    else:
        task = item.task
        category, points = task.category, task.points
        with in_language_of_site():
            title = _("Task completed: %(task)s") % {"task": task.title}
        link = {"assignment": item, "source": Source.TASK}
        when = timezone.localdate(item.submitted_at or timezone.now())
        description = task.description
    return _issue(
        Certificate(
            holder=profile, title=title[:TITLE_LENGTH], activity_date=when, issued_by=by, **link
        ),
        category=category.name,
        points=points,
        description=description[:DESCRIPTION_LENGTH],
    )


# --- an admin's certificates ------------------------------------------------------------------


def _clean(value: str, *, most: int, field: str, required: bool) -> str:
    value = signing.clean_text(value or "")
    value = " ".join(value.split()) if field != "description" else value.strip()
    if required and not value:
        raise CertificateError("required", _("This field is required."), field=field)
    if len(value) > most:
        raise CertificateError(
            "too_long",
            ngettext("At most %(most)s character.", "At most %(most)s characters.", most)
            % {"most": most},
            field=field,
        )
    return value


def issue_by_admin(
    *,
    actor: User,
    enrollment_number: str,
    title: str,
    activity_date: date,
    description: str = "",
    idempotency_key: str,
) -> Certificate:
    """A certificate for anything else, for one student. A replayed form returns the first."""
    require(
        can_issue_certificates(actor),
        CertificateError,
        _("Only administrators issue and revoke certificates."),
    )
    title = _clean(title, most=TITLE_LENGTH, field="title", required=True)
    description = _clean(description, most=DESCRIPTION_LENGTH, field="description", required=False)
    if activity_date > timezone.localdate():
        raise CertificateError(
            "future_date", _("The date cannot be in the future."), field="activity_date"
        )
    if activity_date < timezone.localdate() - timedelta(days=OLDEST_DAYS):
        raise CertificateError(
            "too_old", _("The date cannot be more than 20 years ago."), field="activity_date"
        )
    if not idempotency_key or len(idempotency_key) > 64:
        raise CertificateError("bad_key", _("This form is out of date: reload the page."))
    found = (
        StudentProfile.objects.filter(enrollment_number=(enrollment_number or "").strip())
        .values_list("pk", flat=True)
        .first()
    )
    if found is None:
        raise CertificateError(
            "unknown_student",
            _("No student has this enrollment number."),
            field="enrollment_number",
        )
    with transaction.atomic():
        profile = lock_profile(found, active_only=False)
        replay = Certificate.objects.filter(idempotency_key=idempotency_key).first()
        if replay is not None:
            if replay.holder_id != profile.pk or replay.issued_by_id != actor.pk:
                raise CertificateError("key_conflict", _("This form was used already."))
            return replay
        certificate = _issue(
            Certificate(
                holder=profile,
                source=Source.ADMIN,
                title=title,
                activity_date=activity_date,
                issued_by=actor,
                idempotency_key=idempotency_key,
            ),
            category="",
            points=None,
            description=description,
        )
        if certificate is None:  # the same key, sent for another student at the same moment
            raise CertificateError("key_conflict", _("This form was used already."))
        record_audit(
            actor=actor,
            action="certificate.issue",
            target=certificate,
            after={"title": title, "student": profile.pk},
        )
    return certificate


def start_batch(*, actor: User, event_id: int) -> CertificateBatch:
    """Queue certificates for everyone checked in at an event who has none yet; the worker
    issues them (`run_batch`) and the page shows its progress."""
    require(
        can_issue_certificates(actor),
        CertificateError,
        _("Only administrators issue and revoke certificates."),
    )
    with transaction.atomic():
        # Locked: one batch at a time per event.
        event = Event.objects.select_for_update().filter(pk=event_id).first()
        if event is None:
            raise CertificateError("not_found", _("This event does not exist."))
        running = event.certificate_batches.filter(
            status__in=[CertificateBatch.Status.QUEUED, CertificateBatch.Status.RUNNING]
        ).first()
        if running is not None:
            return running
        batch = CertificateBatch.objects.create(
            event=event,
            requested_by=actor,
            title=_attended(event),
            total=_missing_checkins(event).count(),
        )
        record_audit(
            actor=actor, action="certificate.batch", target=event, after={"total": batch.total}
        )
    from portal.tasks import issue_certificate_batch

    transaction.on_commit(lambda: issue_certificate_batch.enqueue(batch.pk))
    return batch


def _missing_checkins(event: Event) -> Any:
    return CheckIn.objects.filter(
        event=event, annulled_at__isnull=True, certificate__isnull=True
    ).order_by("id")


def run_batch(batch_id: int, *, chunk: int = 50) -> int:
    """The worker's side of a batch: issue in chunks, one transaction per student (the profile
    lock orders it against an annulment running at the same time), progress after each chunk.
    Returns how many were issued."""
    batch = CertificateBatch.objects.select_related("event", "requested_by").get(pk=batch_id)
    CertificateBatch.objects.filter(pk=batch_id).update(status=CertificateBatch.Status.RUNNING)
    issued = 0
    try:
        while ids := list(_missing_checkins(batch.event).values_list("id", flat=True)[:chunk]):
            for checkin_id in ids:
                issued += _issue_in_batch(checkin_id, batch)
            CertificateBatch.objects.filter(pk=batch_id).update(done=issued)
            if issued == 0:
                break  # nothing could be issued (all annulled meanwhile)
    except Exception:
        CertificateBatch.objects.filter(pk=batch_id).update(
            status=CertificateBatch.Status.FAILED, finished_at=timezone.now()
        )
        raise
    CertificateBatch.objects.filter(pk=batch_id).update(
        status=CertificateBatch.Status.FINISHED,
        done=issued,
        total=max(issued, batch.total),
        finished_at=timezone.now(),
    )
    return issued


def _issue_in_batch(checkin_id: int, batch: CertificateBatch) -> int:
    with transaction.atomic():
        student_id = CheckIn.objects.filter(pk=checkin_id).values_list("student_id", flat=True)
        profile = lock_profile(student_id.get(), active_only=False)
        checkin = (
            CheckIn.objects.select_related("event__category", "event__organiser")
            .filter(pk=checkin_id, annulled_at__isnull=True, certificate__isnull=True)
            .first()
        )
        if checkin is None:
            return 0
        checkin.student = profile
        return int(issue_for_checkin(checkin, by=batch.requested_by) is not None)


# --- revocation -----------------------------------------------------------------------------


def revoke(*, actor: User, certificate_id: int, reason: str) -> Certificate:
    """An admin withdraws a certificate, saying why; the student is told."""
    require(
        can_issue_certificates(actor),
        CertificateError,
        _("Only administrators issue and revoke certificates."),
    )
    reason = _clean(reason, most=REASON_LENGTH, field="reason", required=True)
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().filter(pk=certificate_id).first()
        if certificate is None:
            raise CertificateError("not_found", _("This certificate does not exist."))
        if certificate.is_revoked:
            raise CertificateError("already_revoked", _("This certificate was revoked already."))
        _revoke(certificate, actor=actor, reason=reason)
    return certificate


def _revoke(certificate: Certificate, *, actor: User | None, reason: str) -> None:
    certificate.revoked_at, certificate.revoked_by = timezone.now(), actor
    certificate.revoked_reason = reason[:REASON_LENGTH]
    certificate.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
    record_audit(
        actor=actor,
        action="certificate.revoke",
        target=certificate,
        before={"status": "valid"},
        after={"status": "revoked", "reason": certificate.revoked_reason},
    )
    user = StudentProfile.objects.select_related("user").get(pk=certificate.holder_id).user
    with in_language_of(user):
        message = _("Your certificate “%(title)s” was revoked: %(reason)s") % {
            "title": certificate.title,
            "reason": certificate.revoked_reason,
        }
    notify(
        user,
        kind=Notification.Kind.CERTIFICATE,
        message=message,
        link=reverse("portal:certificates"),
    )


def revoke_produced_by(
    *,
    actor: User | None,
    reason: str,
    checkin: CheckIn | None = None,
    entry: Transaction | None = None,
) -> Certificate | None:
    """Revoke the certificate an annulled check-in or a reversed claim or task entry produced,
    if any. Caller holds the student's profile lock (as `_issue_in_batch` does), so a batch
    cannot issue for the check-in after this looked."""
    if checkin is not None:
        found = Certificate.objects.filter(checkin=checkin)
        item, holder = f"checkin:{checkin.pk}", checkin.student_id
    elif entry is not None and entry.claim_id:
        found = Certificate.objects.filter(claim_id=entry.claim_id)
        item, holder = f"claim:{entry.claim_id}", entry.student_id
    elif entry is not None and entry.task_assignment_id:
        found = Certificate.objects.filter(assignment_id=entry.task_assignment_id)
        item, holder = f"task:{entry.task_assignment_id}", entry.student_id
    else:
        return None
    _revoke_transcripts_listing(item, holder=holder, actor=actor, reason=reason)
    certificate = found.select_for_update().filter(revoked_at__isnull=True).first()
    if certificate is not None:
        _revoke(certificate, actor=actor, reason=reason)
    return certificate


def _revoke_transcripts_listing(item: str, *, holder: int, actor: User | None, reason: str) -> int:
    """A transcript is the record of its day; one that lists a withdrawn item no longer
    stands. A student has a handful of transcripts, so they are read and matched here."""
    listing = [
        t.pk
        for t in Transcript.objects.filter(holder_id=holder, revoked_at__isnull=True).only("items")
        if item in t.items
    ]
    if not listing:
        return 0
    with in_language_of_site():
        why = _("An item it lists was withdrawn: %(reason)s") % {"reason": reason}
    return Transcript.objects.filter(pk__in=listing).update(
        revoked_at=timezone.now(), revoked_by=actor, revoked_reason=why[:REASON_LENGTH]
    )


# --- transcripts ----------------------------------------------------------------------------


def issue_transcript(*, actor: User) -> Transcript:
    """The student's record as it is now, signed; it verifies as this record for ever."""
    profile = StudentProfile.objects.select_related("user").filter(user=actor).first()
    if profile is None:
        raise CertificateError("forbidden", _("Only students have a transcript."))
    record = transcript_selectors.transcript_record(profile)
    transcript = Transcript(
        holder=profile, code=new_code(), issued_at=timezone.now(), items=record.shown_items
    )
    with in_language_of_site():
        document = {
            "type": "transcript",
            "version": 1,
            "code": transcript.code,
            "verify_url": verify_url(transcript.code),
            "issuer": issuer(),
            "holder": {"name": profile.user.name},
            "issued_at": utc_stamp(transcript.issued_at),
            **record.as_document(),
        }
    transcript.signed = signing.sign(signing_keys.signing_key(), signing.cleaned(document))
    transcript.save()
    return transcript


def set_hidden(*, actor: User, kind: str, item_id: int, hidden: bool) -> None:
    """Leave an item out of the transcript, or put it back. Only the student's own items."""
    profile = StudentProfile.objects.filter(user=actor).first()
    if profile is None:
        raise CertificateError("forbidden", _("Only students have a transcript."))
    if kind not in TranscriptHiddenItem.Kind.values:
        raise CertificateError("bad_kind", _("This is not an item of your transcript."))
    if not transcript_selectors.owns_item(profile, kind, item_id):
        raise CertificateError("not_found", _("This is not an item of your transcript."))
    if hidden:
        insert_once(TranscriptHiddenItem(holder=profile, kind=kind, item_id=item_id))
    else:
        TranscriptHiddenItem.objects.filter(holder=profile, kind=kind, item_id=item_id).delete()


def forget_all_of(profile: StudentProfile) -> int:
    """Delete a student's certificates, transcripts and hidden items (their data erased): the
    signed documents carry their name, and a verification page must not show it any more.
    A code handed out before then is "not known" from now on."""
    deleted = 0
    for model in (Certificate, Transcript, TranscriptHiddenItem):
        deleted += model.objects.filter(holder=profile).delete()[0]
    return deleted
