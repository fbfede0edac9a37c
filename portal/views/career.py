"""Resume reviews: the student's career page (request, status, cancel, rating, the session's
calendar file), the reviewer's page (availability, proposals, sessions, feedback, no-shows),
the resume download, and the admins' reviewer list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from portal import ratelimit
from portal.calendars import calendar_response, session_component
from portal.exceptions import PortalError
from portal.forms import add_portal_error
from portal.forms.career import (
    CancelForm,
    DeclineForm,
    FeedbackForm,
    RatingForm,
    ReviewerForm,
    ReviewRequestForm,
    SlotForm,
)
from portal.htmx import HtmxHttpRequest, render_page
from portal.models import ReviewRequest, Role
from portal.permissions import (
    access_assigned_request,
    access_own_request,
    access_request_file,
    access_session,
    can_manage_reviewers,
    reviewer_required,
    role_required,
)
from portal.selectors import career as selectors
from portal.services import career as services
from portal.uploads import evidence_response

STUDENT_PAGE = "portal/career/student.html"
REVIEWER_PAGE = "portal/career/reviewing.html"
FEEDBACK_PAGE = "portal/career/feedback.html"
REVIEWERS_PAGE = "portal/career/reviewers.html"
# Asking (then cancelling) again and again would flood reviewers and storage with resumes.
REQUESTS_PER_STUDENT = "5/d"


def _student_context(request: HtmxHttpRequest, form: ReviewRequestForm | None = None) -> dict:
    user = request.user
    requests = selectors.requests_of(user)
    live = next((r for r in requests if r.status in ReviewRequest.HOLDING), None)
    waiting = any(r.status == ReviewRequest.Status.REQUESTED for r in requests)
    barred = selectors.barred_until(user)
    can_ask = barred is None and live is None and not waiting
    if form is None and can_ask:
        form = ReviewRequestForm(specialties=selectors.specialties())
    return {
        "requests": requests,
        "barred_until": barred,
        "can_ask": can_ask,
        "form": form if can_ask else None,
        "rating_form": RatingForm(),
        "cancel_notice_hours": int(services.CANCEL_NOTICE.total_seconds() // 3600),
        # Sessions starting before this can no longer be cancelled (the service says so too).
        "cancel_cutoff": timezone.now() + services.CANCEL_NOTICE,
    }


@role_required(Role.STUDENT)
@require_GET
def career(request: HtmxHttpRequest) -> HttpResponse:
    """The student's resume reviews: ask for one, follow it, cancel, read feedback, rate."""
    return render_page(request, STUDENT_PAGE, _student_context(request))


@role_required(Role.STUDENT)
@require_POST
def career_request(request: HtmxHttpRequest) -> HttpResponse:
    form = ReviewRequestForm(request.POST, request.FILES, specialties=selectors.specialties())
    usage = None
    if form.is_valid():
        usage = ratelimit.consume("career-request:user", str(request.user.pk), REQUESTS_PER_STUDENT)
        if usage.limited:
            hours = max(1, -(-usage.seconds_left // 3600))
            form.add_error(
                None,
                ngettext(
                    "You have asked for several reviews today; try again in %(hours)s hour.",
                    "You have asked for several reviews today; try again in %(hours)s hours.",
                    hours,
                )
                % {"hours": hours},
            )
    if form.is_valid():
        data = form.cleaned_data
        try:
            made = services.request_review(
                actor=request.user,
                target_role=data["target_role"],
                specialty_id=data["specialty"].pk,
                resume=data["resume"],
                preferred_times=data["preferred_times"],
                notes=data["notes"],
            )
        except PortalError as exc:
            add_portal_error(form, exc)
        else:
            if made.status == ReviewRequest.Status.PROPOSED:
                messages.success(
                    request, _("A reviewer was found; they will confirm the time shortly.")
                )
            else:
                messages.success(
                    request,
                    _("Your request is in. We will tell you as soon as a reviewer is free."),
                )
            return redirect("portal:career")
    form.ask_for_the_file_again()
    context = _student_context(request, form)
    if not context["can_ask"]:
        # Refused before the form could be shown again (barred, or a request in progress).
        for error in form.non_field_errors():
            messages.error(request, error)
        return redirect("portal:career")
    return render_page(request, STUDENT_PAGE, context)


REVIEWING = "portal:career-reviewing"


def _act(request: HtmxHttpRequest, act: Callable[[], object], done: str, to: str) -> HttpResponse:
    """Run one button's service call, then back to page `to` saying what happened."""
    try:
        act()
    except PortalError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect(to)


@role_required(Role.STUDENT)
@require_POST
def career_cancel(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Cancel one's own request (up to 24 hours before a proposed or scheduled session)."""
    review = access_own_request(request.user, pk)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _act(
        request,
        lambda: services.cancel_request(actor=request.user, request_id=review.pk, reason=reason),
        _("Your resume review was cancelled."),
        "portal:career",
    )


@role_required(Role.STUDENT)
@require_POST
def career_rate(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    review = access_own_request(request.user, pk)
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a rating from 1 to 5."))
        return redirect("portal:career")
    return _act(
        request,
        lambda: services.rate_review(
            actor=request.user,
            request_id=review.pk,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
        ),
        _("Thank you for rating your review."),
        "portal:career",
    )


@login_required
@require_GET
def career_resume(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The resume, for its student, the assigned reviewer and admins (404 for others)."""
    review = access_request_file(request.user, pk)
    return evidence_response(review.resume, "pdf", f"resume-{review.pk}")


@login_required
@require_GET
def career_session_ics(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The scheduled session as an iCalendar file, for its student and its reviewer."""
    review = access_session(request.user, pk)
    component = session_component(review, url=_session_url(request, review))
    return calendar_response([component], filename=f"resume-review-{review.pk}.ics")


def _session_url(request: HtmxHttpRequest, review: Any) -> str:
    page = "portal:career" if review.student_id == request.user.pk else "portal:career-reviewing"
    return request.build_absolute_uri(reverse(page))


# --- reviewers -------------------------------------------------------------------------------


def _reviewer_context(request: HtmxHttpRequest, slot_form: SlotForm | None = None) -> dict:
    reviewer = request.reviewer  # type: ignore[attr-defined]
    page = selectors.reviewer_page(reviewer)
    return {
        "reviewer": reviewer,
        "page": page,
        "slot_form": slot_form or SlotForm(),
        "decline_form": DeclineForm(),
        "now": timezone.now(),
    }


@reviewer_required
@require_GET
def reviewing(request: HtmxHttpRequest) -> HttpResponse:
    """A reviewer's availability, proposals to confirm and sessions to hold."""
    return render_page(request, REVIEWER_PAGE, _reviewer_context(request))


@reviewer_required
@require_POST
def reviewing_slot_add(request: HtmxHttpRequest) -> HttpResponse:
    """Publish a time. With htmx the availability panel is answered; when the new slot was
    proposed to a waiting student at once, the whole page (its proposals changed too)."""
    form = SlotForm(request.POST)
    if form.is_valid():
        try:
            slot = services.add_slot(
                actor=request.user,
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
            )
        except PortalError as exc:
            add_portal_error(form, exc)
        else:
            proposed = slot.requests.exists()
            notice = (
                _("Time published, and proposed to a waiting student.")
                if proposed
                else _("Time published.")
            )
            if request.htmx and not proposed:
                return _availability(request, notice=notice)
            messages.success(request, notice)
            if request.htmx:
                return HttpResponseClientRedirect(reverse("portal:career-reviewing"))
            return redirect("portal:career-reviewing")
    return render_page(
        request, REVIEWER_PAGE, _reviewer_context(request, form), partial="availability"
    )


def _availability(request: HtmxHttpRequest, **extra: Any) -> HttpResponse:
    """The availability panel, re-read after a change (htmx)."""
    context = {**_reviewer_context(request), **extra}
    return render_page(request, REVIEWER_PAGE, context, partial="availability")


@reviewer_required
@require_POST
def reviewing_slot_remove(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    error = notice = None
    try:
        services.remove_slot(actor=request.user, slot_id=pk)
    except PortalError as exc:
        if exc.code == "not_found":
            raise Http404 from exc
        error = exc.message
    else:
        notice = _("Time removed.")
    if request.htmx:
        return _availability(request, notice=notice, error=error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect("portal:career-reviewing")


@reviewer_required
@require_POST
def reviewing_confirm(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    review = access_assigned_request(request.reviewer, pk)  # type: ignore[attr-defined]
    return _act(
        request,
        lambda: services.confirm_request(actor=request.user, request_id=review.pk),
        _("Session confirmed; it is in both your calendars."),
        REVIEWING,
    )


@reviewer_required
@require_POST
def reviewing_decline(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    review = access_assigned_request(request.reviewer, pk)  # type: ignore[attr-defined]
    form = DeclineForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _act(
        request,
        lambda: services.decline_request(actor=request.user, request_id=review.pk, reason=reason),
        _("Declined; the request goes to another reviewer."),
        REVIEWING,
    )


@reviewer_required
@require_http_methods(["GET", "POST"])
def reviewing_complete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Structured feedback for a session that took place; completing credits the student."""
    review = access_assigned_request(request.reviewer, pk)  # type: ignore[attr-defined]
    form = FeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.complete_review(actor=request.user, request_id=review.pk, **form.cleaned_data)
        except PortalError as exc:
            add_portal_error(form, exc)
        else:
            messages.success(request, _("Feedback sent; the student was credited."))
            return redirect("portal:career-reviewing")
    return render_page(request, FEEDBACK_PAGE, {"review": review, "form": form})


@reviewer_required
@require_POST
def reviewing_no_show(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    review = access_assigned_request(request.reviewer, pk)  # type: ignore[attr-defined]
    return _act(
        request,
        lambda: services.mark_no_show(actor=request.user, request_id=review.pk),
        _("Marked as missed."),
        REVIEWING,
    )


# --- admins ----------------------------------------------------------------------------------


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def career_reviewers(request: HtmxHttpRequest) -> HttpResponse:
    """Make faculty members and admins reviewers; see every reviewer and the latest requests."""
    form = ReviewerForm(request.POST or None)
    if request.method == "POST" and not can_manage_reviewers(request.user):
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_reviewer(
                actor=request.user,
                email=data["email"],
                kind=data["kind"],
                headline=data["headline"],
                specialty_ids=[s.pk for s in data["specialties"]],
            )
        except PortalError as exc:
            add_portal_error(form, exc)
        else:
            messages.success(request, _("Reviewer saved."))
            return redirect("portal:career-reviewers")
    manages = can_manage_reviewers(request.user)
    return render_page(
        request,
        REVIEWERS_PAGE,
        {
            "form": form if manages else None,
            "manages": manages,
            "reviewers": selectors.list_reviewers() if manages else [],
            "recent": selectors.recent_requests(request.user),
            "close_form": CancelForm(),
        },
    )


@role_required(Role.ADMIN)
@require_POST
def career_close(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """An admin closes a stuck request (live, or a session that passed without feedback), with
    a reason the student reads; a department admin only their department's students'."""
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.cancel_request(actor=request.user, request_id=pk, reason=reason)
    except PortalError as exc:
        if exc.code == "not_found":
            raise Http404 from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Request closed; the student was told."))
    return redirect("portal:career-reviewers")


@role_required(Role.ADMIN)
@require_POST
def career_reviewer_active(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    if not can_manage_reviewers(request.user):
        raise PermissionDenied
    active = request.POST.get("active") == "1"
    try:
        services.set_reviewer_active(actor=request.user, reviewer_id=pk, active=active)
    except PortalError as exc:
        if exc.code == "not_found":
            raise Http404 from exc
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Reviewer takes requests again.") if active else _("Reviewer stopped.")
        )
    return redirect("portal:career-reviewers")
