"""Everything the portal holds about one person, as a zip of JSON and CSV with a README (the
data export a student downloads from /settings/export/).

The archive is written into a spooled temporary file (in memory up to SPOOL_BYTES, then on
disk), so a student with years of entries and evidence never holds a worker's memory; the
evidence files copied into it are capped at EVIDENCE_LIMIT_BYTES in all, and the ones left
out are named in the README."""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from allauth.account.models import EmailAddress
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.exports import csv_safe
from portal.models import (
    AccountWarning,
    ActivityClaim,
    AttendanceDispute,
    CheckIn,
    Evidence,
    Notification,
    Redemption,
    ReviewRequest,
    SignIn,
    StudentProfile,
    Transaction,
    User,
)

SPOOL_BYTES = 8 * 1024 * 1024
EVIDENCE_LIMIT_BYTES = 100 * 1024 * 1024
EXTENSIONS = {Evidence.PDF: "pdf", Evidence.PNG: "png", Evidence.JPEG: "jpg"}


@dataclass(frozen=True)
class Table:
    """One kind of record: `<name>.csv` and `<name>.json` in the archive."""

    name: str
    columns: tuple[str, ...]
    rows: Callable[[], Iterable[tuple[Any, ...]]]
    about: str


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _rows(queryset: QuerySet[Any], *fields: str) -> Callable[[], Iterator[tuple[Any, ...]]]:
    return lambda: (
        tuple(_value(v) for v in row)
        for row in queryset.values_list(*fields).iterator(chunk_size=2000)
    )


def _tables(user: User, profile: StudentProfile | None) -> list[Table]:
    tables = [
        Table(
            "notifications",
            ("id", "kind", "message", "link", "created_at", "read_at", "emailed_at"),
            _rows(
                Notification.objects.filter(user=user).order_by("created_at", "id"),
                "id",
                "kind",
                "message",
                "link",
                "created_at",
                "read_at",
                "emailed_at",
            ),
            _("what the portal told you, in the bell and by email"),
        ),
        Table(
            "sign_ins",
            ("at", "outcome", "method", "ip", "user_agent"),
            _rows(
                SignIn.objects.filter(user=user).order_by("at", "id"),
                "at",
                "outcome",
                "method",
                "ip",
                "user_agent",
            ),
            _("every sign-in and failed attempt on your account, with address and browser"),
        ),
        Table(
            "warnings",
            ("id", "reason", "created_at"),
            _rows(
                AccountWarning.objects.filter(user=user).order_by("created_at", "id"),
                "id",
                "reason",
                "created_at",
            ),
            _("warnings an administrator gave you"),
        ),
        Table(
            "resume_reviews",
            (
                "id",
                "created_at",
                "target_role",
                "field",
                "status",
                "session_starts_at",
                "session_ends_at",
                "reviewer",
                "closed_at",
                "score_content",
                "score_format",
                "score_impact",
                "strengths",
                "improvements",
                "rating",
                "rating_comment",
            ),
            _rows(
                ReviewRequest.objects.filter(student=user).order_by("created_at", "id"),
                "id",
                "created_at",
                "target_role",
                "specialty__name",
                "status",
                "slot__starts_at",
                "slot__ends_at",
                "reviewer__user__name",
                "closed_at",
                "score_content",
                "score_format",
                "score_impact",
                "strengths",
                "improvements",
                "rating",
                "rating_comment",
            ),
            _("resume reviews you asked for, their sessions, feedback and your rating"),
        ),
    ]
    if profile is None:
        return tables
    return [
        Table(
            "ledger",
            ("id", "created_at", "kind", "amount", "category", "reason", "by", "reverses"),
            _rows(
                Transaction.objects.filter(student=profile).order_by("created_at", "id"),
                "id",
                "created_at",
                "kind",
                "amount",
                "category__name",
                "reason",
                "actor__name",
                "reverses_id",
            ),
            _("every point movement on your account; your balance is the sum of the amounts"),
        ),
        Table(
            "redemptions",
            ("id", "created_at", "reward", "cost", "status", "note", "decided_at"),
            _rows(
                Redemption.objects.filter(student=profile).order_by("created_at", "id"),
                "id",
                "created_at",
                "reward__name",
                "cost",
                "status",
                "admin_note",
                "decided_at",
            ),
            _("rewards you redeemed and what became of them"),
        ),
        Table(
            "checkins",
            ("id", "created_at", "event", "location", "method", "annulled_at", "annul_reason"),
            _rows(
                CheckIn.objects.filter(student=profile).order_by("created_at", "id"),
                "id",
                "created_at",
                "event__title",
                "event__location",
                "method",
                "annulled_at",
                "annul_reason",
            ),
            _("events you checked into, and check-ins the organiser annulled"),
        ),
        Table(
            "disputes",
            ("id", "created_at", "event", "note", "status", "decided_at", "decision_note"),
            _rows(
                AttendanceDispute.objects.filter(student=profile).order_by("created_at", "id"),
                "id",
                "created_at",
                "event__title",
                "note",
                "status",
                "decided_at",
                "decision_note",
            ),
            _("what you told organisers when your check-in was refused, and their answers"),
        ),
        Table(
            "claims",
            (
                "id",
                "created_at",
                "category",
                "points",
                "activity_date",
                "description",
                "status",
                "review_comment",
                "evidence_file",
            ),
            lambda: (
                (*row[:-2], _evidence_name(row[0], row[-1]) if row[-2] else "")
                for row in _rows(
                    ActivityClaim.objects.filter(student=profile).order_by("created_at", "id"),
                    "id",
                    "created_at",
                    "category__name",
                    "points",
                    "activity_date",
                    "description",
                    "status",
                    "review_comment",
                    "evidence",
                    "evidence_type",
                )()
            ),
            _("points you asked for, with the evidence you sent (in evidence/)"),
        ),
        *tables,
    ]


def _evidence_name(claim_id: int, kind: str) -> str:
    return f"evidence/claim-{claim_id}.{EXTENSIONS.get(kind, 'bin')}"


def _profile(user: User, profile: StudentProfile | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "account": {
            "email": user.email,
            "name": user.name,
            "role": user.role,
            "language": user.language,
            "date_joined": _value(user.date_joined),
            "email_opt_outs": user.email_opt_outs,
            "email_addresses": [
                {"email": a.email, "verified": a.verified, "primary": a.primary}
                for a in EmailAddress.objects.filter(user=user).order_by("email")
            ],
        },
    }
    if profile is not None:
        data["student"] = {
            "enrollment_number": profile.enrollment_number,
            "department": profile.department.name if profile.department else None,
            "programme": profile.programme,
            "year": profile.year,
            "balance": profile.balance,
            "lifetime_points": profile.lifetime_points,
            "show_on_leaderboard": profile.show_on_leaderboard,
        }
    return data


def _write_table(archive: zipfile.ZipFile, table: Table) -> int:
    """CSV (formula-safe cells, a byte-order mark for spreadsheets), then JSON, each written
    row by row (a zip takes one open file at a time, so the rows are read twice)."""
    with archive.open(f"{table.name}.csv", "w") as raw:
        out = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        writer = csv.writer(out)
        writer.writerow(table.columns)
        for row in table.rows():
            writer.writerow([csv_safe(v) for v in row])
        out.flush()
        out.detach()
    count = 0
    with archive.open(f"{table.name}.json", "w") as raw:
        out = io.TextIOWrapper(raw, encoding="utf-8")
        out.write("[")
        for row in table.rows():
            out.write(("," if count else "") + "\n  ")
            out.write(
                json.dumps(
                    dict(zip(table.columns, row, strict=True)), default=str, ensure_ascii=False
                )
            )
            count += 1
        out.write("\n]\n")
        out.flush()
        out.detach()
    return count


def _copy_evidence(archive: zipfile.ZipFile, profile: StudentProfile) -> list[str]:
    """Copy the claims' evidence files into evidence/, up to EVIDENCE_LIMIT_BYTES in all.
    Returns the names left out (over the limit, or missing from storage)."""
    left_out = []
    total = 0
    claims = ActivityClaim.objects.filter(student=profile).exclude(evidence="").order_by("id")
    for claim in claims.only("id", "evidence", "evidence_type").iterator():
        name = _evidence_name(claim.pk, claim.evidence_type)
        try:
            size = claim.evidence.size
            if total + size > EVIDENCE_LIMIT_BYTES:
                left_out.append(name)
                continue
            with claim.evidence.open("rb") as source, archive.open(name, "w") as target:
                while chunk := source.read(64 * 1024):
                    target.write(chunk)
            total += size
        except (FileNotFoundError, OSError, ValueError):
            left_out.append(name)
    return left_out


def _readme(user: User, counts: dict[str, int], tables: list[Table], left_out: list[str]) -> str:
    lines = [
        _("Your data from UPAS, the university points portal"),
        "",
        _("Prepared for %(name)s (%(email)s) on %(when)s.")
        % {
            "name": user.name,
            "email": user.email,
            "when": timezone.localtime().strftime("%Y-%m-%d %H:%M %Z"),
        },
        "",
        _(
            "Each kind of record is here twice: as a CSV file (opens in a spreadsheet) and as "
            "a JSON file (for programs). Times are in the portal's time zone."
        ),
        "",
        "profile.json: " + _("your account and, for students, your student record"),
    ]
    for table in tables:
        lines.append(f"{table.name}.csv, {table.name}.json: {table.about} ({counts[table.name]})")
    if left_out:
        lines += [
            "",
            _(
                "These evidence files were left out because the archive reached its size limit "
                "or the file is missing; ask the portal's administrators for them:"
            ),
            *left_out,
        ]
    return "\n".join(lines) + "\n"


def write_personal_data(user: User) -> IO[bytes]:
    """The archive of everything the portal holds about `user`, rewound and ready to stream:
    README.txt, profile.json, a CSV and a JSON file per kind of record, and the claims'
    evidence in evidence/. Two queries per kind of record (CSV, then JSON), read in chunks."""
    profile = StudentProfile.objects.select_related("department").filter(user=user).first()
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (returned)
    tables = _tables(user, profile)
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "profile.json", json.dumps(_profile(user, profile), indent=2, ensure_ascii=False)
        )
        counts = {table.name: _write_table(archive, table) for table in tables}
        left_out = _copy_evidence(archive, profile) if profile is not None else []
        archive.writestr("README.txt", _readme(user, counts, tables, left_out))
    spool.seek(0)
    return spool
