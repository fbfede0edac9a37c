"""Every point movement goes through here. Each function runs in one database transaction,
locks the student profile rows it changes (in primary-key order, so two bulk awards cannot
deadlock), writes one immutable ledger entry per movement and updates the cached balance and
lifetime points. The CHECK constraint on the balance is the last line behind these checks."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from portal.exceptions import BulkError, LedgerError, RowError
from portal.models import (
    MAX_POINTS_PER_ENTRY,
    ActivityClaim,
    Category,
    CheckIn,
    DrawWinner,
    Notification,
    Redemption,
    Role,
    StudentProfile,
    TaskAssignment,
    Transaction,
    User,
)

from . import milestones, period_points
from .notifications import notify

Kind = Transaction.Kind


_KEY_CONFLICT = (
    "This form was already submitted once (perhaps you went back to it). "
    "Nothing new was saved; reload the page and try again."
)


def _require_staff(actor: User) -> None:
    if actor.role not in (Role.FACULTY, Role.ADMIN) or not actor.is_active:
        raise LedgerError("forbidden", "Only faculty and admins can award or deduct points.")


def lock_profile(student_id: int) -> StudentProfile:
    try:
        return (
            StudentProfile.objects.select_for_update(of=("self",))
            .select_related("user")
            .get(pk=student_id, user__role=Role.STUDENT, user__is_active=True)
        )
    except StudentProfile.DoesNotExist as exc:
        raise LedgerError(
            "unknown_student", "Choose a student from the list.", field="student"
        ) from exc


def _replayed(idempotency_key: str, actor: User | None, **expected: object) -> Transaction | None:
    """The entry an earlier submission of the same form created, if any.

    A key is minted per rendered form. The same key from another actor, or with other content
    (a page restored by the back button and filled in again), is not a replay: it is refused so
    that the new submission is not silently dropped."""
    entry = Transaction.objects.filter(idempotency_key=idempotency_key).first()
    if entry is None:
        return None
    if entry.actor_id != (actor.pk if actor else None) or any(
        getattr(entry, name) != value for name, value in expected.items()
    ):
        raise LedgerError("key_conflict", _KEY_CONFLICT)
    return entry


def _check_amount_bounds(category: Category, amount: int) -> None:
    if not category.is_active:
        raise LedgerError(
            "inactive_category", "This category is no longer in use.", field="category"
        )
    if not category.min_points <= amount <= category.max_points:
        raise LedgerError(
            "out_of_bounds",
            f"{category.name} awards between {category.min_points} "
            f"and {category.max_points} points.",
            field="points",
        )


def _check_yearly_cap(profile: StudentProfile, category: Category, amount: int) -> None:
    """Caller holds the profile lock, so concurrent awards to one student are serialised here."""
    if category.yearly_cap is None:
        return
    year_start = timezone.localtime().replace(
        month=1, day=1, hour=0, minute=0, second=0, microsecond=0
    )
    so_far = (
        Transaction.objects.filter(
            student=profile, category=category, counts_for_lifetime=True, created_at__gte=year_start
        ).aggregate(total=Sum("amount"))["total"]
        or 0
    )
    if so_far + amount > category.yearly_cap:
        left = max(category.yearly_cap - so_far, 0)
        raise LedgerError(
            "cap_reached",
            f"{profile.user.name} can get {left} more point{'s' if left != 1 else ''} in "
            f"{category.name} this year (cap {category.yearly_cap}).",
            field="points",
        )


def post_entry(
    profile: StudentProfile,
    *,
    amount: int,
    kind: str,
    actor: User | None,
    category: Category | None,
    reason: str,
    idempotency_key: str,
    counts_for_lifetime: bool,
    reverses: Transaction | None = None,
    redemption: Redemption | None = None,
    checkin: CheckIn | None = None,
    claim: ActivityClaim | None = None,
    task_assignment: TaskAssignment | None = None,
    draw_winner: DrawWinner | None = None,
    at: datetime | None = None,
) -> Transaction:
    """Insert the entry and move the cached totals. Caller holds the profile lock (through
    `lock_profile`); other services (rewards, events, draws) post through here too."""
    if profile.balance + amount < 0:
        raise LedgerError(
            "insufficient_balance",
            f"{profile.user.name} has only {profile.balance} points; {-amount} cannot be taken.",
            field="points",
        )
    try:
        with (
            transaction.atomic()
        ):  # a savepoint, so a constraint failure leaves a usable transaction
            entry = Transaction.objects.create(
                student=profile,
                amount=amount,
                kind=kind,
                category=category,
                actor=actor,
                reason=reason,
                idempotency_key=idempotency_key,
                counts_for_lifetime=counts_for_lifetime,
                reverses=reverses,
                redemption=redemption,
                checkin=checkin,
                claim=claim,
                task_assignment=task_assignment,
                draw_winner=draw_winner,
                created_at=at or timezone.now(),
            )
    except IntegrityError as exc:
        # The unique constraints are the last line behind the checks made under the lock.
        if Transaction.objects.filter(idempotency_key=idempotency_key).exists():
            raise LedgerError("key_conflict", _KEY_CONFLICT) from exc
        if reverses is not None and Transaction.objects.filter(reverses=reverses).exists():
            raise LedgerError("already_reversed", "This entry has already been reversed.") from exc
        raise
    profile.balance += amount
    if counts_for_lifetime:
        profile.lifetime_points += amount
        period_points.add(profile.pk, entry.created_at, amount)
    profile.save(update_fields=["balance", "lifetime_points"])
    milestones.after_entry(profile, entry)  # levels and badges; no query for most entries
    return entry


def tell_student(profile: StudentProfile, entry: Transaction) -> None:
    """Notify the student of points staff moved for or against them (awards, deductions,
    reversals). Check-ins, redemptions and claims have their own messages in their services."""
    points = abs(entry.amount)
    unit = "point" if points == 1 else "points"
    if entry.kind == Kind.AWARD:
        message = f"You received {points} {unit} for {entry.category.name}: {entry.reason}"
    elif entry.kind == Kind.DEDUCTION:
        message = f"{points} {unit} {'was' if points == 1 else 'were'} deducted: {entry.reason}"
    else:
        change = "taken back" if entry.amount < 0 else "given back"
        message = f"An earlier entry was reversed and {points} {unit} {change}: {entry.reason}"
    notify(
        profile.user,
        kind=Notification.Kind.POINTS,
        message=message,
        link=reverse("portal:history"),
    )


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise LedgerError("reason_required", "Say why, so the student understands.", field="reason")
    return reason[:500]


@transaction.atomic
def award_points(
    *,
    actor: User,
    student_id: int,
    category_id: int,
    amount: int,
    reason: str,
    idempotency_key: str,
    at: datetime | None = None,
) -> Transaction:
    """Credit a student in a category, within its bounds and yearly cap.

    Locks the student's profile. Replaying the same idempotency key returns the first entry.
    Raises LedgerError: forbidden, unknown_student, unknown_category, inactive_category,
    out_of_bounds, cap_reached, reason_required, key_conflict. Nothing is written then.
    `at` backdates the entry for imports and the demo seed; forms never pass it.
    """
    _require_staff(actor)
    reason = _clean_reason(reason)
    # Lock first, then look for a replay: a concurrent duplicate waits on the lock and then sees
    # the committed first entry.
    profile = lock_profile(student_id)
    replay = _replayed(
        idempotency_key, actor, student_id=profile.pk, amount=amount, category_id=category_id
    )
    if replay is not None:
        return replay
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        raise LedgerError("unknown_category", "Choose a category.", field="category")
    _check_amount_bounds(category, amount)
    _check_yearly_cap(profile, category, amount)
    entry = post_entry(
        profile,
        amount=amount,
        kind=Kind.AWARD,
        actor=actor,
        category=category,
        reason=reason,
        idempotency_key=idempotency_key,
        counts_for_lifetime=True,
        at=at,
    )
    tell_student(profile, entry)
    return entry


@transaction.atomic
def deduct_points(
    *,
    actor: User,
    student_id: int,
    amount: int,
    reason: str,
    idempotency_key: str,
    category_id: int | None = None,
    at: datetime | None = None,
) -> Transaction:
    """Take points from a student (a penalty: it lowers lifetime points too).

    Locks the student's profile; never takes the balance below zero. Raises LedgerError:
    forbidden, unknown_student, out_of_bounds, insufficient_balance, reason_required, key_conflict.
    """
    _require_staff(actor)
    if not 1 <= amount <= MAX_POINTS_PER_ENTRY:
        raise LedgerError(
            "out_of_bounds",
            f"Deduct between 1 and {MAX_POINTS_PER_ENTRY:,} points.",
            field="points",
        )
    reason = _clean_reason(reason)
    profile = lock_profile(student_id)
    replay = _replayed(
        idempotency_key, actor, student_id=profile.pk, amount=amount, category_id=category_id
    )
    if replay is not None:
        return replay
    category = Category.objects.filter(pk=category_id).first() if category_id else None
    entry = post_entry(
        profile,
        amount=-amount,
        kind=Kind.DEDUCTION,
        actor=actor,
        category=category,
        reason=reason,
        idempotency_key=idempotency_key,
        counts_for_lifetime=True,
        at=at,
    )
    tell_student(profile, entry)
    return entry


def can_reverse(actor: User, entry: Transaction, *, now: datetime | None = None) -> bool:
    """Whether the reverse button applies (the service enforces the same rules)."""
    if not entry.is_reversible_kind or hasattr(entry, "reversed_by"):
        return False
    if actor.role == Role.ADMIN:
        return True
    window = timedelta(hours=settings.UPAS_REVERSAL_WINDOW_HOURS)
    return (
        actor.role == Role.FACULTY
        and entry.actor_id == actor.pk
        and entry.created_at >= (now or timezone.now()) - window
    )


@transaction.atomic
def reverse_transaction(
    *, actor: User, transaction_id: int, reason: str, idempotency_key: str
) -> Transaction:
    """Cancel an award or deduction with an opposite entry; each entry can be reversed once.

    Faculty may reverse their own entries within UPAS_REVERSAL_WINDOW_HOURS; admins any.
    Locks the student's profile, then re-reads the entry so two reversals cannot both pass.
    Raises LedgerError: forbidden, not_reversible, already_reversed, window_passed,
    insufficient_balance (the student already spent the points), key_conflict.
    """
    _require_staff(actor)
    reason = _clean_reason(reason)
    original = Transaction.objects.filter(pk=transaction_id).first()
    if original is None:
        raise LedgerError("not_found", "That entry does not exist.")
    profile = lock_profile(original.student_id)
    if (entry := _replayed(idempotency_key, actor, reverses_id=original.pk)) is not None:
        return entry
    if not original.is_reversible_kind:
        raise LedgerError("not_reversible", "Only awards and deductions can be reversed here.")
    if Transaction.objects.filter(reverses=original).exists():
        raise LedgerError("already_reversed", "This entry has already been reversed.")
    if actor.role != Role.ADMIN:
        if original.actor_id != actor.pk:
            raise LedgerError("forbidden", "You can only reverse your own awards.")
        window = timedelta(hours=settings.UPAS_REVERSAL_WINDOW_HOURS)
        if original.created_at < timezone.now() - window:
            raise LedgerError(
                "window_passed",
                f"Awards can be reversed for {settings.UPAS_REVERSAL_WINDOW_HOURS} hours; "
                "ask an admin.",
            )
    entry = post_entry(
        profile,
        amount=-original.amount,
        kind=Kind.REVERSAL,
        actor=actor,
        category=original.category,
        reason=reason,
        idempotency_key=idempotency_key,
        counts_for_lifetime=original.counts_for_lifetime,
        reverses=original,
    )
    tell_student(profile, entry)
    return entry


# --- bulk award -------------------------------------------------------------------------------

_LINE_SPLIT = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class BulkLine:
    line: int
    enrollment_number: str
    points: int | None  # None: use the form's points


def parse_bulk_lines(text: str) -> tuple[list[BulkLine], list[RowError]]:
    """Parse pasted lines of `ENROLLMENT` or `ENROLLMENT, POINTS`; blank lines are skipped."""
    lines: list[BulkLine] = []
    errors: list[RowError] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        value = raw.strip()
        if not value:
            continue
        parts = [p for p in _LINE_SPLIT.split(value) if p]
        if len(parts) > 2:
            errors.append(
                RowError(
                    number, value, "Expected an enrollment number, optionally followed by points."
                )
            )
            continue
        points = None
        if len(parts) == 2:
            if not re.fullmatch(r"\d{1,6}", parts[1]):
                errors.append(
                    RowError(number, value, f"“{parts[1]}” is not a whole number of points.")
                )
                continue
            points = int(parts[1])
        lines.append(BulkLine(number, parts[0].upper(), points))
    return lines, errors


@transaction.atomic
def bulk_award(
    *,
    actor: User,
    category_id: int,
    amount: int,
    reason: str,
    lines: Iterable[BulkLine],
    idempotency_key: str,
    parse_errors: Iterable[RowError] = (),
) -> list[Transaction]:
    """Award several students at once, all or nothing.

    Every line is checked (unknown or duplicate enrollment number, points outside the category's
    bounds, yearly cap) before anything is written; any bad line raises BulkError listing every
    bad line with its number and reason. Profiles are locked in primary-key order.
    """
    _require_staff(actor)
    reason = _clean_reason(reason)
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        raise LedgerError("unknown_category", "Choose a category.", field="category")
    if not category.is_active:
        raise LedgerError(
            "inactive_category", "This category is no longer in use.", field="category"
        )
    lines = list(lines)
    errors = list(parse_errors)
    if not lines and not errors:
        raise LedgerError("no_students", "Add at least one student.", field="students")

    numbers = {line.enrollment_number for line in lines}
    profiles = {
        p.enrollment_number.upper(): p
        for p in StudentProfile.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(enrollment_number__in=numbers, user__role=Role.STUDENT, user__is_active=True)
        .order_by("pk")
    }
    # Points already going to each student in this batch, for the yearly cap.
    planned: dict[int, int] = {}
    seen: dict[str, int] = {}
    requested: dict[int, int] = {}  # what this submission asks for, to recognise a true replay
    valid: list[tuple[StudentProfile, int]] = []
    for line in lines:
        value = (
            line.enrollment_number
            if line.points is None
            else f"{line.enrollment_number}, {line.points}"
        )
        profile = profiles.get(line.enrollment_number)
        points = amount if line.points is None else line.points
        if profile is None:
            errors.append(
                RowError(line.line, value, "No active student has this enrollment number.")
            )
            continue
        if line.enrollment_number in seen:
            errors.append(
                RowError(
                    line.line,
                    value,
                    f"Listed twice (first on line {seen[line.enrollment_number]}).",
                )
            )
            continue
        seen[line.enrollment_number] = line.line
        requested[profile.pk] = points
        try:
            _check_amount_bounds(category, points)
            _check_yearly_cap(profile, category, planned.get(profile.pk, 0) + points)
        except LedgerError as exc:
            errors.append(RowError(line.line, value, exc.message))
            continue
        planned[profile.pk] = planned.get(profile.pk, 0) + points
        valid.append((profile, points))
    # After the locks, so a concurrent duplicate submission sees the first one's entries.
    existing = list(
        Transaction.objects.filter(idempotency_key__startswith=f"{idempotency_key}:").order_by("id")
    )
    if existing:
        if (
            any(e.actor_id != actor.pk for e in existing)
            or {e.student_id: e.amount for e in existing} != requested
        ):
            raise LedgerError("key_conflict", _KEY_CONFLICT)
        return existing
    if errors:
        raise BulkError(sorted(errors, key=lambda e: e.line))

    entries = []
    for profile, points in valid:
        entry = post_entry(
            profile,
            amount=points,
            kind=Kind.AWARD,
            actor=actor,
            category=category,
            reason=reason,
            idempotency_key=f"{idempotency_key}:{profile.pk}",
            counts_for_lifetime=True,
        )
        tell_student(profile, entry)
        entries.append(entry)
    return entries
