"""The year-end page for admins: the dry run first (with the final-year rule, or a pasted list
of graduates), then the close after a typed confirmation (the same service as
`manage.py close_academic_year`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.exceptions import BulkError, PortalError
from portal.forms import add_portal_error
from portal.forms.year_end import YearEndForm, list_digest
from portal.htmx import HtmxHttpRequest, render_page
from portal.models import Role
from portal.permissions import role_required
from portal.selectors import year_end as year_end_selectors
from portal.services import imports as import_services
from portal.services import year_end

TEMPLATE = "portal/staff/year_end.html"


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def year_end_close(request: HtmxHttpRequest) -> HttpResponse:
    """The current academic year: its close's report when it is closed, otherwise what closing
    it would change (the dry run) and the form to preview a list and confirm."""
    academic_year = year_end_selectors.current_academic_year()
    close = year_end_selectors.close_of(academic_year)
    context: dict[str, Any] = {"academic_year": academic_year, "close": close}
    if close is not None:
        context["report"] = year_end_selectors.YearEndReport.from_dict(close.report)
        return render_page(request, TEMPLATE, context)
    posted = request.method == "POST"
    closing = posted and request.POST.get("action") == "close"
    form = YearEndForm(
        request.POST if posted else None, academic_year=academic_year, closing=closing
    )
    graduating = None
    if posted and form.is_valid():
        graduates = form.cleaned_data["graduates"]
        try:
            graduating = year_end.graduates_from_list(graduates)
            if closing:
                year_end.close_academic_year(
                    actor=request.user, academic_year=academic_year, graduates=graduates
                )
                messages.success(
                    request, _("The academic year %(year)s is closed.") % {"year": academic_year}
                )
                return redirect("portal:year-end")
        except BulkError as exc:
            context["row_errors"] = exc.rows
            context["refusal"] = import_services.describe_refusal(exc.rows)
            graduating = None
        except PortalError as exc:
            add_portal_error(form, exc)
        else:
            # A fresh form for the confirmation, remembering which list this dry run used.
            form = YearEndForm(
                initial={"graduates": graduates, "previewed": list_digest(graduates)},
                academic_year=academic_year,
            )
    elif posted:  # a refused confirmation: the dry run of the list as posted, if it is fine
        try:
            graduating = year_end.graduates_from_list(request.POST.get("graduates"))
        except PortalError:
            graduating = None
    else:
        form = YearEndForm(initial={"previewed": list_digest("")}, academic_year=academic_year)
    context["form"] = form
    context["listed"] = graduating is not None
    context["report"] = year_end_selectors.dry_run(academic_year, graduating)
    return render_page(request, TEMPLATE, context)
