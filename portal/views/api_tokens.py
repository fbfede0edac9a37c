"""API tokens in the portal: the admins' integration tokens, and anyone's personal read
token on the settings page. A new secret is shown in the answer to the POST that made it,
once; it is never stored."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.exceptions import PortalError
from portal.forms import add_portal_error
from portal.forms.api_tokens import ApiTokenForm
from portal.htmx import HtmxHttpRequest, render_page
from portal.models import ApiScope, ApiToken
from portal.permissions import can_have_personal_token, can_manage_api_tokens
from portal.selectors.api_tokens import list_api_tokens, personal_token_of
from portal.services import api_tokens as token_services


def _admin_only(request: HtmxHttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not can_manage_api_tokens(request.user):
        raise PermissionDenied
    return None


def token_admin(request: HtmxHttpRequest) -> HttpResponse:
    """The integration tokens: the list, and the form that makes one."""
    if refused := _admin_only(request):
        return refused
    form = ApiTokenForm(request.POST or None)
    created: tuple[ApiToken, str] | None = None
    if request.method == "POST" and form.is_valid():
        try:
            created = token_services.create_api_token(
                actor=request.user, **form.service_arguments()
            )
        except PortalError as exc:
            add_portal_error(form, exc)
        else:
            form = ApiTokenForm()
    context: dict[str, Any] = {
        "form": form,
        "tokens": list_api_tokens(),
        "scopes": ApiScope,
        "new_token": created[0] if created else None,
        "new_secret": created[1] if created else "",
    }
    response = render_page(request, "portal/api_tokens/admin.html", context)
    if created:
        patch_cache_control(response, private=True, no_store=True)  # it shows a secret
    return response


@require_POST
def token_revoke(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    if refused := _admin_only(request):
        return refused
    try:
        token = token_services.revoke_api_token(actor=request.user, token_id=pk)
    except PortalError as exc:
        if exc.code == "not_found":
            raise Http404 from exc
        raise
    messages.success(
        request, _("The token “%(name)s” was revoked: it no longer works.") % {"name": token.name}
    )
    return redirect("portal:api-tokens")


def personal_token_context(user: Any, secret: str = "") -> dict[str, Any]:
    """What the settings page's API token section needs (it includes the partial)."""
    return {"api_token": personal_token_of(user), "api_secret": secret}


def _personal_section(request: HtmxHttpRequest, secret: str = "") -> HttpResponse:
    # Without JavaScript a new secret is shown on a page of its own (it cannot go through a
    # redirect: it would have to be stored to survive it); anything else goes back to settings.
    if not request.htmx and not secret:
        return redirect(reverse("portal:settings") + "#api-token")
    response = render_page(
        request,
        "portal/api_tokens/personal.html",
        personal_token_context(request.user, secret),
        partial="api-token",
    )
    if secret:
        patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_POST
def personal_token_create(request: HtmxHttpRequest) -> HttpResponse:
    """Make (or replace) the user's own read-only token and show its secret once."""
    if not can_have_personal_token(request.user):
        raise PermissionDenied
    _token, secret = token_services.create_personal_token(actor=request.user)
    return _personal_section(request, secret)


@login_required
@require_POST
def personal_token_revoke(request: HtmxHttpRequest) -> HttpResponse:
    token = personal_token_of(request.user)
    if token is not None:
        token_services.revoke_api_token(actor=request.user, token_id=token.pk)
    if not request.htmx:
        messages.success(request, _("Your API token was revoked."))
    return _personal_section(request)
