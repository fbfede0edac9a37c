"""Events: list and detail, organiser management, the check-in screen, student check-in and
the organiser's attendance tools."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from portal import ratelimit
from portal.calendars import calendar_response, event_component, session_component
from portal.exceptions import PortalError
from portal.forms import add_portal_error
from portal.forms.events import (
    CodeForm,
    DisputeForm,
    EventFilterForm,
    EventForm,
)
from portal.htmx import HtmxHttpRequest, answer_in_panel, render_page, wants_partial
from portal.models import Event, Registration, Role
from portal.permissions import (
    abilities_of,
    access_event,
    access_event_for_checkin,
    access_event_for_organiser,
    can_check_in,
    can_manage_event,
    organiser_required,
    role_required,
)
from portal.qr import qr_svg
from portal.selectors import accounts as account_selectors
from portal.selectors import attendance as attendance_selectors
from portal.selectors import career as career_selectors
from portal.selectors import events as event_selectors
from portal.services import events as event_services
from portal.services import registrations as registration_services
from portal.services import reminders as reminder_services
from portal.tables.paging import lazy_page

# Cards a page, two to a row: every event can be reached (the list stopped at 60), and a
# phone scrolls through fewer at a time. Paged without a COUNT (`lazy_page`).
EVENT_PAGE_SIZE = 24


@login_required
@require_GET
def event_list(request: HtmxHttpRequest) -> HttpResponse:
    filters = EventFilterForm(request.GET)
    # The cards show the check-in count to organisers only, and no organiser or category.
    counts = abilities_of(request).organise_events
    options = filters.options()
    events = event_selectors.list_events(request.user, **options, related=(), with_counts=counts)
    return render_page(
        request,
        "portal/events/list.html",
        {
            "filters": filters,
            "page": lazy_page(events, EVENT_PAGE_SIZE, request.GET.get("page")),
            "past": options["when"] == "past",
        },
        partial="event-list",
    )


def _detail_context(request: HtmxHttpRequest, event: Event, **extra: Any) -> dict[str, Any]:
    checkin = None
    reminder_set = False
    student = can_check_in(request.user)
    can_manage = can_manage_event(request.user, event)
    now = timezone.now()
    context: dict[str, Any] = {
        "event": event,
        "reminder_set": reminder_set,
        "can_manage": can_manage,
        "code_form": CodeForm(),
        "now": now,
    }
    if student:
        checkin = event_selectors.checkin_of(event, request.user)
        context["reminder_set"] = event_selectors.has_reminder(event, request.user)
        if checkin is None or checkin.is_annulled:
            context.update(dispute_context(request, event))
    context["checkin"] = checkin
    context.update(_places_context(event, can_manage=can_manage, now=now))
    if student and event.requires_registration:
        context.update(_registration_context(request, event, figures=context["figures"]))
    return {**context, **extra}


def _places_context(event: Event, *, can_manage: bool, now: datetime) -> dict[str, Any]:
    """What the "Places" line counts: the registration figures where there are any (or, after
    the event, for its organisers: who came, who did not and who was excused), else the
    standing check-ins."""
    over = event.ends_at <= now or event.status == Event.Status.COMPLETED
    if event.requires_registration or (can_manage and over):
        figures = event_selectors.registration_figures(event)
        return {"figures": figures, "checkin_count": figures.checked_in}
    return {"checkin_count": event.checkins.standing().count()}


def dispute_context(request: HtmxHttpRequest, event: Event, **extra: Any) -> dict[str, Any]:
    """The student's "I was there" panel: their latest dispute and whether they may file one
    (no query before check-in opens)."""
    profile = getattr(request.user, "student_profile", None)  # none while a sign-up waits
    if profile is None:
        return {"event": event, **extra}
    return {
        "event": event,
        "dispute": attendance_selectors.dispute_state(event, profile),
        "dispute_form": DisputeForm(),
        **extra,
    }


def _registration_context(
    request: HtmxHttpRequest, event: Event, *, figures: Any = None
) -> dict[str, Any]:
    """What the student's registration panel shows."""
    registration, position = event_selectors.registration_of(event, request.user)
    figures = figures or event_selectors.registration_figures(event)
    now = timezone.now()
    return {
        "event": event,
        "figures": figures,
        "registration": registration,
        "waitlist_position": position,
        "registration_open": event.status == Event.Status.PUBLISHED
        and now < event.registration_deadline,
        "is_full": event.capacity is not None and figures.registered >= event.capacity,
        "places_left": None if event.capacity is None else event.capacity - figures.registered,
        "can_unregister": now < event.starts_at,
        "now": now,
    }


def _registration_answer(
    request: HtmxHttpRequest, event: Event, *, done: str, error: str
) -> HttpResponse:
    return answer_in_panel(
        request,
        "portal/events/detail.html",
        "registration-panel",
        lambda: {
            **_registration_context(request, event),
            "registration_message": done,
            "registration_error": error,
        },
        done=done,
        error=error,
        back=reverse("portal:event-detail", args=[event.pk]),
    )


@role_required(Role.STUDENT)
@require_POST
def event_register(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    event = access_event(request.user, pk)
    done = error = ""
    try:
        registration = registration_services.register(actor=request.user, event_id=event.pk)
    except PortalError as exc:
        error = exc.message
    else:
        if registration.status == Registration.Status.REGISTERED:
            done = _("You are registered.")
        else:
            done = _("The event is full: you are on the waitlist.")
    return _registration_answer(request, event, done=done, error=error)


@role_required(Role.STUDENT)
@require_POST
def event_unregister(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    event = access_event(request.user, pk)
    done = error = ""
    try:
        if registration_services.unregister(actor=request.user, event_id=event.pk):
            done = _("Your registration is cancelled.")
    except PortalError as exc:
        error = exc.message
    return _registration_answer(request, event, done=done, error=error)


@login_required
@require_GET
def event_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    event = access_event(request.user, pk)
    return render_page(request, "portal/events/detail.html", _detail_context(request, event))


@login_required
@require_GET
def event_places(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The event's "Places" line alone, which redraws itself after the student checks in
    ("checked-in"), so that the check-in's answer stays small. A plain visit gets the event."""
    event = access_event(request.user, pk)
    if not wants_partial(request):
        return redirect("portal:event-detail", pk=event.pk)
    now = timezone.now()
    context = {
        "event": event,
        "now": now,
        **_places_context(event, can_manage=can_manage_event(request.user, event), now=now),
    }
    return render_page(request, "portal/events/detail.html", context, partial="event-places")


@login_required
@require_GET
def event_ics(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The event as an iCalendar file, to add to one's own calendar."""
    event = access_event(request.user, pk)
    url = request.build_absolute_uri(reverse("portal:event-detail", args=[event.pk]))
    return calendar_response([event_component(event, url=url)], filename=f"event-{event.pk}.ics")


# Calendar applications poll a subscription every few minutes to hours; more is abuse.
CALENDAR_FEED_RATE = "60/h"


@require_GET
def calendar_feed(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """A user's private calendar subscription: public by address (calendar applications
    cannot sign in), so the address's secret is the credential, reset from /settings/.
    Rate-limited per address; 404 for an unknown or reset secret."""
    if ratelimit.consume("calendar-feed", token[:64], CALENDAR_FEED_RATE).limited:
        return HttpResponse(status=429)
    owner = account_selectors.calendar_owner(token)
    if owner is None:
        raise Http404
    events = event_selectors.calendar_events_for(owner)
    components = [
        event_component(
            e, url=request.build_absolute_uri(reverse("portal:event-detail", args=[e.pk]))
        )
        for e in events
    ]
    # Resume review sessions the owner takes part in (student or reviewer): one query.
    sessions = career_selectors.calendar_sessions_for(owner)
    components += [
        session_component(
            r,
            url=request.build_absolute_uri(
                reverse("portal:career" if r.student_id == owner.pk else "portal:career-reviewing")
            ),
        )
        for r in sessions
    ]
    response = calendar_response(components, filename="upas.ics")
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(Role.STUDENT)
@require_POST
def event_remind(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Ask for (remind=1) or drop (remind=0) a reminder before the event starts."""
    event = access_event(request.user, pk)
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


@organiser_required
def event_edit(request: HtmxHttpRequest, pk: int | None = None) -> HttpResponse:
    event = access_event_for_organiser(request.user, pk) if pk else None
    initial = {"club": request.GET.get("club")} if event is None and "club" in request.GET else {}
    form = EventForm(request.POST or None, instance=event, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = event_services.save_event(actor=request.user, event=form.save(commit=False))
        except PortalError as exc:  # e.g. a capacity below the students registered
            add_portal_error(form, exc)
        else:
            messages.success(request, _("Saved “%(t)s”.") % {"t": saved.title})
            return redirect("portal:event-detail", pk=saved.pk)
    return render_page(request, "portal/events/form.html", {"form": form, "event": event})


@organiser_required
@require_POST
def event_status(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    event = access_event_for_organiser(request.user, pk)
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


# A QR scanned before signing in waits in the session (never in a link that could be passed
# on) for as long as signing in may take, then becomes a scan token for whoever signed in.
PENDING_SCAN = "upas_pending_scan"
PENDING_SCAN_MAX_AGE = 300


def _pending_scan_token(request: HtmxHttpRequest, event: Event) -> str:
    pending = request.session.pop(PENDING_SCAN, None)
    if (
        isinstance(pending, dict)
        and pending.get("e") == event.pk
        and time.time() - pending.get("at", 0) < PENDING_SCAN_MAX_AGE
    ):
        return event_services.mint_scan_token(event, request.user)
    return ""


@login_required
def event_checkin(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """POST: a typed code (or a scan's token) checks the student in. GET: the page a QR scan
    lands on (with a token, or a scan waiting in the session from before signing in), which
    submits itself."""
    if request.method != "POST":
        event = access_event(request.user, pk)
        token = request.GET.get("t", "") or _pending_scan_token(request, event)
        return render_page(request, "portal/events/scan.html", {"event": event, "token": token})
    # The service checks the code (and, while the event is unchanged, the rules) against the
    # event as read here, with the category its points are posted under: a copy this process
    # read in the last few seconds, which the check-in's write compares with the event's row.
    event = access_event_for_checkin(request.user, pk)
    token = request.POST.get("t", "")
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
                event=event,
            )
        except PortalError as exc:
            error = exc.message
    if checkin is not None:
        event = checkin.event  # the event it was credited on (read again if the copy had aged)
    if not request.htmx:
        if checkin:
            messages.success(
                request,
                ngettext(
                    "Checked in! %(p)s point added.",
                    "Checked in! %(p)s points added.",
                    event.attendance_points,
                )
                % {"p": event.attendance_points},
            )
        else:
            messages.error(request, error)
        return redirect("portal:event-detail", pk=event.pk)
    if checkin is not None:
        # A small answer: the panel saying so, from what the check-in already holds.
        context = {"event": event, "checkin": checkin, "just_checked_in": True}
        response = render_page(
            request, "portal/events/detail.html", context, partial="checkin-panel"
        )
        # The balance and the "Places" line redraw themselves; the panels a check-in makes
        # moot (the reminder, "I was there") leave (static/js/app.js).
        return trigger_client_event(trigger_client_event(response, "points-changed"), "checked-in")
    # A refusal shows the event as it is now, not as the copy had it.
    event = access_event(request.user, pk, related=("category",))
    context = _detail_context(request, event, code_error=error, just_checked_in=False)
    if form is not None:
        context["code_form"] = form
    return render_page(request, "portal/events/detail.html", context, partial="checkin-panel")


@require_GET
def event_scan(request: HtmxHttpRequest, pk: int, code: str) -> HttpResponse:
    """Where the QR code points. A code valid now becomes a scan token for the signed-in
    student (two minutes, once); someone not signed in yet keeps the scan in their session
    while they sign in. Either way the check-in page then takes over."""
    event = event_selectors.published_event(pk)
    if event is None or not event_services.code_is_valid(event, code):
        if event is not None and request.user.is_authenticated:
            # Kept for the organiser (and a dispute): "it said expired" is then on record.
            event_services.record_expired_scan(actor=request.user, event_id=event.pk)
        return render_page(
            request, "portal/events/scan.html", {"event": event, "expired": True}, status=400
        )
    checkin_url = reverse("portal:event-checkin", args=[event.pk])
    if request.user.is_authenticated:
        token = event_services.mint_scan_token(event, request.user)
        return redirect(f"{checkin_url}?{urlencode({'t': token})}")
    request.session[PENDING_SCAN] = {"e": event.pk, "at": int(time.time())}
    return redirect_to_login(checkin_url)


# --- organiser: check-in screen and registrations ------------------------------------------------


def _screen_context(request: HtmxHttpRequest, event: Event) -> dict[str, Any]:
    code = event_services.current_code(event)
    scan_url = request.build_absolute_uri(reverse("portal:event-scan", args=[event.pk, code]))
    recent = event_selectors.recent_arrivals(event, limit=6)
    seconds_left = event_services.seconds_to_next_step()
    return {
        "event": event,
        "code": code,
        # The screen polls every few seconds: the code's QR is drawn once per code.
        "qr_svg": qr_svg(scan_url, keep_seconds=seconds_left, dark="#0f172a", border=2),
        "seconds_left": seconds_left,
        "count": event.checkins.standing().count(),
        "recent": recent,
    }


@organiser_required
@require_GET
def event_screen(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Full-screen page for a projector: rotating QR and code, live count, latest names."""
    event = access_event_for_organiser(request.user, pk)
    return render_page(
        request, "portal/events/screen.html", _screen_context(request, event), partial="screen-live"
    )


# A page of registrations: the largest events have hundreds.
REGISTRATIONS_PAGE_SIZE = 50


@organiser_required
@require_GET
def event_registrations(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The organiser's list of registered and waitlisted students, with who checked in."""
    event = access_event_for_organiser(request.user, pk)
    registrations = Paginator(event_selectors.list_registrations(event), REGISTRATIONS_PAGE_SIZE)
    return render_page(
        request,
        "portal/events/registrations.html",
        {
            "event": event,
            "figures": event_selectors.registration_figures(event),
            "page": registrations.get_page(request.GET.get("page")),
            "now": timezone.now(),
        },
        partial="registration-list",
    )
