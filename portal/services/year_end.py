"""The year-end close: graduate the final year into alumni, move everyone else up a year, and
expire unspent points where configured, for one academic year, once.

One transaction. It first inserts the year's AcademicYearClose row (unique: a second close of
the same year, even one running at the same moment, waits on that row and is then refused),
then locks every student's profile in primary-key order, the order every ledger service uses,
so an award running meanwhile either commits first (and its points are counted, and expire if
they must) or waits and then meets an alumnus, whom it refuses. Expiries are ledger entries
(kind "expiry") posted through `ledger.post_entry` with the key "expiry:<year>:<profile>", so
balances are never edited and `check_ledger` stays clean. Points held by redemptions still
pending or approved are not in the balance: they are left alone (a rejection later refunds
them).

Why one transaction rather than resumable chunks: the close must be all or nothing (half the
cohort graduated is worse than none), and it is short. At 50,000 students it is one locking
read of 50,000 narrow rows, a handful of UPDATEs in chunks of ids, and two statements per
expiring student; awards wait for it, once a year, for seconds (a minute at worst with every
balance expiring)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from portal.domain.academic_year import is_academic_year
from portal.exceptions import BulkError, RowError, YearEndError
from portal.models import AcademicYearClose, Role, StudentProfile, Transaction, User
from portal.permissions import can_close_academic_year, require
from portal.selectors import year_end as year_end_selectors
from portal.selectors.year_end import YearEndReport

from .audit import record_audit
from .imports.parsing import parse_enrollment_list
from .ledger import post_entry
from .rows import insert_once

CHUNK = 1000  # ids per UPDATE ... WHERE id IN (...): well under SQLite's variable limit


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def check_academic_year(academic_year: str) -> None:
    """A well-formed year ("2026/27"), not later than the current one, and not closed yet."""
    if not is_academic_year(academic_year):
        raise YearEndError(
            "bad_year", _("Write the academic year as 2026/27."), field="academic_year"
        )
    if academic_year > year_end_selectors.current_academic_year():
        raise YearEndError(
            "future_year",
            _("%(year)s has not started yet.") % {"year": academic_year},
            field="academic_year",
        )
    latest = year_end_selectors.latest_closed_year()
    if latest is not None and latest >= academic_year:
        raise YearEndError(
            "already_closed",
            _("The academic year %(year)s is already closed; nothing was changed.")
            % {"year": latest},
        )


def expiry_key(academic_year: str, profile_id: int) -> str:
    return f"expiry:{academic_year}:{profile_id}"


def graduates_from_list(text: str | None) -> frozenset[str] | None:
    """The enrollment numbers an admin listed as graduating (one a line), or None when they
    gave no list (then FINAL_YEAR decides). All or nothing: raises BulkError listing every bad,
    repeated or unknown number with its line; StudentImportError (field "graduates") for a
    list that is not text or too long."""
    if text is None or not text.strip():
        return None
    numbers, errors = parse_enrollment_list(text)
    unknown = year_end_selectors.unknown_students(number for _line, number in numbers)
    errors += [
        RowError(line=line, value=number, reason=_("No current student has this number."))
        for line, number in numbers
        if number in unknown
    ]
    if errors:
        raise BulkError(sorted(errors, key=lambda e: e.line))
    if not numbers:
        return None
    return frozenset(number for _line, number in numbers)


@transaction.atomic
def close_academic_year(
    *, actor: User, academic_year: str, graduates: str | None = None
) -> YearEndReport:
    """Close `academic_year`: graduates become alumni (role alumnus, `graduated_in` set), the
    others' year of study goes up by one, unspent points expire as configured. Audited; the
    report is kept on the AcademicYearClose row.

    `graduates`, a list of enrollment numbers one a line, replaces the FINAL_YEAR rule.

    Raises YearEndError: forbidden, bad_year, future_year, already_closed; BulkError for a bad
    list (see `graduates_from_list`). Nothing is written then."""
    require(can_close_academic_year(actor), YearEndError, _("Only admins close the academic year."))
    check_academic_year(academic_year)
    graduating = graduates_from_list(graduates)
    close = AcademicYearClose(academic_year=academic_year, closed_by=actor)
    if not insert_once(close):  # another close of the same year committed meanwhile
        raise YearEndError(
            "already_closed",
            _("The academic year %(year)s is already closed; nothing was changed.")
            % {"year": academic_year},
        )
    locked = year_end_selectors.students_to_roll().select_for_update(of=("self",), no_key=True)
    rows = year_end_selectors.student_rows(locked)
    plan = year_end_selectors.plan_from_rows(academic_year, rows, graduating)
    held = year_end_selectors.held_by_students()  # before the graduates stop being students
    _expire(actor, plan)
    graduating = [row[0] for row in plan.graduating]
    for ids in _chunks([row[1] for row in plan.graduating]):
        User.objects.filter(pk__in=ids).update(role=Role.ALUMNUS)
    for ids in _chunks(graduating):
        StudentProfile.objects.filter(pk__in=ids).update(graduated_in=academic_year)
    for ids in _chunks([row[0] for row in plan.promoted]):
        StudentProfile.objects.filter(pk__in=ids).update(year=F("year") + 1)
    report = year_end_selectors.report_of(plan, held, done=True)
    close.report = report.as_dict()
    close.save(update_fields=["report"])
    record_audit(actor=actor, action="academic_year.close", target=close, after=close.report)
    return report


def _expire(actor: User, plan: year_end_selectors.YearEndPlan) -> None:
    """One expiry entry per student whose unspent points expire (their profiles are locked)."""
    ids = [expiry.profile_id for expiry in plan.expiries]
    for chunk in _chunks(ids):
        profiles = StudentProfile.objects.select_related("user").in_bulk(chunk)
        for pk in chunk:
            _expire_balance(actor, profiles[pk], plan.academic_year)


def _expire_balance(actor: User, profile: StudentProfile, academic_year: str) -> None:
    if profile.balance <= 0:
        return
    post_entry(
        profile,
        amount=-profile.balance,
        kind=Transaction.Kind.EXPIRY,
        actor=actor,
        category=None,
        reason=f"Unspent points expired at the close of {academic_year}",
        idempotency_key=expiry_key(academic_year, profile.pk),
        counts_for_lifetime=False,
    )


@transaction.atomic
def graduate_student(*, actor: User, student_id: int, academic_year: str) -> StudentProfile:
    """Graduate one student outside a close, as the close would have (a student who finished
    mid-year, or one a close missed; the demo's alumnus): alumni role, `graduated_in`, unspent
    points expired when YEAR_END_ALUMNI_POINTS says so. Locks the profile; audited.

    Raises YearEndError: forbidden, bad_year, not_a_student."""
    require(can_close_academic_year(actor), YearEndError, _("Only admins close the academic year."))
    if not is_academic_year(academic_year):
        raise YearEndError(
            "bad_year", _("Write the academic year as 2026/27."), field="academic_year"
        )
    profile = (
        StudentProfile.objects.select_for_update(of=("self",), no_key=True)
        .select_related("user")
        .filter(pk=student_id, user__role=Role.STUDENT)
        .first()
    )
    if profile is None:
        raise YearEndError("not_a_student", _("Only a current student can graduate."))
    if settings.UPAS_YEAR_END_ALUMNI_POINTS == "expire":
        _expire_balance(actor, profile, academic_year)
    User.objects.filter(pk=profile.user_id).update(role=Role.ALUMNUS)
    profile.user.role = Role.ALUMNUS
    profile.graduated_in = academic_year
    profile.save(update_fields=["graduated_in"])
    record_audit(
        actor=actor,
        action="student.graduate",
        target=profile.user,
        before={"role": Role.STUDENT},
        after={"role": Role.ALUMNUS, "graduated_in": academic_year},
    )
    return profile
