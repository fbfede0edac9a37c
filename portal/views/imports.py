"""The student import page for admins (the same service as `manage.py import_students`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from portal.exceptions import BulkError, PortalError
from portal.exports import csv_response
from portal.forms import add_portal_error
from portal.forms.imports import StudentImportForm
from portal.htmx import HtmxHttpRequest, render_page
from portal.models import Department
from portal.permissions import accounts_manager_required
from portal.services import imports as import_services

TEMPLATE = "portal/staff/import.html"


def summary(report: import_services.ImportReport) -> str:
    text = ngettext(
        "Imported %(rows)s row: %(created)s new, %(updated)s updated, %(same)s unchanged.",
        "Imported %(rows)s rows: %(created)s new, %(updated)s updated, %(same)s unchanged.",
        report.file_rows,
    ) % {
        "rows": report.file_rows,
        "created": report.created,
        "updated": report.updated,
        "same": report.unchanged,
    }
    if report.invite:
        text += " " + ngettext(
            "%(n)s invitation sent.", "%(n)s invitations sent.", report.invitations_sent
        ) % {"n": report.invitations_sent}
    if report.invitations_failed:
        text += " " + ngettext(
            "%(n)s invitation could not be sent; they can use “Forgot your password?”.",
            "%(n)s invitations could not be sent; they can use “Forgot your password?”.",
            report.invitations_failed,
        ) % {"n": report.invitations_failed}
    return text


@accounts_manager_required
@require_http_methods(["GET", "POST"])
def student_import(request: HtmxHttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    form = StudentImportForm(request.POST, request.FILES) if posted else StudentImportForm()
    context: dict[str, Any] = {"form": form}
    if posted and form.is_valid():
        try:
            report = import_services.import_students(
                actor=request.user,
                data=form.cleaned_data["file"].read(),
                invite=form.cleaned_data["invite"],
                invite_limit=import_services.PAGE_INVITE_LIMIT,
            )
        except BulkError as exc:
            context["row_errors"] = exc.rows
            context["refusal"] = import_services.describe_refusal(exc.rows)
        except PortalError as exc:
            add_portal_error(form, exc)
        else:
            if not request.htmx:
                messages.success(request, summary(report))
                return redirect("portal:student-import")
            context.update(report=report, summary=summary(report), form=StudentImportForm())
    return render_page(request, TEMPLATE, context, partial="import-panel")


@accounts_manager_required
@require_GET
def student_import_template(request: HtmxHttpRequest) -> StreamingHttpResponse:
    """A file to fill in: the header and two example rows using a real department."""
    department = Department.objects.order_by("code").first()
    code = department.code if department else "CS"
    domain = (settings.UPAS_SIGNUP_DOMAINS or ["example.edu"])[0]
    return csv_response(
        "students-template.csv",
        import_services.COLUMNS,
        [
            [f"asha.rao@{domain}", "Asha Rao", "CS2025001", code, "BSc Computer Science", 1],
            [f"li.wei@{domain}", "Li Wei", "CS2025002", code, "MSc Data Science", 2],
        ],
    )
