from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from portal.forms.ledger import AwardForm
from portal.htmx import HtmxHttpRequest, dashboard_instead, render_page
from portal.models import Role, User
from portal.permissions import (
    STAFF,
    is_admin,
    is_alumnus,
    is_partner,
    is_student,
    role_required,
    sees_all_figures,
    student_profile_of,
)
from portal.selectors import accounts as account_selectors
from portal.selectors import claims as claim_selectors
from portal.selectors import draws as draw_selectors
from portal.selectors import events as event_selectors
from portal.selectors import ledger as ledger_selectors
from portal.selectors import milestones as milestone_selectors
from portal.selectors import reviews as review_selectors
from portal.selectors import rewards as reward_selectors
from portal.selectors import stats
from portal.selectors import tasks as task_selectors
from portal.views import partners
from portal.views.ledger import award_form_context, recent_awards_context
from portal.views.passes import door_pass_context


def _choice(request: HtmxHttpRequest, name: str, choices: type, default: str) -> str:
    value = request.GET.get(name, "")
    return value if value in choices.values else default


def _trends_context(request: HtmxHttpRequest, user: User) -> dict:
    period = _choice(request, "period", stats.TrendPeriod, stats.TrendPeriod.WEEK)
    organiser = None if sees_all_figures(user) else user
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
@gzip_page  # the largest page most people load most often; Django pads it against BREACH
def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """Each role lands on its own dashboard. Charts arrive in a second request (htmx, on load),
    so the page itself stays within its query budget and shows up at once."""
    user = request.user
    if is_partner(user):
        return partners.partner_dashboard(request)
    if is_alumnus(user):
        profile = account_selectors.own_profile_with_department(user)
        return render_page(
            request,
            "portal/dashboards/alumnus.html",
            {
                "profile": profile,
                "redemptions": reward_selectors.list_redemptions_for(profile, limit=4)
                if profile
                else [],
            },
        )
    if is_student(user):
        profile = account_selectors.own_profile_with_department(user)
        if profile is None:
            # Signed up, but no student record yet (the enrollment number was taken).
            return render_page(
                request,
                "portal/dashboards/no_profile.html",
                {"pending": account_selectors.pending_signup_of(user)},
            )
        draws = draw_selectors.draws_for_dashboard(profile)
        standing = ledger_selectors.get_standing(profile)
        return render_page(
            request,
            "portal/dashboards/student.html",
            {
                "profile": profile,
                **door_pass_context(profile),
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
                "current_task": task_selectors.current_assignment(profile),
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
        "reviews_waiting": review_selectors.pending_review_count(),
    }
    if is_admin(user):
        context["queue"] = reward_selectors.get_queue_counts()
        context["open_draws"] = draw_selectors.open_draws_for_staff(limit=5)
        context["prizes_overdue"] = draw_selectors.count_overdue_prizes()
        return render_page(request, "portal/dashboards/admin.html", context)
    return render_page(request, "portal/dashboards/faculty.html", context)


@role_required(Role.STUDENT)
@require_GET
def points_chart(request: HtmxHttpRequest) -> HttpResponse:
    """The student's points-over-time chart at the chosen granularity (dashboard partial)."""
    if redirect := dashboard_instead(request):
        return redirect
    profile = student_profile_of(request.user)
    return render_page(
        request,
        "portal/dashboards/student.html",
        _points_chart_context(request, profile),
        partial="points-chart",
    )


@role_required(*STAFF)
@require_GET
def trend_figures(request: HtmxHttpRequest) -> HttpResponse:
    """This period against the previous one, for the period picked on the dashboard."""
    if redirect := dashboard_instead(request):
        return redirect
    return render_page(
        request, "portal/components/trend_figures.html", _trends_context(request, request.user)
    )


@role_required(*STAFF)
@require_GET
def staff_charts(request: HtmxHttpRequest) -> HttpResponse:
    """The dashboard charts: everything for admins, check-ins at their own events for faculty."""
    if redirect := dashboard_instead(request):
        return redirect
    user = request.user
    if sees_all_figures(user):
        charts = [
            stats.points_by_category_chart(),
            stats.redemptions_chart(),
            stats.checkins_chart(),
        ]
    else:
        charts = [stats.checkins_chart(organiser=user)]
    return render_page(request, "portal/components/dashboard_charts.html", {"charts": charts})
