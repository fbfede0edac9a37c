"""The review queue (faculty and admins): claims and task submissions in one table, decided
inline through htmx, one at a time or in bulk."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event
from django_tables2 import RequestConfig

from portal.exceptions import PortalError
from portal.filters.claims import ReviewFilterForm
from portal.forms import first_error
from portal.forms.claims import BulkReviewForm, DecisionForm
from portal.htmx import HtmxHttpRequest, render_page
from portal.models import ActivityClaim, Role, TaskAssignment
from portal.permissions import role_required
from portal.selectors import claims as claim_selectors
from portal.selectors.claims import Kind, QueueStatus
from portal.services import reviews as review_services
from portal.services.claims import Decision
from portal.tables.claims import ReviewTable

STAFF = (Role.FACULTY, Role.ADMIN)
QUEUE = "portal/reviews/queue.html"
DONE = {Decision.APPROVE: _("Approved"), Decision.REJECT: _("Rejected")}


def _page_query(request: HtmxHttpRequest) -> QueryDict:
    """The queue's filters as the page shows them: after an htmx POST, from the page's URL."""
    if request.method == "GET":
        return request.GET
    current = request.htmx.current_url if request.htmx else None
    return QueryDict(urlsplit(current).query if current else "")


def _queue_context(request: HtmxHttpRequest, query: QueryDict, **extra: Any) -> dict[str, Any]:
    filters = ReviewFilterForm(query)
    options = filters.options()
    waiting = options["status"] == QueueStatus.WAITING
    # Decided items cannot be decided again: no checkboxes for them.
    table = ReviewTable(
        claim_selectors.list_review_queue(**options), exclude=() if waiting else ("selected",)
    )
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    return {
        "filter": filters,
        "table": table,
        "waiting_view": waiting,
        **extra,
    }


@role_required(*STAFF)
@require_GET
def review_queue(request: HtmxHttpRequest) -> HttpResponse:
    return render_page(request, QUEUE, _queue_context(request, request.GET), partial="review-table")


def _after_decision(request: HtmxHttpRequest, message: str, error: str | None) -> HttpResponse:
    if not request.htmx:
        if error:
            messages.error(request, error)
        if message:
            messages.success(request, message)
        return redirect("portal:reviews")
    context = _queue_context(request, _page_query(request), notice=message, error=error)
    response = render_page(request, QUEUE, context, partial="review-table")
    return trigger_client_event(response, "review-decided") if message else response


def _describe(item: ActivityClaim | TaskAssignment) -> str:
    if isinstance(item, ActivityClaim):
        return _("%(cat)s claim by %(name)s (%(points)s points)") % {
            "cat": item.category.name,
            "name": item.student.user.name,
            "points": item.points,
        }
    return _("“%(title)s” by %(name)s (%(points)s points)") % {
        "title": item.task.title,
        "name": item.student.user.name,
        "points": item.task.points,
    }


@role_required(*STAFF)
@require_POST
def review_decide(request: HtmxHttpRequest, kind: str, pk: int) -> HttpResponse:
    """Approve or reject (with a comment) one claim or task submission, inline."""
    if kind == Kind.CLAIM:
        exists = ActivityClaim.objects.filter(pk=pk).exists()
    elif kind == Kind.TASK:
        exists = TaskAssignment.objects.filter(pk=pk).exists()
    else:
        exists = False
    if not exists:
        raise Http404
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
    form = BulkReviewForm(request.POST)
    if not form.is_valid():
        return _after_decision(request, "", first_error(form))
    data = form.cleaned_data
    try:
        outcome = review_services.decide_many(
            actor=request.user,
            items=data["selected"],
            decision=data["decision"],
            comment=data["comment"],
        )
    except PortalError as exc:
        return _after_decision(request, "", exc.message)
    message = ""
    if outcome.done:
        message = _("%(done)s %(n)s item(s).") % {
            "done": DONE[data["decision"]],
            "n": len(outcome.done),
        }
    error = None
    if outcome.skipped:
        error = _("Skipped %(n)s: %(reasons)s") % {
            "n": len(outcome.skipped),
            "reasons": "; ".join(f"{label}: {reason}" for label, reason in outcome.skipped),
        }
    return _after_decision(request, message, error)


@role_required(*STAFF)
@require_GET
def review_count(request: HtmxHttpRequest) -> HttpResponse:
    """The waiting count for the navigation, refreshed after each decision."""
    return render_page(
        request,
        "portal/reviews/count_badge.html",
        {"waiting": claim_selectors.pending_review_count()},
    )
