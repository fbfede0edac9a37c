"""The catalogue and redeeming (students), my redemptions, and the admin catalogue and queue."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from portal.exceptions import PortalError
from portal.filters.rewards import QueueFilter
from portal.forms.rewards import (
    BulkDecisionForm,
    CatalogueFilterForm,
    DecisionForm,
    RedeemForm,
    RewardForm,
)
from portal.htmx import HtmxHttpRequest, render_page
from portal.models import Redemption, Reward, Role, StudentProfile
from portal.permissions import (
    access_own_redemption,
    access_reward,
    can_redeem,
    own_history_profile_of,
    role_required,
    student_profile_of,
)
from portal.selectors import rewards as reward_selectors
from portal.services import rewards as reward_services
from portal.tables.paging import configure_paged
from portal.tables.rewards import QueueTable
from portal.views.decisions import answer_decision, decide_in_bulk

CATALOG = "portal/rewards/catalog.html"


def _viewer_profile(request: HtmxHttpRequest) -> StudentProfile | None:
    return student_profile_of(request.user) if can_redeem(request.user) else None


@login_required
@require_GET
def catalogue(request: HtmxHttpRequest) -> HttpResponse:
    profile = _viewer_profile(request)
    filters = CatalogueFilterForm(request.GET)
    rewards = reward_selectors.list_catalogue(profile=profile, **filters.options())
    return render_page(
        request,
        CATALOG,
        {
            "filters": filters,
            "rewards": reward_services.explain_refusals(profile, rewards),
            "profile": profile,
        },
        partial="reward-grid",
    )


@login_required
@require_GET
def reward_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    profile = _viewer_profile(request)
    reward = reward_services.explain_refusals(profile, [access_reward(request.user, pk)])[0]
    return render_page(
        request,
        "portal/rewards/detail.html",
        {
            "reward": reward,
            "profile": profile,
            "confirm": request.GET.get("confirm") == "1",
            "form": RedeemForm(),
        },
    )


def _action_context(request: HtmxHttpRequest, reward: Reward, **extra: Any) -> dict[str, Any]:
    profile = _viewer_profile(request)
    return {
        "reward": reward_services.explain_refusals(profile, [reward])[0],
        "profile": profile,
        "form": RedeemForm(),
        **extra,
    }


@role_required(Role.STUDENT)
@require_GET
def reward_action(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A card's action area: the Redeem button, or with ?confirm=1 the confirm step (htmx)."""
    reward = access_reward(request.user, pk)
    if not request.htmx:
        return redirect("portal:reward-detail", pk=reward.pk)
    confirm = request.GET.get("confirm") == "1"
    # Without confirm it is the confirm step's Cancel: the focus goes back to Redeem.
    context = _action_context(request, reward, confirm=confirm, back=not confirm)
    return render_page(request, CATALOG, context, partial="reward-action")


@role_required(Role.STUDENT)
@require_POST
def reward_redeem(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Confirming the redeem step: debit, take stock, create a pending redemption. A reward
    withdrawn while the panel was open is refused by the service with its reason, not a 404."""
    form = RedeemForm(request.POST)
    error = _("This form has expired; reload the page and try again.")
    redemption = None
    if form.is_valid():
        try:
            redemption = reward_services.redeem_reward(
                actor=request.user,
                reward_id=pk,
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except PortalError as exc:
            if exc.code == "not_found":
                raise Http404 from exc
            error = exc.message
    if redemption is not None:
        # A small answer: the confirmation, from what the service already holds (the balance in
        # the header and the card's stock refresh on "points-changed").
        reward = redemption.reward
        if not request.htmx:
            messages.success(
                request,
                _("You redeemed %(name)s. An admin will approve it soon.") % {"name": reward.name},
            )
            return redirect("portal:my-redemptions")
        context = {"reward": reward, "redeemed": redemption}
        response = render_page(request, CATALOG, context, partial="reward-action")
        return trigger_client_event(response, "points-changed")
    reward = get_object_or_404(Reward, pk=pk)
    if not request.htmx:
        messages.error(request, error)
        return redirect("portal:reward-detail", pk=reward.pk)
    context = _action_context(request, reward, confirm=True, error=error)
    return render_page(request, CATALOG, context, partial="reward-action")


@role_required(Role.STUDENT, Role.ALUMNUS)
@require_GET
def my_redemptions(request: HtmxHttpRequest) -> HttpResponse:
    """A student's redemptions; an alumnus reads theirs (nothing to cancel)."""
    profile = own_history_profile_of(request.user)
    return render_page(
        request,
        "portal/rewards/mine.html",
        {"redemptions": reward_selectors.list_redemptions_for(profile)},
    )


@role_required(Role.STUDENT)
@require_POST
def redemption_cancel(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Withdraw one's own pending redemption (points and stock come back)."""
    redemption = access_own_redemption(request.user, pk)
    error = None
    try:
        redemption = reward_services.cancel_redemption(
            actor=request.user, redemption_id=redemption.pk
        )
    except PortalError as exc:
        error = exc.message
        redemption.refresh_from_db()
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(
                request,
                ngettext(
                    "Cancelled; %(cost)s point is back in your balance.",
                    "Cancelled; %(cost)s points are back in your balance.",
                    redemption.cost,
                )
                % {"cost": redemption.cost},
            )
        return redirect("portal:my-redemptions")
    response = render_page(
        request,
        "portal/rewards/mine.html",
        {"r": redemption, "error": error, "just_cancelled": not error},
        partial="redemption-item",
    )
    return response if error else trigger_client_event(response, "points-changed")


# --- admin: catalogue ---------------------------------------------------------------------------


@role_required(Role.ADMIN)
@require_GET
def reward_admin_list(request: HtmxHttpRequest) -> HttpResponse:
    rewards = Reward.objects.order_by("-is_active", "name")
    return render_page(request, "portal/rewards/admin_list.html", {"rewards": rewards})


@role_required(Role.ADMIN)
def reward_edit(request: HtmxHttpRequest, pk: int | None = None) -> HttpResponse:
    reward = get_object_or_404(Reward, pk=pk) if pk else None
    form = RewardForm(request.POST or None, request.FILES or None, instance=reward)
    if request.method == "POST" and form.is_valid():
        saved = reward_services.save_reward(actor=request.user, reward=form.save(commit=False))
        messages.success(request, _("Saved “%(name)s”.") % {"name": saved.name})
        return redirect("portal:reward-admin")
    return render_page(request, "portal/rewards/reward_form.html", {"form": form, "reward": reward})


@role_required(Role.ADMIN)
@require_POST
def reward_toggle(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    reward = get_object_or_404(Reward, pk=pk)
    reward = reward_services.set_reward_active(
        actor=request.user, reward_id=reward.pk, active=not reward.is_active
    )
    state = _("back in the catalogue") if reward.is_active else _("withdrawn from the catalogue")
    messages.success(request, _("“%(name)s” is %(state)s.") % {"name": reward.name, "state": state})
    return redirect("portal:reward-admin")


# --- admin: the redemption queue -----------------------------------------------------------------


def _queue_context(request: HtmxHttpRequest, query: QueryDict, **extra: Any) -> dict[str, Any]:
    filters = QueueFilter(query, queryset=reward_selectors.list_queue())
    table = QueueTable(filters.shaped_qs())
    # No COUNT(*): "all statuses" is every redemption ever made (180,000 at the benchmark's
    # scale, 16 ms); the tabs already show how many wait.
    configure_paged(request, table, per_page=25, count=False)
    return {
        "filter": filters,
        "table": table,
        "counts": reward_selectors.get_queue_counts(),
        **extra,
    }


@role_required(Role.ADMIN)
@require_GET
def redemption_queue(request: HtmxHttpRequest) -> HttpResponse:
    return _render_queue(request, request.GET)


def _render_queue(request: HtmxHttpRequest, query: QueryDict, **extra: Any) -> HttpResponse:
    context = _queue_context(request, query, **extra)
    return render_page(request, "portal/rewards/queue.html", context, partial="queue-table")


def _after_decision(request: HtmxHttpRequest, message: str, error: str | None) -> HttpResponse:
    return answer_decision(
        request,
        message=message,
        error=error,
        queue="portal:redemption-queue",
        render_queue=lambda query, **extra: _render_queue(request, query, **extra),
        event="redemption-decided",
    )


DONE = {
    Redemption.Decision.APPROVE: gettext_lazy("Approved"),
    Redemption.Decision.REJECT: gettext_lazy("Rejected and refunded"),
    Redemption.Decision.FULFIL: gettext_lazy("Marked fulfilled"),
}


@role_required(Role.ADMIN)
@require_POST
def redemption_decide(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Approve, reject (with a note) or fulfil one redemption inline."""
    redemption = get_object_or_404(
        Redemption.objects.select_related("reward", "student__user"), pk=pk
    )
    form = DecisionForm(request.POST)
    message, error = "", None
    if not form.is_valid():
        error = _("Choose approve, reject or fulfil.")
    else:
        try:
            reward_services.decide_redemption(
                actor=request.user,
                redemption_id=redemption.pk,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
            )
        except PortalError as exc:
            error = exc.message
        else:
            message = _("%(done)s: %(reward)s for %(name)s.") % {
                "done": DONE[form.cleaned_data["decision"]],
                "reward": redemption.reward.name,
                "name": redemption.student.user.name,
            }
    return _after_decision(request, message, error)


@role_required(Role.ADMIN)
@require_POST
def redemption_bulk(request: HtmxHttpRequest) -> HttpResponse:
    """One decision for every selected redemption; any decided meanwhile is skipped and listed."""

    def decide(data: dict[str, Any]) -> tuple[int, list[tuple[str, str]]]:
        outcome = reward_services.decide_many(
            actor=request.user,
            redemption_ids=data["selected"],
            decision=data["decision"],
            note=data["note"],
        )
        return len(outcome.done), [(f"#{pk}", reason) for pk, reason in outcome.skipped]

    def summary(data: dict[str, Any], count: int) -> str:
        done = DONE[data["decision"]]
        return ngettext("%(done)s %(n)s redemption.", "%(done)s %(n)s redemptions.", count) % {
            "done": done,
            "n": count,
        }

    return decide_in_bulk(
        BulkDecisionForm(request.POST),
        decide=decide,
        summary=summary,
        answer=lambda message, error: _after_decision(request, message, error),
    )


@role_required(Role.ADMIN)
@require_GET
def queue_badge(request: HtmxHttpRequest) -> HttpResponse:
    """The pending count in the navigation, refreshed after each decision."""
    return render_page(
        request, "portal/components/queue_badge.html", {"pending": reward_selectors.pending_count()}
    )
