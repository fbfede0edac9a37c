from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from portal.forms.ledger import LeaderboardForm
from portal.htmx import HtmxHttpRequest, render_page
from portal.selectors.ledger import get_leaderboard


@require_GET
def leaderboard(request: HtmxHttpRequest) -> HttpResponse:
    """Top students overall or by department and period; public read-only where allowed."""
    if not request.user.is_authenticated and not settings.UPAS_PUBLIC_LEADERBOARD:
        return redirect_to_login(request.get_full_path())
    form = LeaderboardForm(request.GET)
    options = form.cleaned_or_default()
    board = get_leaderboard(
        viewer=request.user if request.user.is_authenticated else None,
        period=options["period"],
        department=options["department"],
        top=options["top"],
    )
    return render_page(
        request,
        "portal/ledger/leaderboard.html",
        {"form": form, "board": board},
        partial="leaderboard",
    )
