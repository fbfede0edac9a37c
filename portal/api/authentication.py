"""Bearer tokens: who is calling, and how often they may."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from portal import ratelimit
from portal.client import client_ip
from portal.models import ApiToken, User
from portal.services.api_tokens import find_token, touch_token


class RateLimited(exceptions.Throttled):
    default_code = "rate_limited"


def _limit(group: str, value: str, rate: str) -> None:
    usage = ratelimit.consume(group, value, rate)
    if usage.limited:
        raise RateLimited(
            wait=usage.seconds_left, detail=_("Too many requests. Try again in a moment.")
        )


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer upas_…`: the token's owner becomes request.user and the token
    request.auth. Anything else that looks like a credential is refused with 401; every
    request without a working token counts against its address's limit first, so guessing
    is slow."""

    keyword = "bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = get_authorization_header(request).split()
        if not header:
            _limit("api-anonymous", client_ip(request) or "-", settings.UPAS_API_ANONYMOUS_RATE)
            return None
        if header[0].lower() != self.keyword.encode() or len(header) != 2:
            _limit("api-anonymous", client_ip(request) or "-", settings.UPAS_API_ANONYMOUS_RATE)
            raise exceptions.AuthenticationFailed(
                _("Send the token as: Authorization: Bearer <token>."), code="bad_token"
            )
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raw = ""
        token = find_token(raw)
        if token is None:
            _limit("api-bad-token", client_ip(request) or "-", settings.UPAS_API_ANONYMOUS_RATE)
            raise exceptions.AuthenticationFailed(
                _("This token is unknown, revoked or expired."), code="bad_token"
            )
        _limit("api-token", str(token.pk), settings.UPAS_API_TOKEN_RATE)
        touch_token(token)
        return token.owner, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """How the schema describes the token (drf-spectacular finds it by the class path)."""

    target_class = "portal.api.authentication.BearerTokenAuthentication"
    name = "bearer"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "upas_<prefix>_<secret>"}
