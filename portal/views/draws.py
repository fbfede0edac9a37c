"""Prize draws: the list and detail pages, entering, the admin's create/perform/pass tools,
the projector screen, claiming a prize and the public verification page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from portal.exceptions import PortalError
from portal.forms import add_portal_error
from portal.forms.draws import DrawForm
from portal.htmx import HtmxHttpRequest, render_page
from portal.models import Draw, DrawWinner, Role
from portal.permissions import (
    access_draw_for_admin,
    access_performed_draw,
    can_enter_draws,
    can_run_draws,
    role_required,
    student_profile_of,
)
from portal.selectors import draws as draw_selectors
from portal.services import draws as draw_services


def _explain(request: HtmxHttpRequest, draws: list[Draw]) -> list[Draw]:
    """Attach to each open draw why the signed-in student cannot enter it ("" when they can)."""
    if not can_enter_draws(request.user):
        return draws
    profile = student_profile_of(request.user)
    for draw in draws:
        draw.refusal = draw_services.ineligibility(draw, profile, checked_in=draw.checked_in)
    return draws


@login_required
@require_GET
def draw_list(request: HtmxHttpRequest) -> HttpResponse:
    open_draws = _explain(request, draw_selectors.list_draws(request.user, drawn=False))
    past_draws = draw_selectors.list_draws(request.user, drawn=True, limit=12)
    return render_page(
        request,
        "portal/draws/list.html",
        {"open_draws": open_draws, "past_draws": past_draws, "now": timezone.now()},
    )


def _get_draw(request: HtmxHttpRequest, pk: int) -> Draw:
    draw = draw_selectors.get_draw(pk, request.user)
    if draw is None:
        raise Http404
    return draw


def _detail_context(request: HtmxHttpRequest, draw: Draw, **extra: Any) -> dict[str, Any]:
    if draw.status == Draw.Status.OPEN:
        _explain(request, [draw])
    picks = draw_selectors.list_picks(draw, request.user) if draw.is_drawn else []
    return {
        "draw": draw,
        "picks": picks,
        "winners": [p for p in picks if not p.pick.is_alternate],
        "alternates": [p for p in picks if p.pick.is_alternate],
        "my_pick": next((p.pick for p in picks if p.is_viewer), None),
        "is_admin": can_run_draws(request.user),
        "shortfall": draw.is_drawn and draw.entrant_count < draw.winners_count,
        "alternates_waiting": any(p.pick.status == DrawWinner.Status.WAITING for p in picks),
        "now": timezone.now(),
        **extra,
    }


@login_required
@require_GET
def draw_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    draw = _get_draw(request, pk)
    return render_page(request, "portal/draws/detail.html", _detail_context(request, draw))


@role_required(Role.STUDENT)
@require_POST
def draw_enter(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Enter a draw: answers htmx with the draw's entry panel, others with a redirect."""
    error = ""
    try:
        draw_services.enter_draw(actor=request.user, draw_id=pk)
    except PortalError as exc:
        if exc.code == "not_found":
            raise Http404 from exc
        error = exc.message
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("You're in the draw. Good luck!"))
        return redirect("portal:draw-detail", pk=pk)
    draw = _explain(request, [_get_draw(request, pk)])[0]
    return render_page(
        request,
        "portal/draws/list.html",
        {"draw": draw, "entry_error": error, "just_entered": not error},
        partial="entry-panel",
    )


@role_required(Role.ADMIN)
def draw_edit(request: HtmxHttpRequest, pk: int | None = None) -> HttpResponse:
    draw = None
    if pk is not None:
        draw = access_draw_for_admin(request.user, pk)
        if draw.is_drawn:
            messages.error(request, _("A performed draw cannot be changed."))
            return redirect("portal:draw-detail", pk=pk)
    form = DrawForm(request.POST or None, instance=draw)
    if request.method == "POST" and form.is_valid():
        try:
            saved = draw_services.save_draw(actor=request.user, draw=form.save(commit=False))
        except PortalError as exc:
            add_portal_error(form, exc)
        else:
            messages.success(
                request,
                _("Saved “%(t)s”. Its commitment is public; the seed stays secret until the draw.")
                % {"t": saved.title},
            )
            return redirect("portal:draw-detail", pk=saved.pk)
    return render_page(request, "portal/draws/form.html", {"form": form, "draw": draw})


@role_required(Role.ADMIN)
@require_POST
def draw_perform(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Perform the draw, then show the result on the projector screen (or the detail page)."""
    try:
        result = draw_services.perform_draw(
            actor=request.user,
            draw_id=pk,
            close_entries_early=request.POST.get("close_entries") == "1",
        )
    except PortalError as exc:
        if exc.code == "not_found":
            raise Http404 from exc
        messages.error(request, exc.message)
        return redirect("portal:draw-detail", pk=pk)
    if result.shortfall:
        messages.warning(
            request,
            _("Only %(n)s entrants for %(w)s prizes: everyone who entered wins.")
            % {"n": result.draw.entrant_count, "w": result.draw.winners_count},
        )
    else:
        messages.success(request, _("Drawn. The winners have been notified."))
    target = "portal:draw-screen" if request.POST.get("next") == "screen" else "portal:draw-detail"
    return redirect(target, pk=pk)


@role_required(Role.ADMIN)
@require_GET
def draw_screen(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The draw-day screen for a projector: ready to draw, then the winners revealed."""
    draw = _get_draw(request, pk)
    context = _detail_context(request, draw)
    if draw.eligibility == Draw.Eligibility.ATTENDEES and not draw.is_drawn:
        context["attendees"] = draw_selectors.attendee_count(draw)
    return render_page(request, "portal/draws/screen.html", context)


@require_GET
def draw_verify(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Public: everything needed to recompute the result, and the code to do it."""
    draw = access_performed_draw(pk)
    verification = draw_services.verify_draw(draw)
    return render_page(
        request,
        "portal/draws/verify.html",
        {
            "draw": draw,
            "verification": verification,
            "entrants": draw_selectors.frozen_entrants(draw, request.user, verification.entry_ids),
            "snippet": draw_services.verification_snippet(draw, verification.entry_ids),
            "picks_count": draw.winners_count + draw.alternates_count,
        },
    )


def _draw_id_of_pick(pk: int) -> int:
    draw_id = draw_selectors.draw_id_of_pick(pk)
    if draw_id is None:
        raise Http404
    return draw_id


@role_required(Role.STUDENT)
@require_POST
def prize_claim(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    draw_id = _draw_id_of_pick(pk)
    try:
        pick = draw_services.claim_prize(actor=request.user, winner_id=pk)
    except PortalError as exc:
        if exc.code == "not_found":
            raise Http404 from exc
        messages.error(request, exc.message)
        return redirect("portal:draw-detail", pk=draw_id)
    draw = pick.draw
    if draw.prize_points:
        messages.success(
            request,
            ngettext(
                "Claimed! %(p)s point was added to your balance.",
                "Claimed! %(p)s points were added to your balance.",
                draw.prize_points,
            )
            % {"p": draw.prize_points},
        )
    elif draw.reward_id:
        messages.success(
            request,
            _("Claimed! Your prize is in your redemptions; we'll tell you when it's ready."),
        )
    else:
        messages.success(request, _("Claimed! The organisers will be in touch to hand it over."))
    return redirect("portal:draw-detail", pk=draw_id)


@role_required(Role.ADMIN)
@require_POST
def prize_pass(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    draw_id = _draw_id_of_pick(pk)
    try:
        alternate = draw_services.pass_to_alternate(actor=request.user, winner_id=pk)
    except PortalError as exc:
        messages.error(request, exc.message)
    else:
        if alternate is None:
            messages.warning(request, _("The prize was forfeited; there are no alternates left."))
        else:
            messages.success(
                request,
                _("The prize passed to alternate no. %(n)s, who has been notified.")
                % {"n": alternate.position - alternate.draw.winners_count},
            )
    return redirect("portal:draw-detail", pk=draw_id)
