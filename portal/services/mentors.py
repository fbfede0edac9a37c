"""Mentors: an admin gives each student a faculty mentor, one at a time (the mentors page) or
from a CSV file (enrollment_number, mentor_email), all or nothing like the student import.
Only active faculty can be mentors; every change is audited. The mentor reviews their mentees'
claims first (selectors.reviews) and hears of each new one (`tell_mentor`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.exceptions import BulkError, PortalError, RowError, StudentImportError
from portal.models import ActivityClaim, Notification, Role, StudentProfile, User
from portal.permissions import can_assign_mentors, can_mentor, require

from .audit import record_audit
from .imports.parsing import csv_records, decode_csv, header_columns, shown
from .notifications import in_language_of, notify

MENTOR_COLUMNS = ("enrollment_number", "mentor_email")


class MentorError(PortalError):
    pass


def _email_of(user: User | None) -> str:
    return user.email if user is not None else ""


@transaction.atomic
def assign_mentor(*, actor: User, enrollment_number: str, mentor_id: int | None) -> StudentProfile:
    """Give the student with this enrollment number this mentor (None: no mentor). Audited
    when it changes anything. Raises MentorError: forbidden, unknown_student, not_faculty."""
    require(can_assign_mentors(actor), MentorError, _("Only admins assign mentors."))
    profile = (
        StudentProfile.objects.select_for_update(of=("self",))
        .select_related("user", "mentor")
        .filter(enrollment_number__iexact=enrollment_number.strip(), user__role=Role.STUDENT)
        .first()
    )
    if profile is None:
        raise MentorError(
            "unknown_student", _("No student has this enrollment number."), field="student"
        )
    mentor = None
    if mentor_id is not None:
        mentor = User.objects.filter(pk=mentor_id).first()
        if not can_mentor(mentor):
            raise MentorError(
                "not_faculty",
                _("A mentor must be an active faculty member."),
                field="mentor",
            )
    if profile.mentor_id == mentor_id:
        return profile
    before = _email_of(profile.mentor)
    profile.mentor = mentor
    profile.save(update_fields=["mentor"])
    record_audit(
        actor=actor,
        action="student.mentor",
        target=profile.user,
        before={"mentor": before},
        after={"mentor": _email_of(mentor)},
    )
    return profile


@dataclass
class MentorImportReport:
    rows: int = 0
    changed: int = 0
    unchanged: int = 0


def _parse(data: bytes) -> tuple[list[tuple[int, str, str]], list[RowError]]:
    """(line, enrollment number, mentor email) per row, and every syntax problem."""
    records = csv_records(decode_csv(data))
    first = next(records, None)
    if first is None:
        raise StudentImportError("empty", _("The file is empty."), field="file")
    header_line, header = first
    where = header_columns(header, MENTOR_COLUMNS)
    rows: list[tuple[int, str, str]] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for line, cells in records:
        get = {c: cells[i].strip() if i < len(cells) else "" for c, i in where.items()}
        number, email = get["enrollment_number"].upper(), get["mentor_email"].lower()
        if not number:
            errors.append(RowError(line, "", _("The enrollment number is missing.")))
        elif number in seen:
            errors.append(
                RowError(
                    line,
                    shown(number),
                    _("The same enrollment number is on line %(line)s.") % {"line": seen[number]},
                )
            )
        if not email:
            errors.append(RowError(line, "", _("The mentor's email is missing.")))
        seen.setdefault(number, line)
        rows.append((line, number, email))
    if not rows:
        raise StudentImportError(
            "empty",
            _("The file has a header on line %(line)s but no students.") % {"line": header_line},
            field="file",
        )
    return rows, errors


@transaction.atomic
def import_mentors(*, actor: User, data: bytes) -> MentorImportReport:
    """Set the mentor of every student in the file, all or nothing. Refuses the whole file with
    BulkError (each bad row with its line number) for a missing value, a student listed twice,
    an unknown enrollment number, or a mentor email that is not an active faculty member's.
    Raises StudentImportError for an unusable file (not CSV, empty, wrong header). Audited
    once for the file."""
    require(can_assign_mentors(actor), MentorError, _("Only admins assign mentors."))
    rows, errors = _parse(data)
    numbers = {number for _line, number, _email in rows if number}
    emails = {email for _line, _number, email in rows if email}
    profiles = {
        p.enrollment_number: p
        for p in StudentProfile.objects.select_for_update(of=("self",)).filter(
            enrollment_number__in=numbers, user__role=Role.STUDENT
        )
    }
    mentors = {
        u.email.lower(): u
        for u in User.objects.filter(email__in=emails, role=Role.FACULTY, is_active=True)
    }
    for line, number, email in rows:
        if number and number not in profiles:
            errors.append(
                RowError(line, shown(number), _("No student has this enrollment number."))
            )
        if email and email not in mentors:
            errors.append(
                RowError(line, shown(email), _("No active faculty member has this email address."))
            )
    if errors:
        raise BulkError(sorted(errors, key=lambda e: e.line))
    report = MentorImportReport(rows=len(rows))
    changed: list[StudentProfile] = []
    for _line, number, email in rows:
        profile, mentor = profiles[number], mentors[email]
        if profile.mentor_id == mentor.pk:
            report.unchanged += 1
            continue
        profile.mentor = mentor
        changed.append(profile)
    StudentProfile.objects.bulk_update(changed, ["mentor"], batch_size=500)
    report.changed = len(changed)
    record_audit(
        actor=actor,
        action="mentors.import",
        target=actor,
        after={"rows": report.rows, "changed": report.changed, "unchanged": report.unchanged},
    )
    return report


def tell_mentor(claim: ActivityClaim) -> None:
    """The mentor of the claim's student hears of the new claim, in their language (inside the
    caller's transaction). Nobody is told when the student has no active mentor."""
    mentor = claim.student.mentor
    if not can_mentor(mentor):
        return
    with in_language_of(mentor):
        notify(
            mentor,
            kind=Notification.Kind.MENTEE,
            message=ngettext(
                "Your mentee %(name)s claimed %(points)s point for %(category)s.",
                "Your mentee %(name)s claimed %(points)s points for %(category)s.",
                claim.points,
            )
            % {
                "name": claim.student.user.name,
                "points": claim.points,
                "category": claim.category.name,
            },
            link=reverse("portal:reviews") + "?mine=mentees",
        )
