"""allauth hooks: sign-up is for students with an address at an allowed university domain."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from portal.models import User


class PortalAccountAdapter(DefaultAccountAdapter):
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
