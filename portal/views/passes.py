"""Door passes: the student's rotating pass, and the organiser's scan mode on an event's check-in
(the camera, through static/js/pass-scanner.js, or the typed pass code)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from portal.exceptions import PortalError
from portal.forms.events import PassCodeForm
from portal.htmx import HtmxHttpRequest, render_page
from portal.models import Role, StudentProfile
from portal.permissions import (
    access_event_for_organiser,
    organiser_required,
    role_required,
    student_profile_of,
)
from portal.qr import qr_svg
from portal.services import events as event_services
from portal.services import passes as pass_services


def door_pass_context(profile: StudentProfile) -> dict[str, Any]:
    """What templates/portal/components/door_pass.html needs (no query)."""
    current = pass_services.current_pass(profile)
    return {
        "pass": current,
        # Black on white with a wide quiet zone: what door scanners and phone cameras read
        # best. Drawn once per code: a reload before the code turns over reuses it.
        "pass_qr": qr_svg(current.payload, keep_seconds=current.seconds_left),
        "refresh_in": current.seconds_left + 1,
    }


@role_required(Role.STUDENT)
@require_GET
def student_pass(request: HtmxHttpRequest) -> HttpResponse:
    """The student's door pass, big enough for a scanner; htmx asks again for the next code
    just after each one turns over."""
    context = door_pass_context(student_profile_of(request.user))
    return render_page(request, "portal/passes/pass.html", context, partial="door-pass")


@role_required(Role.STUDENT)
@require_POST
def student_pass_reset(request: HtmxHttpRequest) -> HttpResponse:
    """A new pass secret: every pass shown so far (screenshots included) stops working."""
    pass_services.reset_pass(actor=request.user)
    messages.success(request, _("Your pass is new: earlier passes and screenshots no longer work."))
    return redirect("portal:student-pass")


@organiser_required
@require_GET
def event_pass_scan(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The organiser's scan mode: the camera reads students' passes, or the code is typed."""
    event = access_event_for_organiser(request.user, pk)
    return render_page(
        request,
        "portal/passes/scan.html",
        {"event": event, "form": PassCodeForm(), "count": event.checkins.count()},
    )


@organiser_required
@require_POST
def event_pass_checkin(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A scanned or typed pass checks its student in; the answer is the result panel."""
    event = access_event_for_organiser(request.user, pk)
    form = PassCodeForm(request.POST)
    context: dict[str, Any] = {"event": event, "form": PassCodeForm()}
    if not form.is_valid():
        context |= {"form": form, "error": form.errors["code"][0]}
    else:
        try:
            checkin = event_services.check_in(
                actor=request.user, event_id=event.pk, pass_code=form.cleaned_data["code"]
            )
        except pass_services.PassError as exc:
            context |= {"form": form, "error": exc.message}
        except PortalError as exc:  # a refusal for a student the pass named
            context |= {"form": form, "error": exc.message}
            context["student"] = pass_services.recognised_holder(form.cleaned_data["code"])
        else:
            context |= {"checkin": checkin, "student": checkin.student}
    context["count"] = event.checkins.count()
    if not request.htmx:
        return render_page(request, "portal/passes/scan.html", context)
    response = render_page(request, "portal/passes/scan.html", context, partial="pass-result")
    if "checkin" in context:
        trigger_client_event(response, "pass-checked-in")
    return response
