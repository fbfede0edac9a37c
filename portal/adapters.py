"""allauth hooks: who may sign up, what a sign-in leaves in the audit trail, and what happens
when a student's address is verified."""

from __future__ import annotations

import math
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core.internal.ratelimit import parse_rates
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.client import client_ip, user_agent
from portal.domain.sso import email_domain
from portal.middleware import mfa_required_for
from portal.models import SignIn, User
from portal.permissions import sign_in_needs_sso
from portal.services import account_admin
from portal.services import accounts as account_services


def lockout_minutes() -> int:
    """How long a locked-out sign-in waits: the longest window among the failed-login limits."""
    rates = (
        parse_rates(settings.ACCOUNT_RATE_LIMITS.get("login_failed") or "")
        if isinstance(settings.ACCOUNT_RATE_LIMITS, dict)
        else []
    )
    longest = max((rate.duration for rate in rates), default=300)
    return max(1, math.ceil(longest / 60))


class PortalAccountAdapter(DefaultAccountAdapter):
    @property
    def error_messages(self) -> dict[str, str]:  # type: ignore[override]
        """allauth's messages, with the lockout saying how long to wait."""
        minutes = lockout_minutes()
        return {
            **DefaultAccountAdapter.error_messages,
            "too_many_login_attempts": ngettext(
                "Too many failed sign-in attempts. Try again in %(n)s minute.",
                "Too many failed sign-in attempts. Try again in %(n)s minutes.",
                minutes,
            )
            % {"n": minutes},
        }

    def clean_email(self, email: str) -> str:
        """Lower-cased. Which domains may sign up is the sign-up form's rule
        (`check_new_address`), not this hook's: allauth also calls it for password resets,
        which must answer alike for every address."""
        return super().clean_email(email).lower()

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(settings.UPAS_SIGNUP_DOMAINS)

    def confirm_email(self, request: HttpRequest, email_address: EmailAddress) -> bool:
        """Verifying the sign-up address is what makes a sign-up a student (with a profile)."""
        confirmed = super().confirm_email(request, email_address)
        user = email_address.user
        if confirmed and email_address.email.lower() == user.email.lower():
            account_services.activate_student(user=user)
        return confirmed

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        # A suspension whose end date has passed is lifted before the password is checked, so
        # it never refuses a sign-in while the worker's periodic job has not run yet.
        login = credentials.get("email") or credentials.get("username") or ""
        if sign_in_needs_sso(login):
            # Said for any address at the domain, known or not: nothing is revealed.
            raise forms.ValidationError(
                _("Addresses at @%(domain)s use campus sign-in: choose “%(name)s” below.")
                % {"domain": email_domain(login), "name": settings.UPAS_SSO_NAME}
            )
        if login:
            account_admin.lift_lapsed_suspensions(login=login)
        try:
            super().pre_authenticate(request, **credentials)
        except forms.ValidationError:
            self._record(request, SignIn.Outcome.LOCKED, credentials)
            raise

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        self._record(request, SignIn.Outcome.FAILED, credentials)

    @staticmethod
    def _record(request: HttpRequest, outcome: str, credentials: dict[str, Any]) -> None:
        login = (credentials.get("email") or credentials.get("username") or "").lower()
        account_services.record_sign_in(
            outcome=outcome,
            user=User.objects.filter(email__iexact=login).first() if login else None,
            login=login,
            method="password",
            ip=client_ip(request),
            user_agent=user_agent(request),
        )


class PortalMFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Someone whose role requires 2FA cannot switch off their authenticator app."""
        if authenticator.type == Authenticator.Type.TOTP and mfa_required_for(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)
