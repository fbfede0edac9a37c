"""Certificates and transcripts: the student's pages and downloads, the public verification
page and key set, and the admin's issue, bulk issue and revocation."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from portal import ratelimit, signing_keys
from portal.client import client_ip
from portal.documents import open_badges, pdf
from portal.exceptions import PortalError
from portal.forms import add_portal_error
from portal.forms.certificates import (
    BatchForm,
    FindCertificateForm,
    IssueCertificateForm,
    RevokeForm,
)
from portal.htmx import HtmxHttpRequest, render_page
from portal.models import Certificate, CertificateBatch, Role, StudentProfile, Transcript
from portal.permissions import (
    access_certificate,
    access_certificate_for_admin,
    access_own_transcript,
    has_certificates,
    role_required,
)
from portal.qr import qr_svg
from portal.selectors import certificates as certificate_selectors
from portal.selectors import transcripts as transcript_selectors
from portal.services import certificates as certificate_services

# Someone checking a certificate reads one page; a scraper guessing codes reads thousands.
VERIFY_RATE = "30/m"
JWKS_MAX_AGE = 300
# Each one is a signed row kept for good: enough for every application, not a flood.
TRANSCRIPTS_PER_USER = "20/d"


# A verification link never changes: its QR code is drawn once a day at most.
QR_KEEP_SECONDS = 24 * 60 * 60


def _qr_svg(url: str) -> str:
    return qr_svg(url, keep_seconds=QR_KEEP_SECONDS)


def _download(body: bytes | str, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _own_profile(request: HtmxHttpRequest) -> StudentProfile:
    if not has_certificates(request.user):
        raise Http404
    return get_object_or_404(StudentProfile.objects.select_related("user"), user=request.user)


# --- the student's pages ----------------------------------------------------------------------


@role_required(Role.STUDENT, Role.ALUMNUS)
@require_GET
def certificate_list(request: HtmxHttpRequest) -> HttpResponse:
    profile = _own_profile(request)
    return render_page(
        request,
        "portal/certificates/list.html",
        {"certificates": transcript_selectors.certificates_of(profile)},
    )


@role_required(Role.STUDENT, Role.ALUMNUS, Role.ADMIN)
@require_GET
def certificate_detail(request: HtmxHttpRequest, code: str) -> HttpResponse:
    certificate = access_certificate(request.user, code)
    return render_page(request, "portal/certificates/detail.html", _detail_context(certificate))


def _detail_context(certificate: Certificate, revoke_form: RevokeForm | None = None) -> dict:
    return {
        "certificate": certificate,
        "document": certificate.document,
        "qr": _qr_svg(certificate.document["verify_url"]),
        "revoke_form": revoke_form or RevokeForm(auto_id="revoke_%s"),
    }


@role_required(Role.STUDENT, Role.ALUMNUS, Role.ADMIN)
@require_GET
def certificate_pdf(request: HtmxHttpRequest, code: str) -> HttpResponse:
    certificate = access_certificate(request.user, code)
    return _download(
        pdf.certificate_pdf(certificate.signed),
        content_type="application/pdf",
        filename=f"certificate-{code[:8]}.pdf",
    )


@role_required(Role.STUDENT, Role.ALUMNUS, Role.ADMIN)
@require_GET
def certificate_json(request: HtmxHttpRequest, code: str) -> HttpResponse:
    certificate = access_certificate(request.user, code)
    return _download(
        json.dumps(certificate.signed, ensure_ascii=False, indent=2),
        content_type="application/json",
        filename=f"certificate-{code[:8]}.json",
    )


@role_required(Role.STUDENT, Role.ALUMNUS, Role.ADMIN)
@require_GET
def certificate_badge(request: HtmxHttpRequest, code: str) -> HttpResponse:
    """The Open Badges 3.0 credential, a VC-JWT signed with the same key (for wallets)."""
    certificate = access_certificate(request.user, code)
    if certificate.is_revoked:  # a badge carries no status: a wallet would trust it for good
        return HttpResponse(
            _("This certificate was revoked."), status=410, content_type="text/plain"
        )
    token = open_badges.encode(
        open_badges.credential(certificate.document), signing_keys.signing_key()
    )
    return _download(token, content_type="application/jwt", filename=f"badge-{code[:8]}.jwt")


@role_required(Role.STUDENT, Role.ALUMNUS)
@require_GET
def transcript(request: HtmxHttpRequest) -> HttpResponse:
    profile = _own_profile(request)
    issued = transcript_selectors.transcripts_of(profile)
    return render_page(
        request,
        "portal/certificates/transcript.html",
        {
            "record": transcript_selectors.transcript_record(profile),
            "issued": issued,
            # The newest one's QR, to show an employer from a phone.
            "latest_qr": _qr_svg(issued[0].document["verify_url"]) if issued else "",
        },
    )


@role_required(Role.STUDENT, Role.ALUMNUS)
@require_POST
def transcript_item(request: HtmxHttpRequest) -> HttpResponse:
    """Hide an item from the transcript, or show it again; htmx swaps the item's row."""
    try:
        kind = request.POST.get("kind", "")
        item_id = int(request.POST.get("item_id", ""))
        hidden = request.POST.get("hidden") == "1"
        certificate_services.set_hidden(
            actor=request.user, kind=kind, item_id=item_id, hidden=hidden
        )
    except ValueError as exc:
        raise Http404 from exc
    except PortalError as exc:
        if exc.code == "not_found":
            raise Http404 from exc
        messages.error(request, exc.message)
    if request.htmx:
        record = transcript_selectors.transcript_record(_own_profile(request))
        return render_page(
            request,
            "portal/certificates/transcript.html",
            {"record": record, "focus_kind": kind, "focus_id": item_id},
            partial="record",
        )
    return redirect("portal:transcript")


@role_required(Role.STUDENT, Role.ALUMNUS)
@require_POST
def transcript_issue(request: HtmxHttpRequest) -> HttpResponse:
    if ratelimit.consume("transcript", str(request.user.pk), TRANSCRIPTS_PER_USER).limited:
        messages.error(request, _("You have signed many transcripts lately: try again later."))
        return redirect("portal:transcript")
    try:
        issued = certificate_services.issue_transcript(actor=request.user)
    except PortalError as exc:
        messages.error(request, exc.message)
        return redirect("portal:transcript")
    messages.success(
        request, _("Your transcript is signed: download it below, or share its verification link.")
    )
    return redirect(f"{reverse('portal:transcript')}#transcript-{issued.code[:8]}")


@role_required(Role.STUDENT, Role.ALUMNUS)
@require_GET
def transcript_pdf(request: HtmxHttpRequest, code: str) -> HttpResponse:
    issued = access_own_transcript(request.user, code)
    return _download(
        pdf.transcript_pdf(issued.signed),
        content_type="application/pdf",
        filename=f"transcript-{code[:8]}.pdf",
    )


@role_required(Role.STUDENT, Role.ALUMNUS)
@require_GET
def transcript_json(request: HtmxHttpRequest, code: str) -> HttpResponse:
    issued = access_own_transcript(request.user, code)
    return _download(
        json.dumps(issued.signed, ensure_ascii=False, indent=2),
        content_type="application/json",
        filename=f"transcript-{code[:8]}.json",
    )


# --- public -----------------------------------------------------------------------------------


@require_GET
def verify(request: HtmxHttpRequest, code: str) -> HttpResponse:
    """Public: what a certificate or transcript says, and whether it still stands. An unknown
    code is a plain 404 that says only that; the rate limit is per address."""
    usage = ratelimit.consume("verify", client_ip(request) or "unknown", VERIFY_RATE)
    if usage.limited:
        response = render_page(
            request,
            "portal/certificates/verify_limited.html",
            {"seconds": usage.seconds_left},
            status=429,
        )
        response["Retry-After"] = str(usage.seconds_left)
        response["Cache-Control"] = "no-store"
        return response
    found = transcript_selectors.find_by_code(code)
    if found is None:
        response = render_page(request, "portal/certificates/verify_unknown.html", {}, status=404)
        response["Cache-Control"] = "no-store"
        return response
    response = render_page(
        request,
        "portal/certificates/verify.html",
        {
            "record": found,
            "document": found.document,
            "is_transcript": isinstance(found, Transcript),
            "key_id": found.signed["signature"]["kid"],
        },
    )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
@cache_control(public=True, max_age=JWKS_MAX_AGE)
def jwks(request: HtmxHttpRequest) -> JsonResponse:
    """The public keys that sign certificates, transcripts and badges, old ones included."""
    return JsonResponse(signing_keys.jwks())


# --- admins -----------------------------------------------------------------------------------


def _admin_context(request: HtmxHttpRequest, **forms: Any) -> dict[str, Any]:
    find = FindCertificateForm(request.GET or None)
    query = find.cleaned_data["q"] if find.is_valid() else ""
    events = certificate_selectors.events_for_batches()
    return {
        "find": find,
        "query": query,
        "certificates": certificate_selectors.recent_certificates(query),
        "issue_form": forms.get("issue_form") or IssueCertificateForm(auto_id="issue_%s"),
        "batch_form": forms.get("batch_form") or BatchForm(auto_id="batch_%s", events=events),
        "batches": certificate_selectors.recent_batches(),
    }


@role_required(Role.ADMIN)
@require_GET
def certificate_admin(request: HtmxHttpRequest) -> HttpResponse:
    return render_page(
        request, "portal/certificates/admin.html", _admin_context(request), partial="results"
    )


@role_required(Role.ADMIN)
@require_POST
def certificate_issue(request: HtmxHttpRequest) -> HttpResponse:
    form = IssueCertificateForm(request.POST, auto_id="issue_%s")
    if form.is_valid():
        try:
            issued = certificate_services.issue_by_admin(actor=request.user, **form.cleaned_data)
        except PortalError as exc:
            add_portal_error(form, exc)
        else:
            messages.success(
                request,
                _("Certificate issued to %(name)s: %(title)s")
                % {"name": issued.holder.user.name, "title": issued.title},
            )
            return redirect("portal:certificate-admin")
    return render_page(
        request,
        "portal/certificates/admin.html",
        _admin_context(request, issue_form=form),
        status=422,
    )


@role_required(Role.ADMIN)
@require_POST
def certificate_batch(request: HtmxHttpRequest) -> HttpResponse:
    events = certificate_selectors.events_for_batches()
    form = BatchForm(request.POST, auto_id="batch_%s", events=events)
    if form.is_valid():
        try:
            batch = certificate_services.start_batch(
                actor=request.user, event_id=form.cleaned_data["event"].pk
            )
        except PortalError as exc:
            add_portal_error(form, exc)
        else:
            messages.success(
                request,
                _("Issuing certificates for %(event)s: the progress shows below.")
                % {"event": batch.event.title},
            )
            return redirect("portal:certificate-admin")
    return render_page(
        request,
        "portal/certificates/admin.html",
        _admin_context(request, batch_form=form),
        status=422,
    )


@role_required(Role.ADMIN)
@require_GET
def certificate_batch_status(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A batch's progress bar, polled by htmx while it runs."""
    batch = get_object_or_404(CertificateBatch.objects.select_related("event"), pk=pk)
    return render(request, "portal/certificates/admin.html#batch-row", {"batch": batch})


@role_required(Role.ADMIN)
@require_POST
def certificate_revoke(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    certificate = access_certificate_for_admin(request.user, pk)
    form = RevokeForm(request.POST, auto_id="revoke_%s")
    if form.is_valid():
        try:
            certificate_services.revoke(
                actor=request.user, certificate_id=pk, reason=form.cleaned_data["reason"]
            )
        except PortalError as exc:
            add_portal_error(form, exc)
        else:
            messages.success(request, _("The certificate is revoked; the student was told."))
            return redirect("portal:certificate-detail", code=certificate.code)
    return render_page(
        request, "portal/certificates/detail.html", _detail_context(certificate, form), status=422
    )
