"""Reviewer analytics for admins (docs/PARTNERS.md): per reviewer, sessions completed,
proposals waiting for them, the median wait from a student's request to the session, the
average rating and the no-show rate; and the two charts of the report page. Three queries
whatever the number of reviewers and requests."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Avg, Count, Q
from django.utils.translation import gettext as _

from portal.models import Reviewer, ReviewRequest

from .stats import Chart, Series

Status = ReviewRequest.Status
# Requests that reached a session: the wait is from the request to the session's start.
SCHEDULED = (Status.CONFIRMED, Status.COMPLETED)
CHART_REVIEWERS = 15


@dataclass(frozen=True)
class ReviewerRow:
    pk: int
    name: str
    kind: str
    company: str
    completed: int
    pending: int
    no_shows: int
    average_rating: float | None
    median_wait: timedelta | None

    @property
    def source(self) -> str:
        """Where the reviewer comes from: their company, or faculty / career staff."""
        return self.company or self.kind

    @property
    def no_show_rate(self) -> float | None:
        """Missed sessions out of the sessions that were due (completed or missed), percent."""
        due = self.completed + self.no_shows
        return round(100 * self.no_shows / due, 1) if due else None

    @property
    def median_wait_days(self) -> float | None:
        if self.median_wait is None:
            return None
        return round(self.median_wait.total_seconds() / 86400, 1)


@dataclass(frozen=True)
class ReviewerAnalytics:
    rows: list[ReviewerRow]
    ratings: dict[int, int]  # stars -> how many completed sessions got them
    overall_wait: timedelta | None  # the median over every scheduled request

    @property
    def total(self) -> ReviewerRow:
        """The whole service as one row (the table's footer): sums, and the rating and wait
        over every session rather than an average of averages."""
        completed = sum(r.completed for r in self.rows)
        rated = sum(self.ratings.values())
        average = (
            round(sum(stars * n for stars, n in self.ratings.items()) / rated, 1) if rated else None
        )
        return ReviewerRow(
            pk=0,
            name=_("All reviewers"),
            kind="",
            company="",
            completed=completed,
            pending=sum(r.pending for r in self.rows),
            no_shows=sum(r.no_shows for r in self.rows),
            average_rating=average,
            median_wait=self.overall_wait,
        )


def _waits() -> tuple[dict[int, timedelta], timedelta | None]:
    """Median wait from request to session start per reviewer, and over everyone."""
    per_reviewer: dict[int, list[timedelta]] = defaultdict(list)
    rows = ReviewRequest.objects.filter(
        status__in=SCHEDULED, reviewer__isnull=False, slot__isnull=False
    ).values_list("reviewer_id", "created_at", "slot__starts_at")
    for reviewer_id, created_at, starts_at in rows:
        per_reviewer[reviewer_id].append(max(starts_at - created_at, timedelta(0)))
    everyone = [w for waits in per_reviewer.values() for w in waits]
    return (
        {pk: statistics.median(waits) for pk, waits in per_reviewer.items()},
        statistics.median(everyone) if everyone else None,
    )


def reviewer_analytics() -> ReviewerAnalytics:
    """Every reviewer who has had a request or takes requests, busiest first (three queries)."""
    completed = Q(requests__status=Status.COMPLETED)
    reviewers = (
        Reviewer.objects.select_related("user", "company")
        .annotate(
            completed=Count("requests", filter=completed),
            pending=Count("requests", filter=Q(requests__status=Status.PROPOSED)),
            no_shows=Count("requests", filter=Q(requests__status=Status.NO_SHOW)),
            handled=Count("requests"),
            average_rating=Avg("requests__rating", filter=completed),
        )
        .filter(Q(is_active=True) | Q(handled__gt=0))
        .order_by("-completed", "user__name", "pk")
    )
    waits, overall = _waits()
    rows = [
        ReviewerRow(
            pk=r.pk,
            name=r.user.name,
            kind=r.get_kind_display(),
            company=r.company.name if r.company else "",
            completed=r.completed,
            pending=r.pending,
            no_shows=r.no_shows,
            average_rating=round(r.average_rating, 1) if r.average_rating is not None else None,
            median_wait=waits.get(r.pk),
        )
        for r in reviewers
    ]
    counts = Counter(
        dict(
            ReviewRequest.objects.filter(status=Status.COMPLETED, rating__isnull=False)
            .values_list("rating")
            .annotate(n=Count("pk"))
            .values_list("rating", "n")
        )
    )
    ratings = {stars: counts.get(stars, 0) for stars in range(1, 6)}
    return ReviewerAnalytics(rows=rows, ratings=ratings, overall_wait=overall)


def sessions_chart(analytics: ReviewerAnalytics) -> Chart:
    """Completed and missed sessions of the busiest reviewers."""
    shown = analytics.rows[:CHART_REVIEWERS]
    return Chart(
        id="reviewer-sessions",
        title=_("Sessions per reviewer"),
        kind="bar",
        labels=[r.name for r in shown],
        series=[
            Series(_("Completed"), [r.completed for r in shown]),
            Series(_("Missed"), [r.no_shows for r in shown]),
        ],
        stacked=True,
        horizontal=True,
        unit=_("sessions"),
    )


def ratings_chart(analytics: ReviewerAnalytics) -> Chart:
    """How students rated their sessions, one bar per number of stars."""
    return Chart(
        id="reviewer-ratings",
        title=_("Ratings"),
        kind="bar",
        labels=[_("%(n)s of 5") % {"n": stars} for stars in analytics.ratings],
        series=[Series(_("Sessions"), list(analytics.ratings.values()))],
        unit=_("sessions"),
    )
