"""Checking a parsed student file against the database and writing it, all or nothing."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, connection, models, transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.exceptions import BulkError, RowError, StudentImportError
from portal.models import Department, Role, StudentProfile, User
from portal.permissions import can_manage_accounts, require

from ..audit import record_audit
from .invitations import send_invitations
from .parsing import (
    BATCH_SIZE,
    LOOKUP_CHUNK,
    ImportReport,
    StudentRow,
    parse_student_csv,
    shown,
)

log = logging.getLogger(__name__)
T = TypeVar("T")


# --- importing ----------------------------------------------------------------------------------


def _chunks(items: Sequence[T], size: int = LOOKUP_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _department_index() -> tuple[dict[str, Department], str]:
    """Departments by upper-cased code and by lower-cased name, and the codes for messages."""
    departments = list(Department.objects.all())
    index = {d.code.strip().upper(): d for d in departments}
    for d in departments:
        index.setdefault(d.name.strip().lower(), d)
    return index, ", ".join(sorted(d.code for d in departments)[:30])


def _find_department(index: dict[str, Department], value: str) -> Department | None:
    return index.get(value.upper()) or index.get(value.lower())


@dataclass(frozen=True)
class _Owner:
    """Who holds an email address already."""

    user_id: int
    role: str
    enrollment_number: str | None
    # A sign-up never verified and never used: it reserves nothing, so an import that names
    # its address removes it (issue 15: sign-ups cannot squat a real student's address).
    unverified_signup: bool = False


def _owners(emails: list[str]) -> dict[str, _Owner]:
    """Accounts using each address, as their login or as any allauth address (even
    unverified: allauth would refuse it to a second account). Both are stored lower-case."""
    owners: dict[str, _Owner] = {}
    fields = ("email", "pk", "role", "student_profile__enrollment_number", "last_login")
    candidates: dict[str, tuple[int, str, str | None, bool]] = {}
    for chunk in _chunks(emails):
        for email, pk, role, number, last_login in User.objects.filter(email__in=chunk).values_list(
            *fields
        ):
            stub = role == Role.STUDENT and number is None and last_login is None
            candidates[email.lower()] = (pk, role, number, stub)
        addresses = EmailAddress.objects.filter(email__in=chunk).values_list(
            "email", "user_id", "user__role", "user__student_profile__enrollment_number"
        )
        for email, pk, role, number in addresses:
            candidates.setdefault(email.lower(), (pk, role, number, False))
    stub_ids = [pk for pk, _role, _number, stub in candidates.values() if stub]
    verified: set[int] = set()
    for chunk in _chunks(stub_ids):
        verified.update(
            EmailAddress.objects.filter(user_id__in=chunk, verified=True).values_list(
                "user_id", flat=True
            )
        )
    for email, (pk, role, number, stub) in candidates.items():
        owners[email] = _Owner(pk, role, number, unverified_signup=stub and pk not in verified)
    return owners


def _taken_reason(owner: _Owner) -> str:
    if owner.role != Role.STUDENT:
        return _("This email belongs to a staff account (faculty or admin).")
    if owner.enrollment_number:
        return _("This email belongs to the student with enrollment number %(number)s.") % {
            "number": owner.enrollment_number
        }
    return _("This email belongs to another account.")


def _signed_in_elsewhere_reason(profile: StudentProfile, email: str) -> str:
    return _(
        "This enrollment number belongs to an account that has signed in as "
        "%(current)s; an import never moves a used account to another address "
        "(%(new)s). If the address really changed, correct it on the person's page."
    ) % {"current": profile.user.email, "new": email}


def describe_refusal(rows: Sequence[RowError]) -> str:
    """The one-sentence summary shown above (page) or below (command) the list of problems."""
    lines = len({r.line for r in rows})
    on_lines = ngettext("%(count)s line", "%(count)s lines", lines) % {"count": lines}
    return ngettext(
        "%(count)s problem on %(lines)s. Fix them and import the file again.",
        "%(count)s problems on %(lines)s. Fix them and import the file again.",
        len(rows),
    ) % {"count": len(rows), "lines": on_lines}


def import_students(
    *, actor: User, data: bytes, invite: bool = False, invite_limit: int | None = None
) -> ImportReport:
    """Create or update every student in a CSV file, all or nothing, in one transaction.

    Only active admins may import. Refuses the whole file with BulkError (every bad row, with
    line numbers) for: syntax errors, duplicates within the file, an unknown department (by code
    or name; departments are never created here), or an email used by another account (a staff
    member, or a student with a different enrollment number; swapping two students' addresses
    therefore takes two imports). Raises StudentImportError for an unusable file. With `invite`,
    new students get an email with a set-password link after the commit; a mail failure is
    logged and counted in the report, never raised. More new students than `invite_limit`
    with `invite` refuses the file (StudentImportError "too_many_invitations", field "invite"):
    the page sets it so that sending stays well inside one web request."""
    require(can_manage_accounts(actor), StudentImportError, _("Only admins can import students."))
    rows, errors = parse_student_csv(data)
    report = ImportReport(file_rows=len(rows), invite=invite)
    with transaction.atomic():
        new_users = _apply(
            actor=actor,
            rows=rows,
            errors=errors,
            report=report,
            invite_limit=invite_limit if invite else None,
        )
        record_audit(
            actor=actor,
            action="students.import",
            target=actor,
            after={
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "file_rows": report.file_rows,
                "released_signups": report.released,
                "invite": invite,
            },
        )
        if invite and new_users:
            # robust: whatever goes wrong while mailing, the committed import stands.
            transaction.on_commit(lambda: send_invitations(new_users, report), robust=True)
    return report


def _apply(
    *,
    actor: User,
    rows: list[StudentRow],
    errors: list[RowError],
    report: ImportReport,
    invite_limit: int | None,
) -> list[User]:
    """Check `rows` against the database, then write them; returns the users created."""
    departments, known = _department_index()
    numbers = [r.enrollment_number for r in rows]
    existing: dict[str, StudentProfile] = {}
    for chunk in _chunks(numbers):
        for profile in StudentProfile.objects.select_related("user").filter(
            enrollment_number__in=chunk
        ):
            existing[profile.enrollment_number] = profile
    owners = _owners([r.email for r in rows])
    released: set[int] = set()

    resolved: list[tuple[StudentRow, Department]] = []
    for row in rows:
        department = _find_department(departments, row.department)
        if department is None and row.department:  # a missing one is reported already
            if known:
                reason = _("No such department. Known codes: %(codes)s.") % {"codes": known}
            else:
                reason = _("No such department. No departments exist yet.")
            errors.append(RowError(row.line, shown(row.department), reason))
        profile = existing.get(row.enrollment_number)
        owner = owners.get(row.email)
        if owner is not None and owner.unverified_signup:
            released.add(owner.user_id)
        elif owner is not None and (profile is None or owner.user_id != profile.user_id):
            errors.append(RowError(row.line, row.email, _taken_reason(owner)))
        if (
            profile is not None
            and profile.user.last_login is not None
            and profile.user.email != row.email
        ):
            # The account is someone's: moving it to the file's address would hand it (and its
            # password) to whoever reads that mailbox, or take it from its owner.
            errors.append(
                RowError(
                    row.line, row.enrollment_number, _signed_in_elsewhere_reason(profile, row.email)
                )
            )
        if department is not None:
            resolved.append((row, department))
    if errors:
        raise BulkError(sorted(errors, key=lambda e: e.line))

    new_users: list[User] = []
    new_profiles: list[StudentProfile] = []
    changed_users: list[User] = []
    changed_profiles: list[StudentProfile] = []
    moved: dict[int, tuple[str, str]] = {}  # user id -> (old email, new email)
    # One unusable-password marker for the batch: make_password(None) per user would cost
    # 10,000 random strings for values nobody can log in with anyway.
    unusable = make_password(None)
    for row, department in resolved:
        profile = existing.get(row.enrollment_number)
        if profile is None:
            user = User(email=row.email, name=row.name, role=Role.STUDENT, password=unusable)
            new_users.append(user)
            new_profiles.append(
                StudentProfile(
                    user=user,
                    enrollment_number=row.enrollment_number,
                    department=department,
                    programme=row.programme,
                    year=row.year,
                )
            )
            continue
        user = profile.user
        user_changed = (user.name, user.email) != (row.name, row.email)
        profile_changed = (profile.department_id, profile.programme, profile.year) != (
            department.pk,
            row.programme,
            row.year,
        )
        if user.email != row.email:
            moved[user.pk] = (user.email, row.email)
        if user_changed:
            user.name, user.email = row.name, row.email
            changed_users.append(user)
        if profile_changed:
            profile.department, profile.programme, profile.year = (
                department,
                row.programme,
                row.year,
            )
            changed_profiles.append(profile)
        if user_changed or profile_changed:
            report.updated += 1
        else:
            report.unchanged += 1

    if invite_limit is not None and len(new_users) > invite_limit:
        raise StudentImportError(
            "too_many_invitations",
            ngettext(
                "This file adds %(count)s new student; this page emails at most "
                "%(limit)s at a time. Untick the box (students can then use “Forgot your "
                "password?”), or import the file with `manage.py import_students FILE --invite`.",
                "This file adds %(count)s new students; this page emails at most "
                "%(limit)s at a time. Untick the box (students can then use “Forgot your "
                "password?”), or import the file with `manage.py import_students FILE --invite`.",
                len(new_users),
            )
            % {
                "count": number_format(len(new_users), force_grouping=True),
                "limit": number_format(invite_limit, force_grouping=True),
            },
            field="invite",
        )
    try:
        for chunk in _chunks(sorted(released)):
            # Unverified sign-ups holding an address the registry now gives a student.
            User.objects.filter(pk__in=chunk, student_profile__isnull=True).delete()
        report.released = len(released)
        User.objects.bulk_create(new_users, batch_size=BATCH_SIZE)
        # The admin vouched for these addresses, as for staff accounts: verified and primary.
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in new_users],
            batch_size=BATCH_SIZE,
        )
        StudentProfile.objects.bulk_create(new_profiles, batch_size=BATCH_SIZE)
        # Named columns only: balance, lifetime points, role and is_active are never written.
        _update_columns(User, ["name", "email"], changed_users)
        _update_columns(StudentProfile, ["department", "programme", "year"], changed_profiles)
        _move_addresses(moved)
    except IntegrityError as exc:
        # Someone signed up with one of these numbers or addresses while we were checking.
        raise StudentImportError(
            "conflict",
            _(
                "Another change to these students happened during the import; nothing was "
                "imported. Import the file again."
            ),
            field="file",
        ) from exc
    report.created = len(new_users)
    log.info(
        "students.import by %s: created %s, updated %s, unchanged %s",
        actor.pk,
        report.created,
        report.updated,
        report.unchanged,
    )
    return new_users


def _update_columns(
    model: type[models.Model], fields: list[str], objs: Sequence[models.Model]
) -> None:
    """UPDATE many rows, each to its own values, one statement per BATCH_SIZE rows.

    Why not bulk_update: it builds a CASE WHEN expression per row and field in Python, about
    2.5 ms per student here, so a re-import changing 10,000 students would take 25 s. Joining a
    VALUES list does the same work in a few milliseconds per thousand rows. PostgreSQL and
    SQLite 3.33+ both take `WITH v(...) AS (VALUES ...) UPDATE ... FROM v`; anything else
    falls back to bulk_update. Table and column names come from the model, values are
    parameters."""
    if not objs:
        return
    if connection.vendor not in ("postgresql", "sqlite") or (
        connection.vendor == "sqlite" and sqlite3.sqlite_version_info < (3, 33)
    ):
        model._default_manager.bulk_update(objs, fields, batch_size=BATCH_SIZE)
        return
    qn = connection.ops.quote_name
    meta = model._meta
    concrete = [meta.get_field(name) for name in fields]
    table, pk = qn(meta.db_table), qn(meta.pk.column)
    names = ", ".join(["pk", *(f"c{i}" for i in range(len(concrete)))])
    assignments = ", ".join(f"{qn(f.column)} = v.c{i}" for i, f in enumerate(concrete))
    row = "(" + ", ".join(["%s"] * (len(concrete) + 1)) + ")"
    with connection.cursor() as cursor:
        for chunk in _chunks(objs, BATCH_SIZE):
            params: list[object] = []
            for obj in chunk:
                params.append(obj.pk)
                params.extend(
                    f.get_db_prep_save(getattr(obj, f.attname), connection) for f in concrete
                )
            cursor.execute(
                f"WITH v({names}) AS (VALUES {', '.join([row] * len(chunk))}) "  # noqa: S608
                f"UPDATE {table} SET {assignments} FROM v WHERE {table}.{pk} = v.pk",
                params,
            )


def _move_addresses(moved: dict[int, tuple[str, str]]) -> None:
    """A re-import changed these students' login emails: the new address becomes their
    verified primary one; the old one is dropped; other addresses they added stay, secondary."""
    if not moved:
        return
    ids = list(moved)
    drop: list[int] = []
    for chunk in _chunks(ids):
        for pk, user_id, email in EmailAddress.objects.filter(user_id__in=chunk).values_list(
            "pk", "user_id", "email"
        ):
            if email.lower() in moved[user_id]:
                drop.append(pk)
    for chunk in _chunks(drop):
        EmailAddress.objects.filter(pk__in=chunk).delete()
    for chunk in _chunks(ids):
        EmailAddress.objects.filter(user_id__in=chunk).update(primary=False)
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user_id=pk, email=new, verified=True, primary=True)
            for pk, (_old, new) in moved.items()
        ],
        batch_size=BATCH_SIZE,
    )
