"""allauth hooks: sign-up is for students with an address at an allowed university domain."""

from __future__ import annotations

import math

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal.ratelimit import parse_rates
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from portal.middleware import mfa_required_for
from portal.models import User


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
            "too_many_login_attempts": _(
                "Too many failed sign-in attempts. Try again in %(n)s minute(s)."
            )
            % {"n": minutes},
        }

    def clean_email(self, email: str) -> str:
        """Sign-up (and adding an address) is limited to the university's domains. An address
        that already has an account passes: staff created by an admin may use any domain and
        must still be able to reset their password."""
        email = super().clean_email(email).lower()
        if User.objects.filter(email__iexact=email).exists():
            return email
        domain = email.rpartition("@")[2]
        allowed = settings.UPAS_SIGNUP_DOMAINS
        if domain not in allowed:
            raise forms.ValidationError(
                _("Sign up with your university email address (%(domains)s).")
                % {"domains": ", ".join(f"@{d}" for d in allowed)}
            )
        return email

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(settings.UPAS_SIGNUP_DOMAINS)


class PortalMFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Someone whose role requires 2FA cannot switch off their authenticator app."""
        if authenticator.type == Authenticator.Type.TOTP and mfa_required_for(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)
