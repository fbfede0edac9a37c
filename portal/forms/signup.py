"""allauth's sign-up form with the portal's rules on top (ACCOUNT_FORMS["signup"]). Kept apart
from forms/accounts.py, which allauth imports while building this form's base class."""

from __future__ import annotations

from allauth.account.forms import AddEmailForm, SignupForm
from django import forms
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.http import HttpRequest
from django.utils.translation import gettext as _

from portal.permissions import sign_in_needs_sso


def check_new_address(email: str) -> None:
    """The rule for an address someone adds to the portal themselves (sign-up, adding an
    address): at one of the university's domains, and without a "+tag", which would let one
    mailbox open any number of student accounts. Raises ValidationError.

    It looks at nothing but the address, so its answer is the same whether or not the
    address has an account (no enumeration)."""
    local, _at, domain = email.lower().rpartition("@")
    if sign_in_needs_sso(email):
        raise forms.ValidationError(
            _("Addresses at @%(domain)s use campus sign-in: go back and choose “%(name)s”.")
            % {"domain": domain, "name": settings.UPAS_SSO_NAME}
        )
    allowed = settings.UPAS_SIGNUP_DOMAINS
    if domain not in allowed:
        raise forms.ValidationError(
            _("Sign up with your university email address (%(domains)s).")
            % {"domains": ", ".join(f"@{d}" for d in allowed)}
        )
    if "+" in local:
        raise forms.ValidationError(
            _("Use your university address without a “+” tag (%(example)s).")
            % {"example": f"{local.partition('+')[0]}@{domain}"}
        )


class PortalSignupForm(SignupForm):
    def clean_email(self) -> str:
        email = super().clean_email()
        check_new_address(email)
        return email

    def try_save(self, request: HttpRequest) -> tuple:
        """An address that already has an account gets allauth's "you already have an account"
        email instead of a new account; hash the password anyway, so that both answers take
        as long (hashing is most of a sign-up's time) and timing reveals nothing."""
        if self.account_already_exists:
            make_password(self.cleaned_data.get("password1") or "")
        return super().try_save(request)


class PortalAddEmailForm(AddEmailForm):
    def clean_email(self) -> str:
        email = super().clean_email()
        check_new_address(email)
        return email
