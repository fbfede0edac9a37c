from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_GET

from portal.forms.ledger import AwardForm
from portal.htmx import HtmxHttpRequest, render_page
from portal.models import Role, User
from portal.permissions import role_required, student_profile_of
from portal.selectors import accounts as account_selectors
from portal.selectors import claims as claim_selectors
from portal.selectors import draws as draw_selectors
from portal.selectors import events as event_selectors
from portal.selectors import ledger as ledger_selectors
from portal.selectors import milestones as milestone_selectors
from portal.selectors import rewards as reward_selectors
from portal.selectors import stats
from portal.views.ledger import award_form_context, recent_awards_context


def _choice(request: HtmxHttpRequest, name: str, choices: type, default: str) -> str:
    value = request.GET.get(name, "")
    return value if value in choices.values else default


def _trends_context(request: HtmxHttpRequest, user: User) -> dict:
    period = _choice(request, "period", stats.TrendPeriod, stats.TrendPeriod.WEEK)
    organiser = None if user.role == Role.ADMIN else user
    return {
        "period": period,
        "periods": stats.TrendPeriod.choices,
        "trends": stats.get_trends(period, organiser=organiser),
    }


def _points_chart_context(request: HtmxHttpRequest, profile) -> dict:
    granularity = _choice(request, "granularity", stats.Granularity, stats.Granularity.WEEK)
    return {
        "granularity": granularity,
        "granularities": stats.Granularity.choices,
        "points_chart": stats.student_points_chart(profile, granularity),
    }


@login_required
def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """Each role lands on its own dashboard. Charts arrive in a second request (htmx, on load),
    so the page itself stays within its query budget and shows up at once."""
    user = request.user
    if user.role == Role.STUDENT:
        profile = account_selectors.own_profile_with_department(user)
        if profile is None:
            raise Http404
        draws = draw_selectors.draws_for_dashboard(profile)
        standing = ledger_selectors.get_standing(profile)
        return render_page(
            request,
            "portal/dashboards/student.html",
            {
                "profile": profile,
                "standing": standing,
                "level": milestone_selectors.level_of(profile),
                "leaderboard": ledger_selectors.get_leaderboard(
                    viewer=user, top=5, standing=standing
                ),
                "affordable": reward_selectors.affordable_rewards(profile),
                "redemptions": reward_selectors.list_redemptions_for(profile, limit=4),
                "events": event_selectors.upcoming_for_student(user),
                "prizes": draws.prizes,
                "open_draws": draws.open_draws,
                "current_task": claim_selectors.current_assignment(profile),
                "open_claims": claim_selectors.open_claims_for(profile),
                "granularity": _choice(
                    request, "granularity", stats.Granularity, stats.Granularity.WEEK
                ),
            },
        )
    context = {
        **award_form_context(AwardForm()),
        **recent_awards_context(user),
        **_trends_context(request, user),
        "my_events": event_selectors.organised_by(user),
        "reviews_waiting": claim_selectors.pending_review_count(),
    }
    if user.role == Role.ADMIN:
        context["queue"] = reward_selectors.get_queue_counts()
        context["open_draws"] = draw_selectors.list_draws(user, drawn=False, limit=5)
        context["prizes_overdue"] = draw_selectors.count_overdue_prizes()
        return render_page(request, "portal/dashboards/admin.html", context)
    return render_page(request, "portal/dashboards/faculty.html", context)


def _dashboard_instead(request: HtmxHttpRequest) -> HttpResponse | None:
    """The partials below are for htmx; a plain visit gets the whole dashboard."""
    if request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request:
        return None
    query = request.GET.urlencode()
    return HttpResponseRedirect(reverse("portal:dashboard") + (f"?{query}" if query else ""))


@role_required(Role.STUDENT)
@require_GET
def points_chart(request: HtmxHttpRequest) -> HttpResponse:
    """The student's points-over-time chart at the chosen granularity (dashboard partial)."""
    if redirect := _dashboard_instead(request):
        return redirect
    profile = student_profile_of(request.user)
    return render_page(
        request,
        "portal/dashboards/student.html",
        _points_chart_context(request, profile),
        partial="points-chart",
    )


@role_required(Role.FACULTY, Role.ADMIN)
@require_GET
def trend_figures(request: HtmxHttpRequest) -> HttpResponse:
    """This period against the previous one, for the period picked on the dashboard."""
    if redirect := _dashboard_instead(request):
        return redirect
    return render_page(
        request, "portal/components/trend_figures.html", _trends_context(request, request.user)
    )


@role_required(Role.FACULTY, Role.ADMIN)
@require_GET
def staff_charts(request: HtmxHttpRequest) -> HttpResponse:
    """The dashboard charts: everything for admins, check-ins at their own events for faculty."""
    if redirect := _dashboard_instead(request):
        return redirect
    user = request.user
    if user.role == Role.ADMIN:
        charts = [
            stats.points_by_category_chart(),
            stats.redemptions_chart(),
            stats.checkins_chart(),
        ]
    else:
        charts = [stats.checkins_chart(organiser=user)]
    return render_page(request, "portal/components/dashboard_charts.html", {"charts": charts})
