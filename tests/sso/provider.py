"""Start the test identity provider (tests/sso/idp) as its own process and point the portal's
settings at it."""

from __future__ import annotations

import copy
import json
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "upas-portal"


@dataclass
class IdentityProvider:
    url: str  # the issuer
    client_secret: str
    tamper_marker: Path

    @property
    def origin(self) -> str:
        return self.url.rsplit("/o", 1)[0]


def _rsa_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@contextmanager
def running_identity_provider(
    *, redirect_uri: str, people: list[dict], workdir: Path
) -> Iterator[IdentityProvider]:
    (workdir / "people.json").write_text(json.dumps(people))
    secret = secrets.token_urlsafe(24)
    env = {
        "PATH": "/usr/bin:/bin",
        "IDP_DATABASE": str(workdir / "idp.sqlite3"),
        "IDP_RSA_KEY": _rsa_key(),
        "IDP_PEOPLE": str(workdir / "people.json"),
        "IDP_REDIRECT_URI": redirect_uri,
        "IDP_CLIENT_ID": CLIENT_ID,
        "IDP_CLIENT_SECRET": secret,
        "IDP_TAMPER_FILE": str(workdir / "tamper"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.sso.idp.serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = process.stdout.readline().strip()
        if not port:
            raise RuntimeError("the test identity provider did not start")
        yield IdentityProvider(
            url=f"http://127.0.0.1:{port}/o",
            client_secret=secret,
            tamper_marker=workdir / "tamper",
        )
    finally:
        process.terminate()
        process.wait(timeout=10)


def point_portal_at(settings, idp: IdentityProvider, **options: object) -> None:
    """The portal's settings as SSO_OIDC_* and SSO_* in the environment would make them."""
    settings.UPAS_SSO_ISSUER = idp.url
    settings.UPAS_SSO_ENROLLMENT_CLAIM = "enrollment_number"
    settings.UPAS_SSO_DEPARTMENT_CLAIM = "department"
    settings.UPAS_SSO_GROUP_CLAIM = "groups"
    settings.UPAS_SSO_GROUP_ROLES = {"faculty-staff": "faculty"}
    for name, value in options.items():
        setattr(settings, name, value)
    providers = copy.deepcopy(settings.SOCIALACCOUNT_PROVIDERS)
    providers["openid_connect"]["APPS"] = [
        {
            "provider_id": "campus",
            "name": "Campus sign-in",
            "client_id": CLIENT_ID,
            "secret": idp.client_secret,
            "settings": {
                "server_url": idp.url,
                "fetch_userinfo": False,
                "oauth_pkce_enabled": True,
            },
        }
    ]
    settings.SOCIALACCOUNT_PROVIDERS = providers
    csp = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    csp["DIRECTIVES"]["form-action"] = ["'self'", idp.origin]
    settings.CONTENT_SECURITY_POLICY = csp
