"""The review queue (faculty and admins): claims and task submissions in one table, decided
inline through htmx, one at a time or in bulk."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from portal.exceptions import PortalError
from portal.filters.claims import ReviewFilterForm
from portal.forms.claims import BulkReviewForm, DecisionForm
from portal.htmx import HtmxHttpRequest, render_page
from portal.models import ActivityClaim, ReviewDecision, TaskAssignment
from portal.permissions import STAFF, access_review_item, can_manage_catalogue, role_required
from portal.selectors import attendance as attendance_selectors
from portal.selectors import reviews as review_selectors
from portal.selectors import rewards as reward_selectors
from portal.selectors.reviews import QueueStatus
from portal.services import reviews as review_services
from portal.tables.claims import ReviewTable
from portal.tables.paging import configure_paged
from portal.views.decisions import answer_decision, decide_in_bulk

QUEUE = "portal/reviews/queue.html"
DONE = {
    ReviewDecision.APPROVE: gettext_lazy("Approved"),
    ReviewDecision.REJECT: gettext_lazy("Rejected"),
}


def _queue_context(request: HtmxHttpRequest, query: QueryDict, **extra: Any) -> dict[str, Any]:
    filters = ReviewFilterForm(query, reviewer=request.user)
    options = filters.options()
    waiting = options["status"] == QueueStatus.WAITING
    # Decided items cannot be decided again: no checkboxes for them.
    table = ReviewTable(
        review_selectors.list_review_queue(**options),
        exclude=() if waiting else ("selected",),
        ranked=options.get("reviewer") is not None,
    )
    configure_paged(request, table, per_page=25, count=True)
    return {
        "filter": filters,
        "table": table,
        "waiting_view": waiting,
        "mine_filter": "mine" in filters.fields,
        **extra,
    }


@role_required(*STAFF)
@require_GET
def review_queue(request: HtmxHttpRequest) -> HttpResponse:
    return _render_queue(request, request.GET)


def _render_queue(request: HtmxHttpRequest, query: QueryDict, **extra: Any) -> HttpResponse:
    return render_page(
        request, QUEUE, _queue_context(request, query, **extra), partial="review-table"
    )


def _after_decision(request: HtmxHttpRequest, message: str, error: str | None) -> HttpResponse:
    return answer_decision(
        request,
        message=message,
        error=error,
        queue="portal:reviews",
        render_queue=lambda query, **extra: _render_queue(request, query, **extra),
        event="review-decided",
    )


def _describe(item: ActivityClaim | TaskAssignment) -> str:
    if isinstance(item, ActivityClaim):
        return ngettext(
            "%(cat)s claim by %(name)s (%(points)s point)",
            "%(cat)s claim by %(name)s (%(points)s points)",
            item.points,
        ) % {
            "cat": item.category.name,
            "name": item.student.user.name,
            "points": item.points,
        }
    return ngettext(
        "“%(title)s” by %(name)s (%(points)s point)",
        "“%(title)s” by %(name)s (%(points)s points)",
        item.task.points,
    ) % {
        "title": item.task.title,
        "name": item.student.user.name,
        "points": item.task.points,
    }


@role_required(*STAFF)
@require_POST
def review_decide(request: HtmxHttpRequest, kind: str, pk: int) -> HttpResponse:
    """Approve or reject (with a comment) one claim or task submission, inline."""
    access_review_item(request.user, kind, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _after_decision(request, "", _("Choose approve or reject."))
    data = form.cleaned_data
    try:
        item = review_services.decide_review(
            actor=request.user,
            kind=kind,
            item_id=pk,
            decision=data["decision"],
            comment=data["comment"],
        )
    except PortalError as exc:
        return _after_decision(request, "", exc.message)
    message = _("%(done)s: %(what)s.") % {"done": DONE[data["decision"]], "what": _describe(item)}
    return _after_decision(request, message, None)


@role_required(*STAFF)
@require_POST
def review_bulk(request: HtmxHttpRequest) -> HttpResponse:
    """One decision for every ticked row; rows decided meanwhile or refused are listed."""

    def decide(data: dict[str, Any]) -> tuple[int, list[tuple[str, str]]]:
        outcome = review_services.decide_many(
            actor=request.user,
            items=data["selected"],
            decision=data["decision"],
            comment=data["comment"],
        )
        return len(outcome.done), outcome.skipped

    def summary(data: dict[str, Any], count: int) -> str:
        done = DONE[data["decision"]]
        return ngettext("%(done)s %(n)s item.", "%(done)s %(n)s items.", count) % {
            "done": done,
            "n": count,
        }

    return decide_in_bulk(
        BulkReviewForm(request.POST),
        decide=decide,
        summary=summary,
        answer=lambda message, error: _after_decision(request, message, error),
    )


@role_required(*STAFF)
@require_GET
def review_count(request: HtmxHttpRequest) -> HttpResponse:
    """The waiting count for the navigation, refreshed after each decision. It also fills
    the check-in disputes' count beside it and the phone menu's button, which shows
    everything waiting for this user: for admins that includes the pending redemptions (and
    it is refreshed after their decisions too)."""
    waiting = review_selectors.pending_review_count()
    disputes = attendance_selectors.open_dispute_count(request.user)
    pending = reward_selectors.pending_count() if can_manage_catalogue(request.user) else 0
    return render_page(
        request,
        "portal/reviews/count_badge.html",
        {
            "waiting": waiting,
            "disputes": disputes,
            "pending": pending,
            "menu_total": waiting + disputes + pending,
        },
    )
