"""Data rights: a student's erasure request (on their settings page) and the admins' queue of
requests, where each is erased or refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.exceptions import PortalError
from portal.forms import add_portal_error
from portal.forms.accounts import EraseForm, ErasureRequestForm, RefuseErasureForm
from portal.htmx import HtmxHttpRequest, render_page
from portal.models import ErasureRequest, Role
from portal.permissions import access_erasure_request, can_request_erasure, role_required
from portal.selectors.accounts import pending_erasures
from portal.services import data_rights

from .settings import render_settings

YOUR_DATA = "#your-data"


@login_required
@require_POST
def erasure_request(request: HtmxHttpRequest) -> HttpResponse:
    """Ask for one's data to be erased (students; the form is on the settings page)."""
    if not can_request_erasure(request.user):
        messages.error(request, _("Only students can ask for their data to be erased here."))
        return redirect(reverse("portal:settings") + YOUR_DATA)
    form = ErasureRequestForm(request.POST)
    if form.is_valid():
        try:
            data_rights.request_erasure(user=request.user, note=form.cleaned_data["note"])
        except PortalError as exc:
            add_portal_error(form, exc)
        else:
            messages.success(
                request,
                _("Your request was sent. An admin decides it; you will hear from us either way."),
            )
            return redirect(reverse("portal:settings") + YOUR_DATA)
    # Errors: the settings page again, with this form showing them.
    return render_settings(request, erasure_form=form)


@login_required
@require_POST
def erasure_withdraw(request: HtmxHttpRequest) -> HttpResponse:
    try:
        data_rights.withdraw_erasure(user=request.user)
    except PortalError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your request was withdrawn; nothing was erased."))
    return redirect(reverse("portal:settings") + YOUR_DATA)


def _queue(request: HtmxHttpRequest, **bound: object) -> HttpResponse:
    """The queue; `bound` holds a form that came back with errors, by its prefix."""
    rows = [
        (
            erasure,
            bound.get(f"erase-{erasure.pk}") or EraseForm(prefix=f"erase-{erasure.pk}"),
            bound.get(f"refuse-{erasure.pk}") or RefuseErasureForm(prefix=f"refuse-{erasure.pk}"),
        )
        for erasure in pending_erasures(request.user)
    ]
    return render_page(request, "portal/staff/erasures.html", {"rows": rows})


@role_required(Role.ADMIN)
@require_GET
def erasure_queue(request: HtmxHttpRequest) -> HttpResponse:
    return _queue(request)


def _decide(
    request: HtmxHttpRequest,
    pk: int,
    form_class: type[forms.Form],
    action: str,
    act: Callable[[ErasureRequest, dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """Erase or refuse one request from the queue: back to the queue saying what happened, or
    the queue again with the form's errors beside its field."""
    erasure = access_erasure_request(request.user, pk)
    form = form_class(request.POST, prefix=f"{action}-{erasure.pk}")
    if form.is_valid():
        try:
            act(erasure, form.cleaned_data)
        except PortalError as exc:
            if exc.field is None:
                messages.error(request, exc.message)
                return redirect("portal:erasure-queue")
            add_portal_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("portal:erasure-queue")
    return _queue(request, **{form.prefix: form})


@role_required(Role.ADMIN)
@require_POST
def erasure_erase(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        EraseForm,
        "erase",
        lambda erasure, data: data_rights.erase_account(
            actor=request.user, request_id=erasure.pk, confirm=data["confirm"]
        ),
        _("The account's personal data was erased; its ledger stays, under a pseudonym."),
    )


@role_required(Role.ADMIN)
@require_POST
def erasure_refuse(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        RefuseErasureForm,
        "refuse",
        lambda erasure, data: data_rights.refuse_erasure(
            actor=request.user, request_id=erasure.pk, answer=data["answer"]
        ),
        _("The request was refused; the student was told why."),
    )
