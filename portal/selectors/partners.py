"""What a partner's dashboard shows (docs/PARTNERS.md): their upcoming sessions, their own
figures and their company's. Students appear only as the name and target role of a session
this partner holds: the rows are fetched as plain values, so no template can reach anything
else of a student (balance, enrollment number, email). A fixed number of queries whatever the
company's size."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, Prefetch, Q
from django.utils import timezone

from portal.models import Company, Redemption, Reviewer, ReviewRequest, Reward

Status = ReviewRequest.Status
# Redemptions a sponsor counts as given out: approved (waiting to be handed over) or fulfilled.
REDEEMED = (Redemption.Status.APPROVED, Redemption.Status.FULFILLED)
UPCOMING_SHOWN = 10


@dataclass(frozen=True)
class Session:
    """One upcoming session as the partner sees it: nothing more of the student."""

    pk: int
    student_name: str
    target_role: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class ReviewerFigures:
    pk: int
    name: str
    headline: str
    reviews_given: int
    average_rating: float | None
    ratings: int
    no_shows: int


@dataclass(frozen=True)
class SponsoredReward:
    pk: int
    name: str
    cost: int
    is_active: bool
    redeemed: int


@dataclass(frozen=True)
class PartnerDashboard:
    company: Company | None
    upcoming: list[Session]
    own: ReviewerFigures
    colleagues: list[ReviewerFigures] = field(default_factory=list)
    sponsored: list[SponsoredReward] = field(default_factory=list)

    @property
    def redeemed_total(self) -> int:
        return sum(r.redeemed for r in self.sponsored)


def upcoming_sessions(reviewer: Reviewer, *, limit: int = UPCOMING_SHOWN) -> list[Session]:
    """The reviewer's confirmed sessions that have not ended, soonest first (one query)."""
    rows = (
        ReviewRequest.objects.filter(
            reviewer=reviewer, status=Status.CONFIRMED, slot__ends_at__gt=timezone.now()
        )
        .order_by("slot__starts_at", "pk")
        .values_list("pk", "student__name", "target_role", "slot__starts_at", "slot__ends_at")[
            :limit
        ]
    )
    return [Session(*row) for row in rows]


def _figures(reviewers: Any) -> list[ReviewerFigures]:
    completed = Q(requests__status=Status.COMPLETED)
    annotated = reviewers.select_related("user").annotate(
        reviews_given=Count("requests", filter=completed),
        average_rating=Avg("requests__rating", filter=completed),
        ratings=Count("requests__rating", filter=completed),
        no_shows=Count("requests", filter=Q(requests__status=Status.NO_SHOW)),
    )
    return [
        ReviewerFigures(
            pk=r.pk,
            name=r.user.name,
            headline=r.headline,
            reviews_given=r.reviews_given,
            average_rating=round(r.average_rating, 1) if r.average_rating is not None else None,
            ratings=r.ratings,
            no_shows=r.no_shows,
        )
        for r in annotated.order_by("user__name", "pk")
    ]


def sponsored_rewards(company: Company) -> list[SponsoredReward]:
    """The rewards `company` sponsors with how many were redeemed (approved or fulfilled),
    newest first (one query)."""
    rewards = (
        Reward.objects.filter(sponsor=company)
        .annotate(redeemed=Count("redemptions", filter=Q(redemptions__status__in=REDEEMED)))
        .order_by("-created_at", "-pk")
    )
    return [SponsoredReward(r.pk, r.name, r.cost, r.is_active, r.redeemed) for r in rewards]


def partner_dashboard(reviewer: Reviewer) -> PartnerDashboard:
    """The partner's dashboard (`reviewer` with its company selected): three queries."""
    company = reviewer.company
    if company is None:
        own = _figures(Reviewer.objects.filter(pk=reviewer.pk))[0]
        return PartnerDashboard(company=None, upcoming=upcoming_sessions(reviewer), own=own)
    colleagues = _figures(Reviewer.objects.filter(company=company))
    own = next(r for r in colleagues if r.pk == reviewer.pk)
    return PartnerDashboard(
        company=company,
        upcoming=upcoming_sessions(reviewer),
        own=own,
        colleagues=colleagues,
        sponsored=sponsored_rewards(company),
    )


def companies_with_partners() -> list[Company]:
    """Every company with its reviewers (user selected) in `reviewers_list`, for the admins'
    partners page (two queries)."""
    reviewers = Reviewer.objects.select_related("user").order_by("user__name", "pk")
    return list(
        Company.objects.order_by("name", "pk").prefetch_related(
            Prefetch("reviewers", queryset=reviewers, to_attr="reviewers_list")
        )
    )
