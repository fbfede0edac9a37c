from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from portal.exceptions import BulkError, PortalError
from portal.exports import csv_response
from portal.filters.ledger import HistoryFilter
from portal.forms import add_portal_error
from portal.forms.ledger import AwardForm, BulkAwardForm, ReverseForm, new_idempotency_key
from portal.htmx import HtmxHttpRequest, dashboard_instead, render_page
from portal.models import Category, Role, Transaction, User
from portal.permissions import (
    STAFF,
    access_transaction_for_reversal,
    can_reverse,
    own_history_profile_of,
    role_required,
    sees_everyones_history,
    student_profile_of,
)
from portal.phrases import points_phrase
from portal.selectors import accounts as account_selectors
from portal.selectors import ledger as ledger_selectors
from portal.services import ledger as ledger_services
from portal.tables.ledger import HistoryTable
from portal.tables.paging import configure_paged


def award_form_context(form: AwardForm, *, repeat: Transaction | None = None) -> dict[str, Any]:
    """What the award form partial needs, for a fresh or a re-displayed (invalid) form, or
    one filled in from an earlier entry (`repeat`, "Award again")."""
    cleaned = getattr(form, "cleaned_data", {})
    chosen = form.redisplay_student() if form.is_bound else None
    category = cleaned.get("category")
    if repeat is not None:
        chosen, category = repeat.student, repeat.category
    return {
        "award_form": form,
        "categories": form.categories,
        "category": category,
        "chosen_student": chosen,
        "chosen_list": [chosen] if chosen else [],
        "again": repeat is not None,
    }


def recent_awards_context(actor: User) -> dict[str, Any]:
    awards = ledger_selectors.list_recent_awards(actor)
    # Each row's reversal form needs only a fresh key: its reason is typed in the row, and a
    # refused reversal redraws the list. A `ReverseForm` per row, drawn through the widget
    # templates, cost a tenth of the staff dashboard (issue 17).
    return {
        "recent_awards": [
            (entry, can_reverse(actor, entry), new_idempotency_key()) for entry in awards
        ]
    }


@role_required(*STAFF)
@require_POST
def award_create(request: HtmxHttpRequest) -> HttpResponse:
    """The award/deduct form on the staff dashboards."""
    form = AwardForm(request.POST)
    entry = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == AwardForm.AWARD:
                entry = ledger_services.award_points(
                    actor=request.user,
                    student_id=data["student"],
                    category_id=data["category"].pk,
                    amount=data["points"],
                    reason=data["reason"],
                    idempotency_key=data["idempotency_key"],
                    known_category=data["category"],
                )
            else:
                entry = ledger_services.deduct_points(
                    actor=request.user,
                    student_id=data["student"],
                    category_id=data["category"].pk if data["category"] else None,
                    amount=data["points"],
                    reason=data["reason"],
                    idempotency_key=data["idempotency_key"],
                    known_category=data["category"],
                )
        except PortalError as exc:
            add_portal_error(form, exc)
    if entry is None:
        context = award_form_context(form)
        if not request.htmx:
            context.update(recent_awards_context(request.user))
        return render_page(request, "portal/ledger/award.html", context, partial="award-form")

    points = abs(entry.amount)
    # Whole sentences, each with its plural: "1 point", and a word order each language chooses.
    if entry.amount > 0:
        success = ngettext(
            "Awarded %(points)s point to %(name)s.",
            "Awarded %(points)s points to %(name)s.",
            points,
        )
    else:
        success = ngettext(
            "Deducted %(points)s point from %(name)s.",
            "Deducted %(points)s points from %(name)s.",
            points,
        )
    success %= {"points": points, "name": entry.student.user.name}
    if not request.htmx:
        messages.success(request, success)
        return redirect("portal:dashboard")
    # A small answer: the message (in the live region beside the form) and a fresh key for the
    # form; the page's script clears the form ("award-saved") and the recent awards redraw
    # themselves ("points-changed"). Drawing the form and a new row with its reversal form
    # again was a quarter of an award's time.
    response = render_page(
        request,
        "portal/ledger/award.html",
        {"success": success, "last_entry": entry, "fresh_key": new_idempotency_key()},
        partial="award-saved",
    )
    response["HX-Retarget"] = "#award-result"
    response["HX-Reswap"] = "innerHTML"
    return trigger_client_event(trigger_client_event(response, "points-changed"), "award-saved")


@role_required(*STAFF)
@require_GET
def recent_awards(request: HtmxHttpRequest) -> HttpResponse:
    """The staff member's recent awards, redrawn after each award (htmx)."""
    if redirect := dashboard_instead(request):
        return redirect
    return render_page(
        request, "portal/ledger/recent_awards.html", recent_awards_context(request.user)
    )


@role_required(*STAFF)
@require_GET
def award_page(request: HtmxHttpRequest) -> HttpResponse:
    """The award form on its own page (the form also sits on the staff dashboards). With
    ?again=<entry id>, the form is filled in like that award or deduction (a fresh key, so
    nothing is written until it is saved again); htmx swaps just the form."""
    repeat = ledger_selectors.get_entry_to_repeat(request.GET.get("again", ""))
    form = AwardForm(initial=AwardForm.initial_from(repeat)) if repeat else AwardForm()
    context = award_form_context(form, repeat=repeat)
    if not request.htmx:
        context.update(recent_awards_context(request.user))
    return render_page(request, "portal/ledger/award.html", context, partial="award-form")


@role_required(*STAFF)
@require_GET
def award_points_field(request: HtmxHttpRequest) -> HttpResponse:
    """The points input, pre-filled and bounded for the chosen category (htmx)."""
    category = Category.objects.filter(
        pk=request.GET.get("category") or None, is_active=True
    ).first()
    return render_page(
        request,
        "portal/ledger/award.html",
        {"category": category, "award_form": AwardForm()},
        partial="points-field",
    )


@role_required(*STAFF)
@require_GET
def student_search(request: HtmxHttpRequest) -> HttpResponse:
    """Students matching what the award form's search box holds (htmx, as you type)."""
    query = request.GET.get("q", "")[:100]
    mode = "bulk" if request.GET.get("mode") == "bulk" else "single"
    return render_page(
        request,
        "portal/ledger/student_search.html",
        {"results": account_selectors.search_students(query), "query": query, "mode": mode},
    )


@role_required(*STAFF)
def bulk_award(request: HtmxHttpRequest) -> HttpResponse:
    """Award one category to many students at once: all lines or none."""
    form = BulkAwardForm(request.POST or None)
    row_errors = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        lines, parse_errors = ledger_services.parse_bulk_lines(data["enrollment_numbers"])
        try:
            entries = ledger_services.bulk_award(
                actor=request.user,
                category_id=data["category"].pk,
                amount=data["points"],
                reason=data["reason"],
                lines=lines,
                parse_errors=parse_errors,
                idempotency_key=data["idempotency_key"],
            )
        except BulkError as exc:
            form.add_error(None, exc.message)
            row_errors = exc.rows
        except PortalError as exc:
            add_portal_error(form, exc)
        else:
            total = sum(e.amount for e in entries)
            messages.success(
                request,
                ngettext(
                    "Awarded %(points)s to %(count)s student in %(category)s.",
                    "Awarded %(points)s to %(count)s students in %(category)s.",
                    len(entries),
                )
                % {
                    "points": points_phrase(total),
                    "count": len(entries),
                    "category": data["category"].name,
                },
            )
            if request.htmx:
                return HttpResponseClientRedirect(reverse("portal:award-bulk"))
            return redirect("portal:award-bulk")
    return render_page(
        request,
        "portal/ledger/bulk_award.html",
        {"form": form, "row_errors": row_errors},
        partial="bulk-form",
    )


@role_required(*STAFF)
@require_POST
def transaction_reverse(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Reverse an award or deduction from the recent-awards list."""
    entry = access_transaction_for_reversal(request.user, pk)
    form = ReverseForm(request.POST)
    error = None
    if form.is_valid():
        try:
            ledger_services.reverse_transaction(
                actor=request.user,
                transaction_id=entry.pk,
                reason=form.cleaned_data["reason"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except PortalError as exc:
            error = exc.message
    else:
        error = _("Give a reason for the reversal.")
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("The entry was reversed."))
        return redirect("portal:dashboard")
    context = {
        **recent_awards_context(request.user),
        "reverse_error": error,
        "error_entry_id": entry.pk,
    }
    response = render_page(request, "portal/ledger/recent_awards.html", context)
    return response if error else trigger_client_event(response, "points-changed")


@login_required
@require_GET
def history(request: HtmxHttpRequest) -> HttpResponse:
    """A student's own ledger, or the whole ledger for staff, filterable and sortable."""
    viewer = request.user
    entries = ledger_selectors.list_history(viewer)
    filters = HistoryFilter(request.GET or None, queryset=entries, viewer=viewer)
    everyone = sees_everyones_history(viewer)
    table = HistoryTable(filters.shaped_qs(), show_student=everyone)
    configure_paged(request, table, per_page=25, count=False)
    context = {"filter": filters, "table": table, "standing": None}
    if not everyone:
        context["standing"] = ledger_selectors.get_standing(own_history_profile_of(viewer))
    return render_page(request, "portal/ledger/history.html", context, partial="history-table")


@login_required
@require_GET
def history_export(request: HtmxHttpRequest) -> StreamingHttpResponse:
    """The filtered history as CSV, streamed so a large export does not hold memory."""
    viewer = request.user
    filters = HistoryFilter(
        request.GET or None, queryset=ledger_selectors.list_history(viewer), viewer=viewer
    )
    rows = filters.qs.order_by("-created_at", "-id").values_list(
        "id",
        "created_at",
        "student__enrollment_number",
        "student__user__name",
        "kind",
        "category__name",
        "amount",
        "reason",
        "actor__email",
        "reverses_id",
    )
    header = [
        "id",
        "time",
        "enrollment_number",
        "student",
        "kind",
        "category",
        "points",
        "reason",
        "by",
        "reverses",
    ]

    def localised(rows: Iterator[tuple]) -> Iterator[list]:
        for row in rows:
            values = list(row)
            values[1] = timezone.localtime(values[1]).isoformat(timespec="seconds")
            yield values

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return csv_response(
        f"upas-history-{stamp}.csv", header, localised(rows.iterator(chunk_size=2000))
    )


@role_required(Role.STUDENT)
@require_GET
def balance_badge(request: HtmxHttpRequest) -> HttpResponse:
    """The balance in the header, refreshed when an htmx action changed points."""
    profile = student_profile_of(request.user)
    return render_page(
        request, "portal/components/balance_badge.html", {"balance": profile.balance}
    )
