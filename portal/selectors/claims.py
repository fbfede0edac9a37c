"""Reads for activity claims: what is left of each category's yearly cap for a student, and
their claims. Tasks are in selectors/tasks.py, the review queue in selectors/reviews.py."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from django.db.models import (
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from portal.models import (
    ActivityClaim,
    Category,
    ReviewStatus,
    StudentProfile,
    TaskAssignment,
    Transaction,
)
from portal.prepared import Prepared

Status = TaskAssignment.Status


# --- caps -------------------------------------------------------------------------------------


def year_start(now: datetime | None = None) -> datetime:
    """The start of the calendar year the yearly caps count in (as the ledger's cap check)."""
    return timezone.localtime(now).replace(
        month=1, day=1, hour=0, minute=0, second=0, microsecond=0
    )


def _credited_this_year(profile: StudentProfile) -> QuerySet[Transaction]:
    return (
        Transaction.objects.filter(
            student=profile,
            category=OuterRef("pk"),
            counts_for_lifetime=True,
            created_at__gte=year_start(),
        )
        .order_by()
        .values("category")
        .annotate(total=Sum("amount"))
        .values("total")
    )


def _pending_claims(profile: StudentProfile) -> QuerySet[ActivityClaim]:
    return (
        ActivityClaim.objects.filter(
            student=profile, category=OuterRef("pk"), status=ReviewStatus.PENDING
        )
        .order_by()
        .values("category")
        .annotate(total=Sum("points"))
        .values("total")
    )


def with_cap_usage(categories: QuerySet[Category], profile: StudentProfile) -> list[Category]:
    """The categories, each carrying `credited` (points this calendar year, net of reversals),
    `pending` (points in the student's claims waiting for review) and `left` (what a new claim
    may still ask for; None when the category has no cap). One query."""
    rows = list(
        categories.annotate(
            credited=Coalesce(Subquery(_credited_this_year(profile)), 0),
            pending=Coalesce(Subquery(_pending_claims(profile)), 0),
        )
    )
    for category in rows:
        category.left = (
            None
            if category.yearly_cap is None
            else max(category.yearly_cap - category.credited - category.pending, 0)
        )
    return rows


def claim_categories(profile: StudentProfile) -> list[Category]:
    """Active categories for the claim form, with the student's cap usage."""
    return with_cap_usage(Category.objects.filter(is_active=True), profile)


def get_claim_category(profile: StudentProfile, category_id: int | None) -> Category | None:
    """One active category with the student's cap usage, or None."""
    if not category_id:
        return None
    found = with_cap_usage(Category.objects.filter(pk=category_id, is_active=True), profile)
    return found[0] if found else None


# --- a student's claims and tasks ---------------------------------------------------------------


def list_claims_for(profile: StudentProfile, *, limit: int = 100) -> list[ActivityClaim]:
    return list(
        ActivityClaim.objects.filter(student=profile).select_related("category", "decided_by")[
            :limit
        ]
    )


def open_claims_for(profile: StudentProfile, *, limit: int = 4) -> list[ActivityClaim]:
    """Claims still waiting for review, for the student's dashboard (composed once)."""
    return _open_claims(limit).all(profile.pk)


@cache
def _open_claims(limit: int) -> Prepared:
    return Prepared(
        lambda student_id: ActivityClaim.objects.filter(
            student_id=student_id, status=ReviewStatus.PENDING
        ).select_related("category")[:limit]
    )
