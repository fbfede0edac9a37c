"""When the test asks for it (a marker file exists), the token endpoint's ID token reaches the
portal with its email claim changed and the provider's signature left as it was: what an
attacker in the middle would send."""

from __future__ import annotations

import base64
import json
import os


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def tampered(id_token: str) -> str:
    header, payload, signature = id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["email"] = "someone.else@upas.test"
    return ".".join([header, _b64(json.dumps(claims).encode()), signature])


class TamperIdTokenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        marker = os.environ.get("IDP_TAMPER_FILE", "")
        if request.path.endswith("/token/") and marker and os.path.exists(marker):
            body = json.loads(response.content)
            if "id_token" in body:
                body["id_token"] = tampered(body["id_token"])
                response.content = json.dumps(body).encode()
                response["Content-Length"] = str(len(response.content))
        return response
