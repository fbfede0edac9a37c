"""Verify a UPAS certificate or transcript offline: python3 verify_certificate.py FILE JWKS
(FILE: the .json or .pdf; JWKS: a file, or https://<portal>/.well-known/jwks.json)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
from pathlib import Path
from urllib.request import urlopen

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


if len(sys.argv) != 3:
    sys.exit(__doc__)
try:
    data, source = Path(sys.argv[1]).read_bytes(), sys.argv[2]
    if data.startswith(b"%PDF"):  # a PDF carries the signed JSON in its metadata
        data = b64(re.search(rb"UPAS-SIGNED:([A-Za-z0-9_-]+)", data).group(1).decode())
    signed = json.loads(data)
    web = source.startswith(("https://", "http://"))
    jwks = json.loads(urlopen(source, timeout=10).read() if web else Path(source).read_bytes())  # noqa: S310
    keys = {}
    for jwk in jwks["keys"]:  # each kid is recomputed (RFC 7638 thumbprint), never trusted
        members = {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}
        digest = hashlib.sha256(json.dumps(members, separators=(",", ":")).encode()).digest()
        keys[base64.urlsafe_b64encode(digest).rstrip(b"=").decode()] = jwk
    document, signature = signed["document"], signed["signature"]
    jwk = keys.get(signature["kid"]) if signature["alg"] == "EdDSA" else None
    if jwk is None or (jwk["kty"], jwk["crv"]) != ("OKP", "Ed25519"):
        sys.exit("NOT VALID: signed by a key that is not in the JWKS")
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    key = Ed25519PublicKey.from_public_bytes(b64(jwk["x"]))
    key.verify(b64(signature["sig"]), canonical.encode())  # InvalidSignature when altered
except InvalidSignature:
    sys.exit("NOT VALID: the signature does not match: the document was altered")
except Exception as exc:  # no such file, no signed document in it, no JWKS at that address
    sys.exit(f"NOT VALID: {exc!r}")
for name, value in document.items():
    print(f"{name}: {value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)}")
print(f"valid signature (key {signature['kid']})")
