"""Partners: the admins' page of partner companies and accounts (create a company, invite,
send the link again, deactivate), and the partner's own dashboard (served at / by
views.dashboards)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.exceptions import PortalError
from portal.forms import add_portal_error
from portal.forms.partners import CompanyForm, PartnerDeactivateForm, PartnerInviteForm
from portal.htmx import HtmxHttpRequest, render_page
from portal.models import Role
from portal.permissions import (
    access_partner_account,
    can_manage_partners,
    partner_reviewer_of,
    role_required,
)
from portal.selectors import partners as partner_selectors
from portal.services import partners as partner_services


def partner_dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """The partner's dashboard (views.dashboards sends partners here)."""
    reviewer = partner_reviewer_of(request.user)
    return render_page(
        request,
        "portal/dashboards/partner.html",
        {
            "reviewer": reviewer,
            "board": partner_selectors.partner_dashboard(reviewer),
        },
    )


def _require_manager(request: HtmxHttpRequest) -> None:
    if not can_manage_partners(request.user):
        raise PermissionDenied


def _page(request: HtmxHttpRequest, **forms: Any) -> HttpResponse:
    return render_page(
        request,
        "portal/staff/partners.html",
        {
            "companies": partner_selectors.companies_with_partners(),
            "company_form": forms.get("company_form") or CompanyForm(auto_id="company_%s"),
            "invite_form": forms.get("invite_form") or PartnerInviteForm(auto_id="invite_%s"),
            "deactivate_form": forms.get("deactivate_form"),
            "deactivating": forms.get("deactivating"),
        },
    )


def _submit(
    request: HtmxHttpRequest,
    form: Any,
    action: Callable[[dict[str, Any]], Any],
    success: Callable[[Any], str],
) -> HttpResponse | None:
    """Run the service with the form's data: a redirect with a message when it worked, None
    (show the page again, errors next to the fields) when it did not."""
    if not form.is_valid():
        return None
    try:
        result = action(form.cleaned_data)
    except PortalError as exc:
        if exc.code == "not_found":
            raise Http404 from exc
        add_portal_error(form, exc)
        return None
    messages.success(request, success(result))
    return redirect("portal:partners")


@role_required(Role.ADMIN)
@require_GET
def partners(request: HtmxHttpRequest) -> HttpResponse:
    _require_manager(request)
    return _page(request)


@role_required(Role.ADMIN)
@require_POST
def company_create(request: HtmxHttpRequest) -> HttpResponse:
    _require_manager(request)
    form = CompanyForm(request.POST, auto_id="company_%s")
    answer = _submit(
        request,
        form,
        lambda data: partner_services.create_company(
            actor=request.user,
            name=data["name"],
            website=data["website"],
            description=data["description"],
        ),
        lambda company: _("%(name)s was added.") % {"name": company.name},
    )
    return answer or _page(request, company_form=form)


@role_required(Role.ADMIN)
@require_POST
def partner_invite(request: HtmxHttpRequest) -> HttpResponse:
    _require_manager(request)
    form = PartnerInviteForm(request.POST, auto_id="invite_%s")
    answer = _submit(
        request,
        form,
        lambda data: partner_services.invite_partner(
            actor=request.user,
            email=data["email"],
            name=data["name"],
            company_id=data["company"].pk,
            headline=data["headline"],
            specialty_ids=[s.pk for s in data["specialties"]],
        ),
        lambda user: (
            _("%(name)s was invited: the email with their link is on its way.")
            % {"name": user.name}
        ),
    )
    return answer or _page(request, invite_form=form)


@role_required(Role.ADMIN)
@require_POST
def partner_reinvite(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    access_partner_account(request.user, pk)
    try:
        user = partner_services.resend_partner_invitation(actor=request.user, user_id=pk)
    except PortalError as exc:
        if exc.code == "not_found":
            raise Http404 from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("A new link was sent to %(email)s.") % {"email": user.email})
    return redirect("portal:partners")


@role_required(Role.ADMIN)
@require_POST
def partner_deactivate(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    access_partner_account(request.user, pk)
    form = PartnerDeactivateForm(request.POST, auto_id=f"deactivate-{pk}_%s")
    answer = _submit(
        request,
        form,
        lambda data: partner_services.deactivate_partner(
            actor=request.user, user_id=pk, reason=data["reason"]
        ),
        lambda _suspension: _("The partner account is deactivated; it can no longer sign in."),
    )
    return answer or _page(request, deactivate_form=form, deactivating=pk)
