"""allauth's OpenID Connect provider, with the ID token's signature always checked.

allauth skips the signature when it fetched the token itself, which the specification allows
over TLS to the provider. The portal checks it anyway: the token is where the identity comes
from, and between the portal and the campus provider there may be proxies the portal does not
control. The claims come from the token alone (`fetch_userinfo` is off in settings)."""

from __future__ import annotations

from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter


class CampusOAuth2Adapter(OpenIDConnectOAuth2Adapter):
    def _decode_id_token(self, app: SocialApp, id_token: str) -> dict:
        config = self.openid_config
        return jwtkit.verify_and_decode(
            credential=id_token,
            keys_url=config["jwks_uri"],
            issuer=config["issuer"],
            audience=app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
            verify_signature=True,
        )


class CampusProvider(OpenIDConnectProvider):
    oauth2_adapter_class = CampusOAuth2Adapter
    # The login and callback URLs (portal.sso.urls) use the checking adapter.
    package = "portal.sso"
