"""An admin's page for one person: their history and what can be done to their account
(suspend, reactivate, warn, unlock, send a password reset, correct their details)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.exceptions import PortalError
from portal.forms import add_portal_error
from portal.forms.accounts import AdminLimitForm, CorrectDetailsForm, SuspendForm, WarningForm
from portal.htmx import HtmxHttpRequest, render_page
from portal.models import WARNINGS_BEFORE_SUSPENSION, Role, User
from portal.permissions import access_person, can_administer, can_limit_admins, role_required
from portal.selectors.accounts import (
    is_locked_out,
    latest_erasure_request,
    open_suspension,
    person_history,
)
from portal.services import account_admin


def _page(request: HtmxHttpRequest, person: User, **forms: Any) -> HttpResponse:
    history = person_history(person)
    suspension = open_suspension(person)
    context = {
        "person": person,
        "profile": getattr(person, "student_profile", None),
        "history": history,
        "suspension": suspension,
        "locked_out": is_locked_out(person, account_admin.portal_hosts(request.get_host())),
        "can_act": can_administer(request.user, person),
        "suggest_suspension": suspension is None
        and history.warning_count >= WARNINGS_BEFORE_SUSPENSION,
        "suspend_form": forms.get("suspend_form") or SuspendForm(auto_id="suspend_%s"),
        "warning_form": forms.get("warning_form") or WarningForm(auto_id="warning_%s"),
        "limit_form": _limit_form(request, person, forms.get("limit_form")),
        "erasure": latest_erasure_request(person),
    }
    return render_page(request, "portal/staff/person.html", context)


def _limit_form(
    request: HtmxHttpRequest, person: User, bound: AdminLimitForm | None
) -> AdminLimitForm | None:
    """The department limit, on an admin's page, for an admin who may set it."""
    if person.role != Role.ADMIN or person.pk == request.user.pk:
        return None
    if not can_limit_admins(request.user):
        return None
    initial = {"department": person.admin_department_id}
    return bound or AdminLimitForm(auto_id="limit_%s", initial=initial)


def _done(request: HtmxHttpRequest, person: User, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("portal:person-detail", pk=person.pk)


def _refused(request: HtmxHttpRequest, person: User, exc: PortalError) -> HttpResponse:
    messages.error(request, exc.message)
    return redirect("portal:person-detail", pk=person.pk)


def _act(
    request: HtmxHttpRequest, person: User, act: Callable[[], object], done: str
) -> HttpResponse:
    """Run a one-button action on `person`: back to their page, saying what happened."""
    try:
        act()
    except PortalError as exc:
        return _refused(request, person, exc)
    return _done(request, person, done)


def _submit(
    request: HtmxHttpRequest,
    person: User,
    form: forms.Form,
    act: Callable[[dict[str, Any]], object],
    done: str,
) -> HttpResponse | None:
    """Run a form's action on `person`. Back to their page when it is done or refused as a
    whole; None when the form has errors (shown next to their fields) for the caller to show."""
    if not form.is_valid():
        return None
    try:
        act(form.cleaned_data)
    except PortalError as exc:
        if exc.field is None:
            return _refused(request, person, exc)
        add_portal_error(form, exc)
        return None
    return _done(request, person, done)


@role_required(Role.ADMIN)
@require_GET
def person_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _page(request, access_person(request.user, pk))


@role_required(Role.ADMIN)
@require_POST
def person_suspend(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    person = access_person(request.user, pk)
    form = SuspendForm(request.POST, auto_id="suspend_%s")
    answer = _submit(
        request,
        person,
        form,
        lambda data: account_admin.suspend_account(
            actor=request.user, user_id=person.pk, reason=data["reason"], ends_at=data["ends_at"]
        ),
        _("%(name)s is suspended and cannot sign in.") % _named(person),
    )
    return answer or _page(request, person, suspend_form=form)


@role_required(Role.ADMIN)
@require_POST
def person_reactivate(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    person = access_person(request.user, pk)
    return _act(
        request,
        person,
        lambda: account_admin.reactivate_account(actor=request.user, user_id=person.pk),
        _("%(name)s can sign in again.") % _named(person),
    )


@role_required(Role.ADMIN)
@require_POST
def person_warn(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    person = access_person(request.user, pk)
    form = WarningForm(request.POST, auto_id="warning_%s")
    answer = _submit(
        request,
        person,
        form,
        lambda data: account_admin.issue_warning(
            actor=request.user,
            user_id=person.pk,
            reason=data["reason"],
            idempotency_key=data["idempotency_key"],
        ),
        _("%(name)s was warned.") % _named(person),
    )
    return answer or _page(request, person, warning_form=form)


@role_required(Role.ADMIN)
@require_POST
def person_unlock(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    person = access_person(request.user, pk)
    return _act(
        request,
        person,
        lambda: account_admin.unlock_account(
            actor=request.user,
            user_id=person.pk,
            hosts=account_admin.portal_hosts(request.get_host()),
        ),
        _("%(name)s can try to sign in again at once.") % _named(person),
    )


@role_required(Role.ADMIN)
@require_POST
def person_password_reset(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    person = access_person(request.user, pk)
    return _act(
        request,
        person,
        lambda: account_admin.send_password_reset(actor=request.user, user_id=person.pk),
        _("We emailed %(name)s a link to choose a new password.") % _named(person),
    )


@role_required(Role.ADMIN)
def person_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Correct a name, enrollment number, department or year; the change is audited."""
    person = access_person(request.user, pk)
    profile = getattr(person, "student_profile", None)
    initial = {"name": person.name}
    if profile is not None:
        initial |= {
            "enrollment_number": profile.enrollment_number,
            "department": profile.department_id,
            "year": profile.year,
            "leaderboard_name": profile.leaderboard_name,
        }
    form = CorrectDetailsForm(request.POST or None, initial=initial, student=profile is not None)
    if request.method == "POST" and (
        answer := _submit(
            request,
            person,
            form,
            lambda data: account_admin.correct_details(
                actor=request.user, user_id=person.pk, **data
            ),
            _("Saved; the change is in the audit log."),
        )
    ):
        return answer
    return render_page(
        request,
        "portal/staff/person_edit.html",
        {"person": person, "form": form, "can_act": can_administer(request.user, person)},
    )


@role_required(Role.ADMIN)
@require_POST
def person_limit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Limit an admin to one department's students, or lift the limit."""
    person = access_person(request.user, pk)
    form = AdminLimitForm(request.POST, auto_id="limit_%s")
    answer = _submit(
        request,
        person,
        form,
        lambda data: account_admin.limit_admin(
            actor=request.user, user_id=person.pk, department=data["department"]
        ),
        _("Saved; the change is in the audit log."),
    )
    return answer or _page(request, person, limit_form=form)


def _named(person: User) -> dict[str, str]:
    return {"name": person.name or person.email}
