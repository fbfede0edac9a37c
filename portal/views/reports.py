"""Admin reports: points per department and per category over a date range, and their CSVs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from portal.exports import csv_response
from portal.forms.reports import DateRange, ReportRangeForm, quick_ranges, this_term
from portal.htmx import HtmxHttpRequest, render_page
from portal.models import Role
from portal.permissions import can_see_reviewer_analytics, role_required
from portal.selectors import reviewer_analytics as analytics_selectors
from portal.selectors.reports import (
    Report,
    attendance_report,
    category_report,
    department_report,
)

# (CSV header, column heading, row attribute): the page and the CSV are built from the same
# list, so they cannot disagree.
DEPARTMENT_COLUMNS = [
    ("department", _("Department"), "name"),
    ("students", _("Students"), "students"),
    ("active_students", _("Active"), "active_students"),
    ("points_issued", _("Issued"), "issued"),
    ("points_deducted_or_reversed", _("Deducted / reversed"), "taken_back"),
    ("net_points", _("Net"), "net"),
    ("points_spent", _("Spent"), "spent"),
    ("redemptions", _("Redemptions"), "redemptions"),
    ("check_ins", _("Check-ins"), "checkins"),
]
CATEGORY_COLUMNS = [
    ("category", _("Category"), "name"),
    ("awards", _("Awards"), "awards"),
    ("students_reached", _("Students reached"), "students_reached"),
    ("points_issued", _("Issued"), "issued"),
    ("points_deducted_or_reversed", _("Deducted / reversed"), "taken_back"),
    ("net_points", _("Net"), "net"),
    ("share_of_issued_percent", _("Share of issued"), "share"),
]

EVENT_COLUMNS = [
    ("event", _("Event"), "name"),
    ("date", _("Date"), "date"),
    ("registered", _("Registered"), "registered"),
    ("attended", _("Attended"), "attended"),
    ("no_shows", _("No-shows"), "no_shows"),
    ("excused", _("Excused"), "excused"),
    ("walk_ins", _("Walk-ins"), "walk_ins"),
]
# The page lists the latest events of the range; the CSV and the total have them all.
EVENT_ROWS_SHOWN = 100


def _cells(row: Any, columns: list[tuple[str, Any, str]]) -> list[Any]:
    values = [getattr(row, attribute) for _header, _label, attribute in columns]
    # The share is a float; the page and the CSV both show one decimal.
    return [round(v, 1) if isinstance(v, float) else v for v in values]


def _table(
    report: Report[Any], columns: list[tuple[str, Any, str]], *, limit: int | None = None
) -> dict[str, Any]:
    shown = report.rows if limit is None else report.rows[:limit]
    return {
        "headings": [label for _header, label, _attribute in columns],
        "rows": [_cells(row, columns) for row in shown],
        "total": _cells(report.total, columns),
        "percent_last": columns[-1][2] == "share",
        "more": len(report.rows) - len(shown),
        # Columns after the first that hold text (a date), not numbers to group by thousands.
        "texts": [i for i, (_h, _l, attribute) in enumerate(columns) if attribute == "date"],
    }


def _query(date_range: DateRange) -> str:
    return f"from={date_range.first.isoformat()}&to={date_range.last.isoformat()}"


def _range_from(request: HtmxHttpRequest) -> tuple[ReportRangeForm, DateRange | None]:
    """The form and the range it asks for (the current term when nothing was asked); no range
    when the input is invalid, so nothing is computed."""
    default = this_term()
    form = ReportRangeForm(
        request.GET or None, initial={"start": default.first, "end": default.last}
    )
    if not form.is_bound:
        return form, default
    return form, form.date_range if form.is_valid() else None


@role_required(Role.ADMIN)
@require_GET
def reports(request: HtmxHttpRequest) -> HttpResponse:
    form, date_range = _range_from(request)
    context: dict[str, Any] = {
        "form": form,
        "date_range": date_range,
        # (label, query, active): a range counts as chosen when its days are the shown ones.
        "quick_links": [(label, _query(r), r == date_range) for label, r in quick_ranges()],
        "time_zone": timezone.get_default_timezone_name(),
        "can_see_reviewers": can_see_reviewer_analytics(request.user),
    }
    if date_range is not None:
        context.update(
            query=_query(date_range),
            departments=_table(
                department_report(date_range.start, date_range.end), DEPARTMENT_COLUMNS
            ),
            categories=_table(category_report(date_range.start, date_range.end), CATEGORY_COLUMNS),
            events=_table(
                attendance_report(date_range.start, date_range.end),
                EVENT_COLUMNS,
                limit=EVENT_ROWS_SHOWN,
            ),
        )
    return render_page(request, "portal/staff/reports.html", context, partial="report")


def _csv(request: HtmxHttpRequest, name: str) -> HttpResponse | StreamingHttpResponse:
    _form, date_range = _range_from(request)
    if date_range is None:
        # Back to the page, which shows what is wrong next to the field.
        return redirect(f"{reverse('portal:reports')}?{request.GET.urlencode()}")
    if name == "departments":
        report, columns = department_report(date_range.start, date_range.end), DEPARTMENT_COLUMNS
    elif name == "events":
        report, columns = attendance_report(date_range.start, date_range.end), EVENT_COLUMNS
    else:
        report, columns = category_report(date_range.start, date_range.end), CATEGORY_COLUMNS

    def rows() -> Iterator[list[Any]]:
        for row in [*report.rows, report.total]:
            yield _cells(row, columns)

    return csv_response(
        f"upas-{name}-{date_range.first.isoformat()}-to-{date_range.last.isoformat()}.csv",
        [header for header, _label, _attribute in columns],
        rows(),
    )


@role_required(Role.ADMIN)
@require_GET
def department_csv(request: HtmxHttpRequest) -> HttpResponse | StreamingHttpResponse:
    return _csv(request, "departments")


@role_required(Role.ADMIN)
@require_GET
def category_csv(request: HtmxHttpRequest) -> HttpResponse | StreamingHttpResponse:
    return _csv(request, "categories")


@role_required(Role.ADMIN)
@require_GET
def event_csv(request: HtmxHttpRequest) -> HttpResponse | StreamingHttpResponse:
    return _csv(request, "events")


# (CSV header, column heading, row attribute), as above. Percent and days have one decimal.
REVIEWER_COLUMNS = [
    ("reviewer", _("Reviewer"), "name"),
    ("company_or_kind", _("From"), "source"),
    ("sessions_completed", _("Completed"), "completed"),
    ("proposals_pending", _("Waiting"), "pending"),
    ("median_days_to_session", _("Median days to session"), "median_wait_days"),
    ("average_rating", _("Average rating"), "average_rating"),
    ("no_shows", _("Missed"), "no_shows"),
    ("no_show_rate_percent", _("Missed (%)"), "no_show_rate"),
]


def _reviewer_table(analytics: analytics_selectors.ReviewerAnalytics) -> dict[str, Any]:
    return {
        "headings": [label for _header, label, _attribute in REVIEWER_COLUMNS],
        "rows": [_cells(row, REVIEWER_COLUMNS) for row in analytics.rows],
        "total": _cells(analytics.total, REVIEWER_COLUMNS),
        "percent_last": True,
        "more": 0,
        "texts": [1],
    }


@role_required(Role.ADMIN)
@require_GET
def reviewer_report(request: HtmxHttpRequest) -> HttpResponse:
    """Reviewer analytics: sessions, waits, ratings and missed sessions per reviewer."""
    if not can_see_reviewer_analytics(request.user):
        raise PermissionDenied
    analytics = analytics_selectors.reviewer_analytics()
    return render_page(
        request,
        "portal/staff/reviewer_report.html",
        {
            "table": _reviewer_table(analytics),
            "has_rows": bool(analytics.rows),
            "charts": [
                analytics_selectors.sessions_chart(analytics),
                analytics_selectors.ratings_chart(analytics),
            ],
        },
    )


@role_required(Role.ADMIN)
@require_GET
def reviewer_csv(request: HtmxHttpRequest) -> HttpResponse | StreamingHttpResponse:
    if not can_see_reviewer_analytics(request.user):
        raise PermissionDenied
    analytics = analytics_selectors.reviewer_analytics()
    rows = [_cells(row, REVIEWER_COLUMNS) for row in [*analytics.rows, analytics.total]]
    return csv_response(
        f"upas-reviewers-{timezone.localdate().isoformat()}.csv",
        [header for header, _label, _attribute in REVIEWER_COLUMNS],
        rows,
    )
