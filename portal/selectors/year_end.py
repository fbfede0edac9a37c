"""What a year-end close would do (the dry run), and the record of closes already done.

The plan is computed from one pass over the students' profiles (a few columns each) and one
aggregate over the redemptions still in progress, whatever the number of students; the service
computes the same plan again from the rows it has locked before writing anything."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from portal.domain.academic_year import academic_year_of
from portal.models import AcademicYearClose, Redemption, Role, StudentProfile

# How many of the largest expiries a report lists by name (the totals cover everyone).
LISTED_EXPIRIES = 10
# Redemptions whose points were taken but may still come back (a rejection refunds them).
HOLDING = (Redemption.Status.PENDING, Redemption.Status.APPROVED)

# (profile id, user id, year of study, balance, enrollment number, name)
StudentRow = tuple[int, int, int, int, str, str]


@dataclass(frozen=True)
class Expiry:
    profile_id: int
    enrollment_number: str
    name: str
    points: int
    graduating: bool


@dataclass
class YearEndPlan:
    """Who graduates, who moves up a year and whose unspent points expire."""

    academic_year: str
    graduating: list[StudentRow] = field(default_factory=list)
    promoted: list[StudentRow] = field(default_factory=list)
    expiries: list[Expiry] = field(default_factory=list)
    carried_points: int = 0


@dataclass(frozen=True)
class YearEndReport:
    """The figures of a close: what a dry run would change, or what a run changed (`done`)."""

    academic_year: str
    done: bool
    final_year: int
    points_policy: str  # continuing students' unspent points: "carry" or "expire"
    alumni_points_policy: str  # the new alumni's
    graduating: int
    promoted: int
    expiring_students: int
    expiring_points: int
    carried_points: int
    held_points: int  # taken by redemptions still pending or approved: not touched
    held_redemptions: int
    largest_expiries: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> YearEndReport:
        return cls(**data)


def current_academic_year() -> str:
    """The academic year today falls in ("2026/27"), in the portal's time zone."""
    return academic_year_of(
        timezone.localdate(), start_month=settings.UPAS_ACADEMIC_YEAR_START_MONTH
    )


def students_to_roll() -> QuerySet[StudentProfile]:
    """Every student's profile (suspended ones too: they still study), in primary-key order."""
    return StudentProfile.objects.filter(user__role=Role.STUDENT).order_by("pk")


def student_rows(profiles: QuerySet[StudentProfile]) -> list[StudentRow]:
    return list(
        profiles.values_list("pk", "user_id", "year", "balance", "enrollment_number", "user__name")
    )


def plan_from_rows(
    academic_year: str, rows: Iterable[StudentRow], graduating: frozenset[str] | None = None
) -> YearEndPlan:
    """Pure: students in FINAL_YEAR (or beyond) graduate, or exactly those whose enrollment
    numbers are in `graduating` when the admin gave a list; the others move up. Unspent points
    expire where the matching setting says "expire"."""
    plan = YearEndPlan(academic_year=academic_year)
    final_year = settings.UPAS_FINAL_YEAR
    for row in rows:
        pk, _user_id, year, balance, number, name = row
        graduates = year >= final_year if graduating is None else number in graduating
        (plan.graduating if graduates else plan.promoted).append(row)
        policy = (
            settings.UPAS_YEAR_END_ALUMNI_POINTS if graduates else settings.UPAS_YEAR_END_POINTS
        )
        if balance <= 0:
            continue
        if policy == "expire":
            plan.expiries.append(Expiry(pk, number, name, balance, graduates))
        else:
            plan.carried_points += balance
    return plan


def held_by_students() -> dict[str, int]:
    """Points taken by students' redemptions still pending or approved, in one query. They are
    not in the balance, so no expiry touches them; a later rejection refunds them."""
    held = Redemption.objects.filter(status__in=HOLDING, student__user__role=Role.STUDENT)
    totals = held.aggregate(points=Sum("cost"), count=Count("pk"))
    return {"points": totals["points"] or 0, "count": totals["count"]}


def report_of(plan: YearEndPlan, held: dict[str, int], *, done: bool) -> YearEndReport:
    largest = sorted(plan.expiries, key=lambda e: (-e.points, e.enrollment_number))
    return YearEndReport(
        academic_year=plan.academic_year,
        done=done,
        final_year=settings.UPAS_FINAL_YEAR,
        points_policy=settings.UPAS_YEAR_END_POINTS,
        alumni_points_policy=settings.UPAS_YEAR_END_ALUMNI_POINTS,
        graduating=len(plan.graduating),
        promoted=len(plan.promoted),
        expiring_students=len(plan.expiries),
        expiring_points=sum(e.points for e in plan.expiries),
        carried_points=plan.carried_points,
        held_points=held["points"],
        held_redemptions=held["count"],
        largest_expiries=[asdict(e) for e in largest[:LISTED_EXPIRIES]],
    )


def dry_run(academic_year: str, graduating: frozenset[str] | None = None) -> YearEndReport:
    """What closing `academic_year` now would change; writes nothing. Two queries."""
    plan = plan_from_rows(academic_year, student_rows(students_to_roll()), graduating)
    return report_of(plan, held_by_students(), done=False)


def unknown_students(numbers: Iterable[str]) -> set[str]:
    """Those of `numbers` that are no current student's enrollment number (one query per
    2,000 numbers)."""
    numbers = list(numbers)
    found: set[str] = set()
    for start in range(0, len(numbers), 2000):
        found.update(
            students_to_roll()
            .filter(enrollment_number__in=numbers[start : start + 2000])
            .values_list("enrollment_number", flat=True)
        )
    return set(numbers) - found


def close_of(academic_year: str) -> AcademicYearClose | None:
    return (
        AcademicYearClose.objects.select_related("closed_by")
        .filter(academic_year=academic_year)
        .first()
    )


def latest_closed_year() -> str | None:
    return (
        AcademicYearClose.objects.order_by("-academic_year")
        .values_list("academic_year", flat=True)
        .first()
    )
