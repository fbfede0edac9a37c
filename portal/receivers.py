"""Hooks into django.contrib.auth, allauth and model signals, connected in PortalConfig.ready().

Only what no adapter method or service can see lives here: a sign-in through any door (the
portal's login, Django's admin, a password reset that signs in), an authenticator app being
set up, and a category changed through any form (the portal's or Django's admin), which
clears the cached list of active categories. Each receiver hands over to a service or sets a
session key; no rule lives here."""

from __future__ import annotations

from typing import Any

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.signals import authenticator_added
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest

from portal.client import client_ip, user_agent
from portal.middleware import HAS_MFA, PASSED_MFA, user_has_mfa
from portal.models import Category, SignIn, User
from portal.selectors.categories import forget_active_categories
from portal.services.accounts import record_sign_in


@receiver(user_logged_in, dispatch_uid="portal.signed_in")
def signed_in(sender: type, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """Remember whether the account has a second factor (the 2FA middleware then needs no
    query per request) and write the sign-in to the audit trail."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[HAS_MFA] = user_has_mfa(user)
    records = get_authentication_records(request, user)
    methods = sorted({r.get("method", "") for r in records if r.get("method")})
    record_sign_in(
        outcome=SignIn.Outcome.SUCCESS,
        user=user,
        method="+".join(methods) or "session",
        ip=client_ip(request),
        user_agent=user_agent(request),
    )


@receiver(authenticator_added, dispatch_uid="portal.mfa_added")
def authenticator_set_up(sender: type, request: HttpRequest | None, **kwargs: Any) -> None:
    """Setting up an app checks a code from it: this session has passed the second factor."""
    if request is not None and hasattr(request, "session"):
        request.session[PASSED_MFA] = True
        request.session[HAS_MFA] = True


@receiver(post_save, sender=Category, dispatch_uid="portal.category_saved")
@receiver(post_delete, sender=Category, dispatch_uid="portal.category_deleted")
def category_changed(sender: type, **kwargs: Any) -> None:
    """Every process sees the change from its commit on (a rollback changes nothing)."""
    transaction.on_commit(forget_active_categories)
