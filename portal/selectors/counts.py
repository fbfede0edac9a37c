"""Counts of related rows for the rows of a list (issue 9)."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce


def count_per_row(related: QuerySet, *, link: str, where: Q | None = None) -> Coalesce:
    """How many of `related` point at each outer row through `link` (and match `where`), as a
    correlated subquery: evaluated for the rows the list shows, from the index on `link`.
    Count() over the relation would join and group every related row of every matching outer
    row before the list's LIMIT (check-ins, task assignments, draw entries: 15-225 ms at
    50,000 students). `where` is counted rather than filtered, for conditions an index would
    mislead SQLite on (see rewards.list_catalogue)."""
    counts = (
        related.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(n=Count("id", filter=where))
        .values("n")
    )
    return Coalesce(Subquery(counts), 0)
