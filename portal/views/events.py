"""Events: list and detail, organiser management, the check-in screen, student check-in and
the organiser's attendance tools."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from portal.exceptions import BulkError, PortalError
from portal.exports import csv_response
from portal.forms import first_error
from portal.forms.events import (
    AttendanceUploadForm,
    CodeForm,
    EventFilterForm,
    EventForm,
    ManualCheckInForm,
)
from portal.htmx import HtmxHttpRequest, render_page
from portal.models import CheckIn, Event, Role
from portal.permissions import role_required
from portal.selectors import accounts as account_selectors
from portal.selectors import events as event_selectors
from portal.services import events as event_services
from portal.services import reminders as reminder_services

STAFF = (Role.FACULTY, Role.ADMIN)


@login_required
@require_GET
def event_list(request: HtmxHttpRequest) -> HttpResponse:
    filters = EventFilterForm(request.GET)
    events = event_selectors.list_events(request.user, **filters.options())[:60]
    return render_page(
        request,
        "portal/events/list.html",
        {"filters": filters, "events": events},
        partial="event-list",
    )


def _detail_context(request: HtmxHttpRequest, event: Event, **extra: Any) -> dict[str, Any]:
    checkin = None
    reminder_set = False
    if request.user.role == Role.STUDENT:
        checkin = CheckIn.objects.filter(event=event, student__user=request.user).first()
        reminder_set = event_selectors.has_reminder(event, request.user)
    return {
        "event": event,
        "checkin": checkin,
        "reminder_set": reminder_set,
        "can_manage": event_services.can_manage(request.user, event),
        "checkin_count": event.checkins.count(),
        "code_form": CodeForm(),
        "now": timezone.now(),
        **extra,
    }


@login_required
@require_GET
def event_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    event = event_selectors.access_event(request.user, pk)
    return render_page(request, "portal/events/detail.html", _detail_context(request, event))


@role_required(Role.STUDENT)
@require_POST
def event_remind(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Ask for (remind=1) or drop (remind=0) a reminder before the event starts."""
    event = event_selectors.access_event(request.user, pk)
    error = ""
    try:
        wanted = reminder_services.set_reminder(
            actor=request.user, event=event, wanted=request.POST.get("remind") == "1"
        )
    except PortalError as exc:
        error = exc.message
        wanted = event_selectors.has_reminder(event, request.user)
    if request.htmx:
        return render_page(
            request,
            "portal/events/detail.html",
            {"event": event, "reminder_set": wanted, "reminder_error": error},
            partial="reminder-panel",
        )
    if error:
        messages.error(request, error)
    elif wanted:
        messages.success(request, _("We will remind you the day before it starts."))
    return redirect("portal:event-detail", pk=event.pk)


@role_required(*STAFF)
def event_edit(request: HtmxHttpRequest, pk: int | None = None) -> HttpResponse:
    event = event_selectors.access_event_for_organiser(request.user, pk) if pk else None
    form = EventForm(request.POST or None, instance=event)
    if request.method == "POST" and form.is_valid():
        saved = event_services.save_event(actor=request.user, event=form.save(commit=False))
        messages.success(request, _("Saved “%(t)s”.") % {"t": saved.title})
        return redirect("portal:event-detail", pk=saved.pk)
    return render_page(request, "portal/events/form.html", {"form": form, "event": event})


@role_required(*STAFF)
@require_POST
def event_status(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    event = event_selectors.access_event_for_organiser(request.user, pk)
    try:
        event = event_services.set_event_status(
            actor=request.user, event_id=event.pk, status=request.POST.get("status", "")
        )
    except PortalError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The event is now %(s)s.") % {"s": event.get_status_display().lower()}
        )
    return redirect("portal:event-detail", pk=event.pk)


# --- student check-in ---------------------------------------------------------------------------


@login_required
def event_checkin(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """POST: a typed code (or a scanned link's token) checks the student in. GET with ?t=: the
    page a QR scan lands on, which submits itself once the student is signed in."""
    event = event_selectors.access_event(request.user, pk)
    token = request.POST.get("t") or request.GET.get("t", "")
    if request.method != "POST":
        return render_page(request, "portal/events/scan.html", {"event": event, "token": token})
    form = CodeForm(request.POST) if not token else None
    error = None
    checkin = None
    if form is not None and not form.is_valid():
        error = _("Type the code shown on the screen.")
    else:
        try:
            checkin = event_services.check_in(
                actor=request.user,
                event_id=event.pk,
                code=form.cleaned_data["code"] if form is not None else "",
                scan_token=token,
            )
        except PortalError as exc:
            error = exc.message
    if not request.htmx:
        if checkin:
            messages.success(
                request, _("Checked in! %(p)s points added.") % {"p": event.attendance_points}
            )
        else:
            messages.error(request, error)
        return redirect("portal:event-detail", pk=event.pk)
    context = _detail_context(request, event, code_error=error, just_checked_in=checkin is not None)
    if form is not None and error:
        context["code_form"] = form
    response = render_page(request, "portal/events/detail.html", context, partial="checkin-panel")
    return trigger_client_event(response, "points-changed") if checkin else response


@require_GET
def event_scan(request: HtmxHttpRequest, pk: int, code: str) -> HttpResponse:
    """Where the QR code points. A code valid now is exchanged for a 10-minute token, so a
    student who has to sign in first still checks in; then the check-in page takes over."""
    event = Event.objects.filter(pk=pk, status=Event.Status.PUBLISHED).first()
    if event is None or not event_services.code_is_valid(event, code):
        return render_page(
            request, "portal/events/scan.html", {"event": event, "expired": True}, status=400
        )
    url = (
        reverse("portal:event-checkin", args=[event.pk])
        + "?t="
        + event_services.mint_scan_token(event)
    )
    return redirect(url)


# --- organiser: check-in screen and attendance ----------------------------------------------------


def _screen_context(request: HtmxHttpRequest, event: Event) -> dict[str, Any]:
    code = event_services.current_code(event)
    scan_url = request.build_absolute_uri(reverse("portal:event-scan", args=[event.pk, code]))
    qr = segno.make(scan_url, error="m").svg_inline(dark="#0f172a", border=2, omitsize=True)
    recent = list(event_selectors.list_attendance(event)[:6])
    return {
        "event": event,
        "code": code,
        "qr_svg": mark_safe(qr),  # noqa: S308 - generated by segno from our own URL
        "seconds_left": event_services.seconds_to_next_step(),
        "count": event.checkins.count(),
        "recent": recent,
    }


@role_required(*STAFF)
@require_GET
def event_screen(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Full-screen page for a projector: rotating QR and code, live count, latest names."""
    event = event_selectors.access_event_for_organiser(request.user, pk)
    return render_page(
        request, "portal/events/screen.html", _screen_context(request, event), partial="screen-live"
    )


@role_required(*STAFF)
@require_GET
def event_attendance(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    event = event_selectors.access_event_for_organiser(request.user, pk)
    return render_page(
        request,
        "portal/events/attendance.html",
        _attendance_context(request, event),
        partial="attendance-list",
    )


# A page of check-ins: the largest events have hundreds, and the list grew with each.
ATTENDANCE_PAGE_SIZE = 50


def _attendance_context(request: HtmxHttpRequest, event: Event, **extra: Any) -> dict[str, Any]:
    attendance = Paginator(event_selectors.list_attendance(event), ATTENDANCE_PAGE_SIZE)
    return {
        "event": event,
        "page": attendance.get_page(request.GET.get("page")),
        "manual_form": ManualCheckInForm(),
        "upload_form": AttendanceUploadForm(),
        **extra,
    }


@role_required(*STAFF)
@require_POST
def event_checkin_manual(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    event = event_selectors.access_event_for_organiser(request.user, pk)
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


@role_required(*STAFF)
@require_POST
def event_attendance_upload(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    event = event_selectors.access_event_for_organiser(request.user, pk)
    form = AttendanceUploadForm(request.POST, request.FILES)
    extra: dict[str, Any] = {"upload_form": form}
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > event_services.MAX_CSV_BYTES:
                raise event_services.EventError(
                    "too_large", "The file is larger than 1 MB; split it.", field="file"
                )
            report = event_services.import_attendance(
                actor=request.user, event_id=event.pk, data=upload.read()
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


@role_required(*STAFF)
@require_GET
def event_attendance_export(request: HtmxHttpRequest, pk: int) -> StreamingHttpResponse:
    event = event_selectors.access_event_for_organiser(request.user, pk)
    rows = event_selectors.list_attendance(event).order_by("created_at").iterator(chunk_size=1000)
    return csv_response(
        f"attendance-{event.pk}.csv",
        ["enrollment_number", "name", "department", "checked_in_at", "method"],
        (
            [
                c.student.enrollment_number,
                c.student.user.name,
                c.student.department.code if c.student.department else "",
                timezone.localtime(c.created_at).isoformat(timespec="seconds"),
                c.method,
            ]
            for c in rows
        ),
    )


@role_required(*STAFF)
@require_GET
def event_student_search(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    event_selectors.access_event_for_organiser(request.user, pk)
    query = request.GET.get("q", "")[:100]
    return render_page(
        request,
        "portal/ledger/student_search.html",
        {"results": account_selectors.search_students(query), "query": query, "mode": "single"},
    )
