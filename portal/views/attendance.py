"""Attendance: the organiser's attendance page (check-ins, registered students who did not come,
refused attempts), checking in by hand and by upload, the export; and correcting it: annul a
check-in, excuse a registered student, a student's "I was there" (from the event's page) and
the organisers' one queue of those disputes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from portal.exceptions import BulkError, PortalError
from portal.exports import csv_response
from portal.forms import first_error
from portal.forms.events import (
    AnnulForm,
    AttendanceUploadForm,
    DisputeDecisionForm,
    DisputeForm,
    ManualCheckInForm,
)
from portal.htmx import HtmxHttpRequest, answer_in_panel, render_page
from portal.models import AttendanceDispute, Event, Role
from portal.permissions import (
    access_checkin_for_organiser,
    access_dispute_for_organiser,
    access_event,
    access_event_for_organiser,
    access_registration_for_organiser,
    organiser_required,
    role_required,
)
from portal.selectors import accounts as account_selectors
from portal.selectors import attendance as attendance_selectors
from portal.selectors import events as event_selectors
from portal.services import attendance as attendance_services
from portal.services import attendance_upload
from portal.services import events as event_services
from portal.views.decisions import answer_decision
from portal.views.events import dispute_context

QUEUE = "portal/events/disputes.html"
QUEUE_PAGE_SIZE = 25


@organiser_required
@require_GET
def event_attendance(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    event = access_event_for_organiser(request.user, pk)
    # Each list pages on its own; htmx names the one to redraw.
    target = request.htmx.target if request.htmx else None
    partial = target if target in ATTENDANCE_LISTS else "attendance-list"
    return render_page(
        request,
        "portal/events/attendance.html",
        _attendance_context(request, event),
        partial=partial,
    )


# A page of check-ins: the largest events have hundreds, and the list grew with each.
ATTENDANCE_PAGE_SIZE = 50
# Refused attempts and absent registered students: shorter lists on the same page.
SIDE_LIST_PAGE_SIZE = 20
ATTENDANCE_LISTS = ("attendance-list", "absent-list", "attempt-list")


def _attendance_context(request: HtmxHttpRequest, event: Event, **extra: Any) -> dict[str, Any]:
    """The attendance page: figures, the check-ins (annulled ones too), the registered
    students who did not come (with who was excused), and the refused attempts. Each list has
    its own page number (`page`, `absent`, `refused`); a constant number of queries."""
    attendance = Paginator(event_selectors.list_attendance(event), ATTENDANCE_PAGE_SIZE)
    attempts = Paginator(attendance_selectors.list_attempts(event), SIDE_LIST_PAGE_SIZE)
    context: dict[str, Any] = {
        "event": event,
        "figures": event_selectors.registration_figures(event),
        "page": attendance.get_page(request.GET.get("page")),
        "attempts": attempts.get_page(request.GET.get("refused")),
        "manual_form": ManualCheckInForm(),
        "upload_form": AttendanceUploadForm(),
        "now": timezone.now(),
    }
    if event.requires_registration:
        absent = Paginator(attendance_selectors.list_absentees(event), SIDE_LIST_PAGE_SIZE)
        context["absentees"] = absent.get_page(request.GET.get("absent"))
    return {**context, **extra}


@organiser_required
@require_POST
def event_checkin_manual(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    event = access_event_for_organiser(request.user, pk)
    form = ManualCheckInForm(request.POST)
    if form.is_valid():
        try:
            checkin = event_services.check_in(
                actor=request.user, event_id=event.pk, student_id=form.cleaned_data["student"].pk
            )
        except PortalError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(n)s is checked in.") % {"n": checkin.student.user.name})
    else:
        messages.error(request, first_error(form))
    return redirect("portal:event-attendance", pk=event.pk)


@organiser_required
@require_POST
def event_attendance_upload(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    event = access_event_for_organiser(request.user, pk)
    form = AttendanceUploadForm(request.POST, request.FILES)
    extra: dict[str, Any] = {"upload_form": form}
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            attendance_upload.check_size(upload.size)  # before reading it into memory
            report = attendance_upload.import_attendance(
                actor=request.user, event_id=event.pk, data=upload.read(), name=upload.name
            )
        except BulkError as exc:
            form.add_error("file", exc.message)
            extra["row_errors"] = exc.rows
        except PortalError as exc:
            form.add_error("file", exc.message)
        else:
            extra["report"] = report
            extra["upload_form"] = AttendanceUploadForm()
    return render_page(
        request, "portal/events/attendance.html", _attendance_context(request, event, **extra)
    )


@organiser_required
@require_GET
def event_attendance_export(request: HtmxHttpRequest, pk: int) -> StreamingHttpResponse:
    event = access_event_for_organiser(request.user, pk)
    rows = event_selectors.list_attendance(event).order_by("created_at").iterator(chunk_size=1000)
    # Annulled check-ins too, with when and why: the file is the event's whole record.
    return csv_response(
        f"attendance-{event.pk}.csv",
        [
            "enrollment_number",
            "name",
            "department",
            "checked_in_at",
            "method",
            "annulled_at",
            "annul_reason",
        ],
        (
            [
                c.student.enrollment_number,
                c.student.user.name,
                c.student.department.code if c.student.department else "",
                timezone.localtime(c.created_at).isoformat(timespec="seconds"),
                c.method,
                (
                    timezone.localtime(c.annulled_at).isoformat(timespec="seconds")
                    if c.annulled_at
                    else ""
                ),
                c.annul_reason,
            ]
            for c in rows
        ),
    )


@organiser_required
@require_GET
def event_student_search(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    access_event_for_organiser(request.user, pk)
    query = request.GET.get("q", "")[:100]
    return render_page(
        request,
        "portal/ledger/student_search.html",
        {"results": account_selectors.search_students(query), "query": query, "mode": "single"},
    )


# --- corrections ---------------------------------------------------------------------------------


def _back_to_attendance(request: HtmxHttpRequest, event_id: int) -> HttpResponse:
    """The attendance page again, at the pages of its lists the form was posted from."""
    kept = {k: v for k in ("page", "absent", "refused") if (v := request.POST.get(k, "")).isdigit()}
    url = reverse("portal:event-attendance", args=[event_id])
    return redirect(f"{url}?{urlencode(kept)}" if kept else url)


@organiser_required
@require_POST
def checkin_annul(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    checkin = access_checkin_for_organiser(request.user, pk)
    form = AnnulForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        done = attendance_services.annul_checkin(
            actor=request.user, checkin_id=checkin.pk, reason=reason
        )
    except PortalError as exc:
        messages.error(request, exc.message)
    else:
        points = -done.reversal.amount if done.reversal else 0
        message = ngettext(
            "%(name)s's check-in is annulled and %(points)s point taken back.",
            "%(name)s's check-in is annulled and %(points)s points taken back.",
            points,
        ) % {"name": checkin.student.user.name, "points": points}
        if done.withdrawn_from:
            message += " " + ngettext(
                "Their entry to an open draw was withdrawn.",
                "Their entries to %(n)s open draws were withdrawn.",
                len(done.withdrawn_from),
            ) % {"n": len(done.withdrawn_from)}
        messages.success(request, message)
    return _back_to_attendance(request, checkin.event_id)


@organiser_required
@require_POST
def registration_excuse(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Excuse a registered student (excused=1) or take the excuse back (excused=0)."""
    registration = access_registration_for_organiser(request.user, pk)
    excused = request.POST.get("excused") == "1"
    try:
        attendance_services.set_excused(
            actor=request.user, registration_id=registration.pk, excused=excused
        )
    except PortalError as exc:
        messages.error(request, exc.message)
    else:
        name = registration.student.user.name
        messages.success(
            request,
            _("%(name)s is excused.") % {"name": name}
            if excused
            else _("%(name)s is no longer excused.") % {"name": name},
        )
    return _back_to_attendance(request, registration.event_id)


@role_required(Role.STUDENT)
@require_POST
def event_dispute(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A student tells the organiser they were there ("I was there")."""
    event = access_event(request.user, pk)
    form = DisputeForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    done = error = ""
    try:
        attendance_services.file_dispute(actor=request.user, event_id=event.pk, note=note)
    except PortalError as exc:
        error = exc.message
    else:
        done = _("Sent to the organiser. You will get a notification with their answer.")
    extra: dict[str, Any] = {"dispute_message": done, "dispute_error": error}
    if error:
        extra["dispute_form"] = form  # keep what was typed
    return answer_in_panel(
        request,
        "portal/events/detail.html",
        "dispute-panel",
        lambda: dispute_context(request, event, **extra),
        done=done,
        error=error,
        back=reverse("portal:event-detail", args=[event.pk]),
    )


# --- the organisers' queue -----------------------------------------------------------------------


def _render_queue(request: HtmxHttpRequest, query: QueryDict, **extra: Any) -> HttpResponse:
    disputes = Paginator(attendance_selectors.open_disputes(request.user), QUEUE_PAGE_SIZE)
    return render_page(
        request,
        QUEUE,
        {"page": disputes.get_page(query.get("page")), **extra},
        partial="dispute-list",
    )


@organiser_required
@require_GET
def dispute_queue(request: HtmxHttpRequest) -> HttpResponse:
    """Every open dispute about the events the viewer may manage, oldest first."""
    return _render_queue(request, request.GET)


def _after_decision(request: HtmxHttpRequest, message: str, error: str | None) -> HttpResponse:
    return answer_decision(
        request,
        message=message,
        error=error,
        queue="portal:dispute-queue",
        render_queue=lambda query, **extra: _render_queue(request, query, **extra),
        event="dispute-decided",
    )


@organiser_required
@require_POST
def dispute_decide(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Accept (the student is checked in and credited) or reject with a reason, inline."""
    dispute = access_dispute_for_organiser(request.user, pk)
    form = DisputeDecisionForm(request.POST)
    if not form.is_valid():
        return _after_decision(request, "", _("Choose accept or reject."))
    accept = form.cleaned_data["decision"] == "accept"
    try:
        decided = attendance_services.decide_dispute(
            actor=request.user,
            dispute_id=dispute.pk,
            accept=accept,
            reason=form.cleaned_data["reason"],
        )
    except PortalError as exc:
        return _after_decision(request, "", exc.message)
    values = {"name": dispute.student.user.name, "event": dispute.event.title}
    if decided.status == AttendanceDispute.Status.ACCEPTED:
        message = _("Accepted: %(name)s is checked in to “%(event)s”.") % values
    else:
        message = _("Rejected: %(name)s's dispute about “%(event)s”.") % values
    return _after_decision(request, message, None)
