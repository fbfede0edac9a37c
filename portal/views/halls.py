"""Halls: the list with the free-slot search, a hall's week, requesting a hall, one's own
requests, and the admins' hall form and request queue."""

from __future__ import annotations

from datetime import date, time, timedelta

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.exceptions import PortalError
from portal.forms import add_portal_error
from portal.forms.halls import BookingRequestForm, CancelForm, DecisionForm, FreeSlotForm, HallForm
from portal.htmx import HtmxHttpRequest, render_page
from portal.models import Role
from portal.permissions import (
    access_booking,
    access_hall,
    can_manage_halls,
    organiser_required,
    role_required,
)
from portal.selectors import halls as hall_selectors
from portal.services import halls as hall_services

# The request form asks for a day and two times; the service speaks of starts_at and ends_at.
FORM_FIELDS = {"starts_at": "start", "ends_at": "end"}


@organiser_required
@require_GET
def hall_list(request: HtmxHttpRequest) -> HttpResponse:
    searched = "people" in request.GET
    form = FreeSlotForm(request.GET if searched else None, initial={"day": timezone.localdate()})
    results = hall_selectors.find_free_halls(**form.options()) if form.is_valid() else None
    return render_page(
        request,
        "portal/halls/list.html",
        {
            "form": form,
            "results": results,
            "halls": hall_selectors.list_halls(),
            "can_manage": can_manage_halls(request.user),
            # Carried from an event's "Find a hall" to the request form (which checks it).
            "event_id": request.GET["event"] if request.GET.get("event", "").isdigit() else None,
        },
        partial="search-results",
    )


# How far from today the week view goes (date arithmetic near year 1 or 9999 overflows).
WEEK_RANGE = timedelta(days=2 * 366)


def _week_of(value: str | None) -> date:
    """The asked-for day, or today when it is malformed or more than two years away."""
    today = timezone.localdate()
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return today
    return day if today - WEEK_RANGE <= day <= today + WEEK_RANGE else today


@organiser_required
@require_GET
def hall_week(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    hall = access_hall(request.user, pk)
    week = hall_selectors.hall_week(
        hall, viewer=request.user, week_of=_week_of(request.GET.get("week"))
    )
    return render_page(
        request,
        "portal/halls/week.html",
        {"hall": hall, "week": week, "can_manage": can_manage_halls(request.user)},
        partial="week",
    )


def _prefill(request: HtmxHttpRequest) -> dict[str, object]:
    """A free stretch's "Request" link carries its day, times and number of people, and the
    event it is for when the search came from an event's page (the form offers only the
    viewer's own events, so a foreign id selects nothing)."""
    initial: dict[str, object] = {}
    try:
        if "day" in request.GET:
            initial["day"] = date.fromisoformat(request.GET["day"])
        for name in ("start", "end"):
            if name in request.GET:
                initial[name] = time.fromisoformat(request.GET[name])
    except ValueError:
        return {}
    for name, field in (("people", "attendees"), ("event", "event")):
        value = request.GET.get(name, "")
        if value.isdigit() and len(value) < 10:
            initial[field] = int(value)
    return initial


@organiser_required
def hall_request(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    hall = access_hall(request.user, pk)
    form = BookingRequestForm(request.POST or None, user=request.user, initial=_prefill(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            booking = hall_services.request_booking(
                actor=request.user,
                hall_id=hall.pk,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                purpose=data["purpose"],
                attendees=data["attendees"],
                event_id=data["event"].pk if data["event"] else None,
            )
        except PortalError as exc:
            exc.field = FORM_FIELDS.get(exc.field or "", exc.field)
            add_portal_error(form, exc)
        else:
            messages.success(
                request,
                _("Your request for %(hall)s was sent: an admin will approve or reject it.")
                % {"hall": booking.hall.name},
            )
            return redirect("portal:my-bookings")
    return render_page(request, "portal/halls/request.html", {"hall": hall, "form": form})


@role_required(Role.ADMIN)
def hall_edit(request: HtmxHttpRequest, pk: int | None = None) -> HttpResponse:
    hall = access_hall(request.user, pk) if pk is not None else None
    form = HallForm(request.POST or None, instance=hall)
    if request.method == "POST" and form.is_valid():
        try:
            saved = hall_services.save_hall(actor=request.user, hall=form.save(commit=False))
        except PortalError as exc:
            add_portal_error(form, exc)
        else:
            messages.success(request, _("Saved %(hall)s.") % {"hall": saved.name})
            return redirect("portal:hall-week", pk=saved.pk)
    return render_page(request, "portal/halls/form.html", {"form": form, "hall": hall})


@organiser_required
@require_GET
def my_bookings(request: HtmxHttpRequest) -> HttpResponse:
    bookings = hall_selectors.bookings_of(request.user)[:100]
    return render_page(
        request,
        "portal/halls/my_bookings.html",
        {"bookings": bookings, "now": timezone.now(), "cancel_form": CancelForm()},
    )


@organiser_required
@require_POST
def booking_cancel(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    booking = access_booking(request.user, pk)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        hall_services.cancel_booking(actor=request.user, booking_id=booking.pk, reason=reason)
    except PortalError as exc:
        messages.error(request, exc.message)
    else:
        message = _("The booking of %(hall)s is cancelled.") % {"hall": booking.hall.name}
        messages.success(request, message)
    if request.POST.get("back") == "queue" and can_manage_halls(request.user):
        return redirect("portal:booking-queue")
    return redirect("portal:my-bookings")


@role_required(Role.ADMIN)
@require_GET
def booking_queue(request: HtmxHttpRequest) -> HttpResponse:
    return render_page(
        request,
        "portal/halls/queue.html",
        {
            "pending": hall_selectors.pending_queue()[:100],
            "upcoming": hall_selectors.upcoming_approved()[:50],
            "decision_form": DecisionForm(),
        },
    )


@role_required(Role.ADMIN)
@require_POST
def booking_decide(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    booking = access_booking(request.user, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return redirect("portal:booking-queue")
    try:
        if form.cleaned_data["decision"] == "approve":
            hall_services.approve_booking(actor=request.user, booking_id=booking.pk)
            message = _("Approved: %(hall)s is booked.") % {"hall": booking.hall.name}
            messages.success(request, message)
        else:
            hall_services.reject_booking(
                actor=request.user, booking_id=booking.pk, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("Rejected; the requester was told why."))
    except PortalError as exc:
        messages.error(request, exc.message)
    return redirect("portal:booking-queue")
