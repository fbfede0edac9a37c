from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse

from portal.forms.ledger import AwardForm
from portal.htmx import HtmxHttpRequest, render_page
from portal.models import Role
from portal.permissions import student_profile_of
from portal.selectors import claims as claim_selectors
from portal.selectors import draws as draw_selectors
from portal.selectors import events as event_selectors
from portal.selectors import ledger as ledger_selectors
from portal.selectors import rewards as reward_selectors
from portal.views.ledger import award_form_context, recent_awards_context


@login_required
def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """Each role lands on its own dashboard."""
    user = request.user
    if user.role == Role.STUDENT:
        profile = student_profile_of(user)
        return render_page(
            request,
            "portal/dashboards/student.html",
            {
                "profile": profile,
                "standing": ledger_selectors.get_standing(profile),
                "activity": ledger_selectors.recent_activity(profile),
                "leaderboard": ledger_selectors.get_leaderboard(viewer=user, top=5),
                "affordable": reward_selectors.affordable_rewards(profile),
                "redemptions": reward_selectors.list_redemptions_for(profile, limit=4),
                "events": event_selectors.upcoming_for_student(user),
                "prizes": draw_selectors.prizes_to_claim(profile),
                "open_draws": draw_selectors.open_draws_for(profile),
                "current_task": claim_selectors.current_assignment(profile),
                "open_claims": claim_selectors.open_claims_for(profile),
            },
        )
    context = {
        **award_form_context(AwardForm()),
        **recent_awards_context(user),
        "my_events": event_selectors.organised_by(user),
        "reviews_waiting": claim_selectors.pending_review_count(),
    }
    if user.role == Role.ADMIN:
        context["figures"] = ledger_selectors.get_week_figures()
        context["queue"] = reward_selectors.get_queue_counts()
        context["checkins_week"] = event_selectors.checkins_this_week()
        context["open_draws"] = draw_selectors.list_draws(user, drawn=False, limit=5)
        context["prizes_overdue"] = draw_selectors.count_overdue_prizes()
        return render_page(request, "portal/dashboards/admin.html", context)
    return render_page(request, "portal/dashboards/faculty.html", context)
