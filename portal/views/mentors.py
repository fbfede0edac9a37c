"""Mentors: the admins' page (every student with their mentor, one assignment at a time or a
CSV file) and a mentor's own "My mentees" page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.exceptions import BulkError, PortalError
from portal.forms import add_portal_error
from portal.forms.mentors import AssignMentorForm, MentorImportForm
from portal.htmx import HtmxHttpRequest, render_page
from portal.models import Role
from portal.permissions import accounts_manager_required, can_see_mentees, role_required
from portal.selectors import mentors as mentor_selectors
from portal.services import imports as import_services
from portal.services import mentors as mentor_services

PAGE_SIZE = 25
TEMPLATE = "portal/staff/mentors.html"


def _page(request: HtmxHttpRequest, **extra: Any) -> HttpResponse:
    query = request.GET.get("q", "")
    without = request.GET.get("without") == "1"
    students = mentor_selectors.list_students_with_mentors(query=query, without_mentor=without)
    context = {
        "page": Paginator(students, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": query,
        "without": without,
        "form": AssignMentorForm(initial={"student": request.GET.get("student", "")}),
        "import_form": MentorImportForm(),
        **extra,
    }
    return render_page(request, TEMPLATE, context)


@accounts_manager_required
@require_http_methods(["GET", "POST"])
def mentors(request: HtmxHttpRequest) -> HttpResponse:
    """GET: every student with their mentor; POST: assign (or clear) one student's mentor."""
    if request.method != "POST":
        return _page(request)
    form = AssignMentorForm(request.POST)
    if form.is_valid():
        mentor = form.cleaned_data["mentor"]
        try:
            profile = mentor_services.assign_mentor(
                actor=request.user,
                enrollment_number=form.cleaned_data["student"],
                mentor_id=mentor.pk if mentor else None,
            )
        except PortalError as exc:
            add_portal_error(form, exc)
        else:
            if mentor:
                done = _("%(mentor)s is now the mentor of %(student)s.") % {
                    "mentor": mentor.name,
                    "student": profile.user.name,
                }
            else:
                done = _("%(student)s has no mentor now.") % {"student": profile.user.name}
            messages.success(request, done)
            return redirect("portal:mentors")
    return _page(request, form=form)


@accounts_manager_required
@require_POST
def mentor_import(request: HtmxHttpRequest) -> HttpResponse:
    """Assign mentors from a CSV file, all or nothing; every bad line is listed."""
    form = MentorImportForm(request.POST, request.FILES)
    extra: dict[str, Any] = {"import_form": form}
    if form.is_valid():
        try:
            report = mentor_services.import_mentors(
                actor=request.user, data=form.cleaned_data["file"].read()
            )
        except BulkError as exc:
            extra["row_errors"] = exc.rows
            extra["refusal"] = import_services.describe_refusal(exc.rows)
        except PortalError as exc:
            add_portal_error(form, exc)
        else:
            messages.success(
                request,
                ngettext(
                    "Read %(rows)s row: %(changed)s mentor changed, %(same)s unchanged.",
                    "Read %(rows)s rows: %(changed)s mentors changed, %(same)s unchanged.",
                    report.rows,
                )
                % {"rows": report.rows, "changed": report.changed, "same": report.unchanged},
            )
            return redirect("portal:mentors")
    return _page(request, **extra)


@role_required(Role.FACULTY)
@require_GET
def my_mentees(request: HtmxHttpRequest) -> HttpResponse:
    """A mentor's mentees and how each is doing."""
    rows = mentor_selectors.mentees_of(request.user) if can_see_mentees(request.user) else []
    return render_page(request, "portal/mentors/mentees.html", {"rows": rows})
