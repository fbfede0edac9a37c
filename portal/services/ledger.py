"""Every point movement goes through here. Each function runs in one database transaction,
locks the student profile rows it changes (in primary-key order, so two bulk awards cannot
deadlock), writes one immutable ledger entry per movement and updates the cached balance and
lifetime points. The CHECK constraint on the balance is the last line behind these checks."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

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
from portal.permissions import can_award, is_admin, require, within_reversal_window
from portal.prepared import prepared_cursor

from . import milestones, notifications, period_points, webhooks
from .notifications import in_language_of, notification_for, written
from .profile_lock import locked_profile
from .rows import (
    insert_after_sql,
    insert_once,
    insert_once_sql,
    insert_values,
    mark_written,
    write_returning,
)

Kind = Transaction.Kind


_KEY_CONFLICT = gettext_lazy(
    "This form was already submitted once (perhaps you went back to it). "
    "Nothing new was saved; reload the page and try again."
)


def _require_staff(actor: User) -> None:
    require(can_award(actor), LedgerError, _("Only faculty and admins can award or deduct points."))


def lock_profile(student_id: int, *, active_only: bool = True) -> StudentProfile:
    """The student's profile, locked, with the user. Points go to active students only;
    `active_only=False` is for corrections, which a suspension must not prevent."""
    # `graduated_in` is on the locked row itself: an award that waited for the year-end close
    # sees the close's change there (PostgreSQL re-checks the locked row's own columns after
    # the wait, not the joined user's role, which it read before). The SQL is composed once
    # (`profile_lock`): composing it through the ORM cost as much CPU as the rest of an award.
    profile = locked_profile(profile_id=student_id, active_only=active_only)
    if profile is not None:
        return profile
    # Looked up only on a refusal: say why when the student has graduated.
    graduate = (
        StudentProfile.objects.select_related("user")
        .filter(pk=student_id, user__role=Role.ALUMNUS)
        .first()
    )
    if graduate is not None:
        raise LedgerError(
            "alumnus",
            _("%(student)s has graduated: alumni cannot receive or lose points.")
            % {"student": graduate.user.name},
            field="student",
        )
    raise LedgerError("unknown_student", _("Choose a student from the list."), field="student")


def lock_own_profile(actor: User) -> StudentProfile | None:
    """The acting student's own profile, locked, with the user: one query (the caller has
    checked the actor may act as a student). None for a graduate, also when the year-end close
    graduated them while this waited for the lock (see `lock_profile`)."""
    return locked_profile(user_id=actor.pk, active_only=False)


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


def _replay_or_raise(
    refusal: LedgerError, idempotency_key: str, actor: User | None, **expected: object
) -> Transaction:
    """After a refusal under the lock: the entry an earlier submission of the same form made
    (a double click whose first click filled the cap is a replay, not a refusal), or the
    refusal itself. Looked up only when something was refused, so a first submission costs
    no query for it."""
    replay = _replayed(idempotency_key, actor, **expected)
    if replay is None:
        raise refusal
    return replay


def check_amount_bounds(category: Category, amount: int) -> None:
    if not category.is_active:
        raise LedgerError(
            "inactive_category", _("This category is no longer in use."), field="category"
        )
    if not category.min_points <= amount <= category.max_points:
        raise LedgerError(
            "out_of_bounds",
            ngettext(
                "%(category)s awards between %(min)s and %(max)s point.",
                "%(category)s awards between %(min)s and %(max)s points.",
                category.max_points,
            )
            % {
                "category": category.name,
                "min": category.min_points,
                "max": category.max_points,
            },
            field="points",
        )


def check_yearly_cap(profile: StudentProfile, category: Category, amount: int) -> None:
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
            ngettext(
                "%(student)s can get %(left)s more point in %(category)s this year (cap %(cap)s).",
                "%(student)s can get %(left)s more points in %(category)s this year (cap %(cap)s).",
                left,
            )
            % {
                "student": profile.user.name,
                "left": left,
                "category": category.name,
                "cap": category.yearly_cap,
            },
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
    tell: bool = False,
) -> Transaction:
    """Insert the entry and move the cached totals. Caller holds the profile lock (through
    `lock_profile`); other services (rewards, events, draws) post through here too. `tell`:
    notify the student of the entry (as `tell_student`) in the statement that writes it."""
    entry = Transaction(
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
    post(profile, entry, tell=tell)
    return entry


@dataclass(frozen=True)
class RowFirst:
    """A row the entry points to, written by the entry's own statement just before it (`post`):
    `sql` inserts `obj` and returns its id, or returns no row (the row it depends on changed,
    a unique constraint refused it), and then nothing at all is written. `field`: the entry's
    foreign key to it, which `post` fills in."""

    obj: models.Model
    field: str
    sql: str
    params: list[object]


def post(
    profile: StudentProfile,
    entry: Transaction,
    *,
    tell: bool = False,
    first: RowFirst | None = None,
) -> bool:
    """Write `entry` (unsaved, for `profile`) and move the cached totals: `post_entry`'s work,
    for a caller that built the entry itself. With `first`, that row is written in the same
    statement just before the entry, one round trip fewer under the lock (a student's own
    check-in: the check-in row, then its points). Returns False only when `first` wrote no
    row: nothing was written, the totals are as they were. Raises LedgerError:
    insufficient_balance, already_reversed, key_conflict (then `first`'s row was written and
    the caller's transaction must roll back, as an exception out of `atomic` does)."""
    amount = entry.amount
    if profile.balance + amount < 0:
        raise LedgerError(
            "insufficient_balance",
            ngettext(
                "%(student)s has only %(balance)s point; %(amount)s cannot be taken.",
                "%(student)s has only %(balance)s points; %(amount)s cannot be taken.",
                profile.balance,
            )
            % {"student": profile.user.name, "balance": profile.balance, "amount": -amount},
            field="points",
        )
    # The totals move in memory first: the statement that writes the entry saves them.
    totals_before = _totals(profile)
    profile.balance += amount
    if entry.counts_for_lifetime:
        profile.lifetime_points += amount
    reached = milestones.reached_by(profile, entry)  # no query: arithmetic and cached codes
    notice = points_notification(profile, entry) if tell else None
    written_rows = _write_entry_and_totals(profile, entry, notice, first)
    if written_rows is not True:
        _restore_totals(profile, totals_before)
        if written_rows is None:
            return False  # `first` wrote nothing, so nothing was written
        # A unique constraint, the last line behind the checks made under the lock: the key
        # was used (a replay, which the caller may recognise) or the entry was reversed.
        reverses = entry.reverses
        if reverses is not None and Transaction.objects.filter(reverses=reverses).exists():
            raise LedgerError("already_reversed", _("This entry has already been reversed."))
        raise LedgerError("key_conflict", _KEY_CONFLICT)
    # A new entry has no reversal yet: say so on the object, so that `can_reverse` (the reverse
    # button) need not ask the database.
    Transaction.reversed_by.related.set_cached_value(entry, None)
    if notice is not None:
        written(notice)
    if reached:
        milestones.record_reached(profile, reached, entry.created_at)
    return True


def _totals(profile: StudentProfile) -> tuple[int, int, list[str], int]:
    return profile.balance, profile.lifetime_points, profile.milestones, profile.checkins_count


def _restore_totals(profile: StudentProfile, totals: tuple[int, int, list[str], int]) -> None:
    profile.balance, profile.lifetime_points, profile.milestones, profile.checkins_count = totals


def _write_entry_and_totals(
    profile: StudentProfile,
    entry: Transaction,
    notice: Notification | None = None,
    first: RowFirst | None = None,
) -> bool | None:
    """Write `first` (if any), then insert `entry` unless a unique constraint refuses it and,
    only if it was written, save the profile's totals as they stand in memory and write
    `notice` (the student's notification, if any). Returns True when the entry was written,
    False when a unique constraint refused it, None when `first` wrote no row (nor anything
    else). On PostgreSQL one round trip under the lock: `first`, the insert, then the period
    upsert, the UPDATE and the notification as data-modifying CTEs that act only if the rows
    before them were written (before, four or five round trips). Elsewhere the same statements
    one after the other."""
    update_sql, update_params = _totals_update_sql(profile)
    if connection.vendor != "postgresql":
        if first is not None:
            if not write_returning(first.obj, first.sql, first.params):
                return None
            setattr(entry, first.field, first.obj)  # the entry now points to the saved row
        if not insert_once(entry):
            return False
        if entry.counts_for_lifetime:
            period_points.add(profile, entry.created_at, entry.amount)
        with connection.cursor() as cursor:
            cursor.execute(update_sql, update_params)
        if notice is not None:
            notice.save(force_insert=True)
        return True
    ctes: list[str] = []
    params: list[object] = []
    if first is None:
        insert_sql, insert_params = insert_once_sql(entry)
    else:
        ctes.append(f"first_row AS ({first.sql})")
        params += first.params
        insert_sql, insert_params = insert_after_sql(entry, first.field, "first_row")
    ctes.append(f"entry AS ({insert_sql})")
    params += insert_params
    if entry.counts_for_lifetime:
        upsert_sql, upsert_params = period_points.upsert_sql(
            profile, entry.created_at, entry.amount, after="entry"
        )
        ctes.append(f"added AS ({upsert_sql})")
        params += upsert_params
    ctes.append(f"totals AS ({update_sql} AND EXISTS (SELECT 1 FROM entry))")  # noqa: S608
    params += update_params
    # One row whatever was written: the ids of the entry, the notification and `first`.
    answer = "SELECT (SELECT id FROM entry)"
    if notice is not None:
        values = insert_values(notice)
        ctes.append(f"note AS ({_notice_sql(tuple(f.column for f, _v in values))})")
        params += [v for _f, v in values]
        answer += ", (SELECT id FROM note)"
    if first is not None:
        answer += ", (SELECT id FROM first_row)"
    with prepared_cursor() as cursor:
        cursor.execute(f"WITH {', '.join(ctes)} {answer}", params)
        row = cursor.fetchone()
    if first is not None:
        if row[-1] is None:
            return None
        mark_written(first.obj, row[-1])
        setattr(entry, first.field, first.obj)  # the entry now points to the saved row
    if row[0] is None:
        return False
    mark_written(entry, row[0])
    if notice is not None:
        mark_written(notice, row[1])
    return True


@cache
def _notice_sql(columns: tuple[str, ...]) -> str:
    """The notification's INSERT in `_write_entry_and_totals`, composed once per shape and
    process: it writes a row only if the entry was written."""
    quote = connection.ops.quote_name
    return (
        f"INSERT INTO {quote(Notification._meta.db_table)} "  # noqa: S608 (names from the model)
        f"({', '.join(map(quote, columns))}) "
        f"SELECT {', '.join(['%s'] * len(columns))} WHERE EXISTS (SELECT 1 FROM entry) "
        f"RETURNING {quote(Notification._meta.pk.column)} AS id"
    )


def _totals_update_sql(profile: StudentProfile) -> tuple[str, list[object]]:
    """The UPDATE writing the profile's cached totals and milestone caches, written out: the
    ORM's `save(update_fields=...)` composed it again on every redemption (a tenth of its
    CPU)."""
    table = connection.ops.quote_name(StudentProfile._meta.db_table)
    sql = (
        f"UPDATE {table} SET balance = %s, lifetime_points = %s, milestones = %s, "  # noqa: S608
        "checkins_count = %s WHERE id = %s"
    )
    return sql, [
        profile.balance,
        profile.lifetime_points,
        json.dumps(profile.milestones),
        profile.checkins_count,
        profile.pk,
    ]


def tell_student(profile: StudentProfile, entry: Transaction) -> None:
    """Notify the student, in their language, of points staff moved for or against them
    (awards, deductions, reversals). Check-ins, redemptions and claims have their own messages
    in their services. (Awards and deductions write it with the entry: `post_entry(tell=)`.)"""
    notifications.save(points_notification(profile, entry))


def points_notification(profile: StudentProfile, entry: Transaction) -> Notification:
    """The student's notification of `entry`, in their language, not written yet."""
    with in_language_of(profile.user):
        return notification_for(
            profile.user,
            kind=Notification.Kind.POINTS,
            message=_points_message(entry),
            link=reverse("portal:history"),
        )


def _points_message(entry: Transaction) -> str:
    points = abs(entry.amount)
    # The reason is the staff member's own words, stored on the entry: shown as written.
    values = {"points": points, "reason": entry.reason}
    if entry.kind == Kind.AWARD:
        message = ngettext(
            "You received %(points)s point for %(category)s: %(reason)s",
            "You received %(points)s points for %(category)s: %(reason)s",
            points,
        ) % {**values, "category": entry.category.name}
    elif entry.kind == Kind.DEDUCTION:
        message = (
            ngettext(
                "%(points)s point was deducted: %(reason)s",
                "%(points)s points were deducted: %(reason)s",
                points,
            )
            % values
        )
    elif entry.amount < 0:
        message = (
            ngettext(
                "An earlier entry was reversed and %(points)s point taken back: %(reason)s",
                "An earlier entry was reversed and %(points)s points taken back: %(reason)s",
                points,
            )
            % values
        )
    else:
        message = (
            ngettext(
                "An earlier entry was reversed and %(points)s point given back: %(reason)s",
                "An earlier entry was reversed and %(points)s points given back: %(reason)s",
                points,
            )
            % values
        )
    return message


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise LedgerError(
            "reason_required", _("Say why, so the student understands."), field="reason"
        )
    return reason[:500]


def _category(category_id: int, known: Category | None) -> Category | None:
    if known is not None and known.pk == category_id:
        return known
    return Category.objects.filter(pk=category_id).first()


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
    known_category: Category | None = None,
) -> Transaction:
    """Credit a student in a category, within its bounds and yearly cap.

    Locks the student's profile. Replaying the same idempotency key returns the first entry.
    Raises LedgerError: forbidden, unknown_student, unknown_category, inactive_category,
    out_of_bounds, cap_reached, reason_required, key_conflict. Nothing is written then.
    `at` backdates the entry for imports and the demo seed; forms never pass it.
    `known_category` is the category row the caller has just read (the award form validates
    against the active ones), so it is not read a second time.
    """
    _require_staff(actor)
    reason = _clean_reason(reason)
    category = _category(category_id, known_category)  # read before taking the lock
    if category is None:
        raise LedgerError("unknown_category", _("Choose a category."), field="category")
    # Lock, then write: a concurrent duplicate waits on the lock, then its insert meets the
    # key the first one committed and it returns that entry.
    profile = lock_profile(student_id)
    try:
        check_amount_bounds(category, amount)
        check_yearly_cap(profile, category, amount)
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
            tell=True,
        )
    except LedgerError as exc:
        expected = {"student_id": profile.pk, "amount": amount, "category_id": category_id}
        return _replay_or_raise(exc, idempotency_key, actor, **expected)
    webhooks.announce_entries([(profile, entry)])
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
    known_category: Category | None = None,
) -> Transaction:
    """Take points from a student (a penalty: it lowers lifetime points too).

    Locks the student's profile; never takes the balance below zero. Raises LedgerError:
    forbidden, unknown_student, out_of_bounds, insufficient_balance, reason_required, key_conflict.
    """
    _require_staff(actor)
    if not 1 <= amount <= MAX_POINTS_PER_ENTRY:
        raise LedgerError(
            "out_of_bounds",
            _("Deduct between 1 and %(max)s points.")
            % {"max": number_format(MAX_POINTS_PER_ENTRY, force_grouping=True)},
            field="points",
        )
    reason = _clean_reason(reason)
    category = _category(category_id, known_category) if category_id else None
    profile = lock_profile(student_id)
    try:
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
            tell=True,
        )
    except LedgerError as exc:
        expected = {"student_id": profile.pk, "amount": -amount, "category_id": category_id}
        return _replay_or_raise(exc, idempotency_key, actor, **expected)
    webhooks.announce_entries([(profile, entry)])
    return entry


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
        raise LedgerError("not_found", _("That entry does not exist."))
    profile = lock_profile(original.student_id)
    if (entry := _replayed(idempotency_key, actor, reverses_id=original.pk)) is not None:
        return entry
    if not original.is_reversible_kind:
        raise LedgerError(
            "not_reversible",
            _("Only awards, deductions and approved claims and tasks can be reversed here."),
        )
    if Transaction.objects.filter(reverses=original).exists():
        raise LedgerError("already_reversed", _("This entry has already been reversed."))
    if not is_admin(actor):
        if original.actor_id != actor.pk:
            raise LedgerError("forbidden", _("You can only reverse your own awards."))
        if not within_reversal_window(original):
            hours = settings.UPAS_REVERSAL_WINDOW_HOURS
            raise LedgerError(
                "window_passed",
                ngettext(
                    "Awards can be reversed for %(hours)s hour; ask an admin.",
                    "Awards can be reversed for %(hours)s hours; ask an admin.",
                    hours,
                )
                % {"hours": hours},
            )
    entry = post_reversal(
        profile, original, actor=actor, reason=reason, idempotency_key=idempotency_key
    )
    if original.claim_id or original.task_assignment_id:
        # Imported here: the certificates service locks profiles through this module.
        from .certificates import in_language_of_site, revoke_produced_by

        with in_language_of_site():
            why = _("The points for it were reversed: %(reason)s") % {"reason": reason}
        revoke_produced_by(actor=actor, reason=why, entry=original)
    tell_student(profile, entry)
    webhooks.announce_entries([(profile, entry)])
    return entry


def post_reversal(
    profile: StudentProfile,
    original: Transaction,
    *,
    actor: User | None,
    reason: str,
    idempotency_key: str,
) -> Transaction:
    """The opposite of `original`, linked to it one-to-one (so an entry is reversed at most
    once, by constraint): lifetime points move exactly when the original's did. Caller holds
    the profile lock and has decided the reversal is allowed (`reverse_transaction` for
    awards and deductions, `attendance.annul_checkin` for check-ins). Raises LedgerError:
    already_reversed, insufficient_balance, key_conflict."""
    return post_entry(
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
                    number,
                    value,
                    _("Expected an enrollment number, optionally followed by points."),
                )
            )
            continue
        points = None
        if len(parts) == 2:
            if not re.fullmatch(r"\d{1,6}", parts[1]):
                errors.append(
                    RowError(
                        number,
                        value,
                        _("“%(value)s” is not a whole number of points.") % {"value": parts[1]},
                    )
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
        raise LedgerError("unknown_category", _("Choose a category."), field="category")
    if not category.is_active:
        raise LedgerError(
            "inactive_category", _("This category is no longer in use."), field="category"
        )
    lines = list(lines)
    errors = list(parse_errors)
    if not lines and not errors:
        raise LedgerError("no_students", _("Add at least one student."), field="students")

    numbers = {line.enrollment_number for line in lines}
    profiles = {
        p.enrollment_number.upper(): p
        for p in StudentProfile.objects.select_for_update(of=("self",), no_key=True)
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
                RowError(line.line, value, _("No active student has this enrollment number."))
            )
            continue
        if line.enrollment_number in seen:
            errors.append(
                RowError(
                    line.line,
                    value,
                    _("Listed twice (first on line %(line)s).")
                    % {"line": seen[line.enrollment_number]},
                )
            )
            continue
        seen[line.enrollment_number] = line.line
        requested[profile.pk] = points
        try:
            check_amount_bounds(category, points)
            check_yearly_cap(profile, category, planned.get(profile.pk, 0) + points)
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
    webhooks.announce_entries(zip((p for p, _points in valid), entries, strict=True))
    return entries
