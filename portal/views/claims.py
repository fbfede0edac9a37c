"""Activity claims (students): my claims, a new claim with evidence, withdrawing a pending one;
the evidence download for its student and for reviewers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.exceptions import PortalError
from portal.forms import add_portal_error
from portal.forms.claims import ClaimForm
from portal.htmx import HtmxHttpRequest, render_page
from portal.models import Role
from portal.permissions import (
    access_claim_evidence,
    access_own_claim,
    role_required,
    student_profile_of,
)
from portal.selectors import claims as claim_selectors
from portal.services import claims as claim_services
from portal.uploads import evidence_response

CLAIMS = "portal/claims/list.html"
FORM = "portal/claims/form.html"


@role_required(Role.STUDENT)
@require_GET
def claim_list(request: HtmxHttpRequest) -> HttpResponse:
    profile = student_profile_of(request.user)
    return render_page(
        request, CLAIMS, {"claims": claim_selectors.list_claims_for(profile), "tab": "claims"}
    )


def _category_id(value: object) -> int | None:
    return int(value) if str(value or "").isdigit() else None


@role_required(Role.STUDENT)
@require_http_methods(["GET", "POST"])
def claim_create(request: HtmxHttpRequest) -> HttpResponse:
    """The claim form. Choosing a category refreshes the points field (htmx) with the
    category's bounds and what is left of its yearly cap."""
    profile = student_profile_of(request.user)
    if request.method == "GET" and request.htmx and request.htmx.target == "points-field":
        category = claim_selectors.get_claim_category(
            profile, _category_id(request.GET.get("category"))
        )
        return render_page(
            request, FORM, {"category": category, "form": ClaimForm()}, partial="points-field"
        )
    if request.method == "POST":
        form = ClaimForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                claim = claim_services.submit_claim(
                    actor=request.user,
                    category_id=data["category"].pk,
                    points=data["points"],
                    description=data["description"],
                    activity_date=data["activity_date"],
                    evidence=data["evidence"],
                    idempotency_key=data["idempotency_key"],
                )
            except PortalError as exc:
                add_portal_error(form, exc)
            else:
                messages.success(
                    request,
                    ngettext(
                        "Your %(cat)s claim for %(points)s point is waiting for review.",
                        "Your %(cat)s claim for %(points)s points is waiting for review.",
                        claim.points,
                    )
                    % {"cat": claim.category.name, "points": claim.points},
                )
                return redirect("portal:claims")
        form.ask_for_the_file_again()
    else:
        form = ClaimForm(initial={"category": _category_id(request.GET.get("category"))})
    categories = claim_selectors.claim_categories(profile)
    chosen = str(form["category"].value() or "")
    category = next((c for c in categories if str(c.pk) == chosen), None)
    return render_page(
        request,
        FORM,
        {"form": form, "categories": categories, "category": category, "tab": "claims"},
    )


@role_required(Role.STUDENT)
@require_POST
def claim_withdraw(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Take back one's own claim while it waits for review."""
    claim = access_own_claim(request.user, pk)
    error = None
    try:
        claim = claim_services.withdraw_claim(actor=request.user, claim_id=claim.pk)
    except PortalError as exc:
        error = exc.message
        claim.refresh_from_db()
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("Claim withdrawn."))
        return redirect("portal:claims")
    return render_page(
        request,
        CLAIMS,
        {"c": claim, "error": error, "just_withdrawn": not error},
        partial="claim-item",
    )


@login_required
@require_GET
def claim_evidence(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The evidence file, for the claim's student and for reviewers only (404 for others)."""
    claim = access_claim_evidence(request.user, pk)
    return evidence_response(claim.evidence, claim.evidence_type, f"claim-{claim.pk}-evidence")
