"""Clubs: the list, a club's page, joining and leaving, and the admins' club and officer
pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.exceptions import PortalError
from portal.forms import add_portal_error
from portal.forms.clubs import AdviserForm, ClubForm, OfficerForm
from portal.htmx import HtmxHttpRequest, answer_in_panel, render_page
from portal.models import Club, ClubMembership, Role
from portal.permissions import access_club, role_required
from portal.selectors import clubs as club_selectors
from portal.services import clubs as club_services


@login_required
@require_GET
def club_list(request: HtmxHttpRequest) -> HttpResponse:
    clubs = club_selectors.list_clubs(request.user)
    return render_page(request, "portal/clubs/list.html", {"clubs": clubs})


def _detail_context(request: HtmxHttpRequest, club: Club, **extra: Any) -> dict[str, Any]:
    page = club_selectors.get_club_page(club, request.user)
    membership = page.viewer_membership
    return {
        "club": club,
        "page": page,
        "membership": membership,
        # An officer's shortcut to a new event for the club (the event form holds them to it).
        "runs_club": membership is not None
        and membership.position == ClubMembership.Position.OFFICER,
        **extra,
    }


@login_required
@require_GET
def club_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    club = access_club(request.user, slug)
    return render_page(request, "portal/clubs/detail.html", _detail_context(request, club))


def _membership_answer(
    request: HtmxHttpRequest, club: Club, *, done: str, error: str
) -> HttpResponse:
    return answer_in_panel(
        request,
        "portal/clubs/detail.html",
        "membership-panel",
        lambda: {
            "club": club,
            "membership": club_selectors.membership_of(club, request.user),
            "membership_message": done,
            "membership_error": error,
        },
        done=done,
        error=error,
        back=reverse("portal:club-detail", args=[club.slug]),
    )


def _change_membership(
    request: HtmxHttpRequest, club: Club, change: Callable[..., object], done: str
) -> HttpResponse:
    """Join or leave (`change` is the service), then answer with the membership panel."""
    try:
        change(actor=request.user, club_id=club.pk)
    except PortalError as exc:
        return _membership_answer(request, club, done="", error=exc.message)
    return _membership_answer(request, club, done=done, error="")


@role_required(Role.STUDENT)
@require_POST
def club_join(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    club = access_club(request.user, slug)
    return _change_membership(
        request, club, club_services.join_club, _("You joined %(club)s.") % {"club": club.name}
    )


@role_required(Role.STUDENT)
@require_POST
def club_leave(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    club = access_club(request.user, slug)
    return _change_membership(
        request, club, club_services.leave_club, _("You left %(club)s.") % {"club": club.name}
    )


@role_required(Role.ADMIN)
def club_edit(request: HtmxHttpRequest, slug: str | None = None) -> HttpResponse:
    club = access_club(request.user, slug) if slug else None
    form = ClubForm(request.POST or None, instance=club)
    if request.method == "POST" and form.is_valid():
        saved = club_services.save_club(actor=request.user, club=form.save(commit=False))
        messages.success(request, _("Saved “%(name)s”.") % {"name": saved.name})
        return redirect("portal:club-detail", slug=saved.slug)
    return render_page(request, "portal/clubs/form.html", {"form": form, "club": club})


def _officers_context(
    club: Club, form: OfficerForm, adviser_form: AdviserForm | None = None
) -> dict[str, Any]:
    officers, advisers = club_selectors.leaders_of(club)
    return {
        "club": club,
        "officers": officers,
        "advisers": advisers,
        "form": form,
        "adviser_form": adviser_form or AdviserForm(prefix="adviser"),
    }


@role_required(Role.ADMIN)
def club_officers(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """GET: the club's officers with a form to appoint one; POST: appoint (by email)."""
    club = access_club(request.user, slug)
    form = OfficerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = club_services.appoint_officer(
                actor=request.user, club_id=club.pk, email=form.cleaned_data["email"]
            )
        except PortalError as exc:
            add_portal_error(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is now an officer of %(club)s.")
                % {"name": membership.user.name, "club": club.name},
            )
            return redirect("portal:club-officers", slug=club.slug)
    return render_page(request, "portal/clubs/officers.html", _officers_context(club, form))


@role_required(Role.ADMIN)
@require_POST
def club_officer_dismiss(request: HtmxHttpRequest, slug: str, user_pk: int) -> HttpResponse:
    club = access_club(request.user, slug)
    try:
        club_services.dismiss_officer(actor=request.user, club_id=club.pk, user_id=user_pk)
    except PortalError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The officer was dismissed."))
    return redirect("portal:club-officers", slug=club.slug)


@role_required(Role.ADMIN)
@require_POST
def club_adviser_appoint(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Appoint a faculty adviser (by email); errors show beside the field on the officers
    page."""
    club = access_club(request.user, slug)
    form = AdviserForm(request.POST, prefix="adviser")
    if form.is_valid():
        try:
            membership = club_services.appoint_adviser(
                actor=request.user, club_id=club.pk, email=form.cleaned_data["email"]
            )
        except PortalError as exc:
            add_portal_error(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is now a faculty adviser of %(club)s.")
                % {"name": membership.user.name, "club": club.name},
            )
            return redirect("portal:club-officers", slug=club.slug)
    context = _officers_context(club, OfficerForm(), form)
    return render_page(request, "portal/clubs/officers.html", context)


@role_required(Role.ADMIN)
@require_POST
def club_adviser_dismiss(request: HtmxHttpRequest, slug: str, user_pk: int) -> HttpResponse:
    club = access_club(request.user, slug)
    try:
        club_services.dismiss_adviser(actor=request.user, club_id=club.pk, user_id=user_pk)
    except PortalError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The adviser was dismissed."))
    return redirect("portal:club-officers", slug=club.slug)
