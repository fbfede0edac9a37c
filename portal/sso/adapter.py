"""allauth's hooks for campus sign-in: which account an identity signs in to (the rules are in
portal.services.sso), and what a first sign-in sets up."""

from __future__ import annotations

import logging

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from allauth.socialaccount.providers.openid_connect.provider import _pick_data
from django.http import HttpRequest
from django.shortcuts import render

from portal.models import User
from portal.services import sso

logger = logging.getLogger(__name__)


def _identity(sociallogin: SocialLogin) -> sso.CampusIdentity:
    return sso.campus_identity(_pick_data(sociallogin.account.extra_data))


class CampusSocialAccountAdapter(DefaultSocialAccountAdapter):
    def on_authentication_error(
        self, request: HttpRequest, provider, error=None, exception=None, extra_context=None
    ) -> None:
        # The person sees allauth's "sign-in failed" page; operators need the reason.
        logger.warning("Campus sign-in failed: %s (%r)", error, exception)
        super().on_authentication_error(request, provider, error, exception, extra_context)

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        # The campus provider vouches for its people: a first sign-in makes the account even
        # where self sign-up is closed.
        return True

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        # A suspended account is linked like any other; allauth then refuses it a session
        # with its "account inactive" page.
        identity = _identity(sociallogin)
        if sociallogin.is_existing:
            sso.apply_group_role(user=sociallogin.user, identity=identity)
            return
        try:
            account = sso.account_for(identity)
        except sso.SSOError as error:
            page = render(request, "socialaccount/refused.html", {"message": error.message})
            page.status_code = 403
            raise ImmediateHttpResponse(page) from error
        if account is None:
            sso.release_unverified_addresses(email=identity.email)
            return  # allauth signs the new account up (save_user below)
        sso.claim_unverified_signup(user=account, identity=identity)
        sociallogin.connect(request, account)
        sso.apply_group_role(user=account, identity=identity)

    def populate_user(self, request: HttpRequest, sociallogin: SocialLogin, data: dict) -> User:
        user = super().populate_user(request, sociallogin, data)
        user.name = _identity(sociallogin).name
        return user

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form=None) -> User:
        user = super().save_user(request, sociallogin, form)
        return sso.set_up_new_account(user=user, identity=_identity(sociallogin))
