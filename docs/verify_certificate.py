"""Verify a UPAS certificate or transcript offline: python3 verify_certificate.py FILE JWKS
(FILE: the .json or .pdf; JWKS: a file, or https://<portal>/.well-known/jwks.json).
It checks the signed data, not how a PDF's page looks: compare the page with what it prints."""

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


def unique(pairs: list) -> dict:  # a repeated key could show one value and sign another
    if len({k for k, _v in pairs}) != len(pairs):
        raise ValueError("a key appears twice")
    return dict(pairs)


def safe(value: object) -> str:  # control characters shown escaped, never sent to the terminal
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text)


if len(sys.argv) != 3:
    sys.exit(__doc__)
try:
    data, source = Path(sys.argv[1]).read_bytes(), sys.argv[2]
    if data.startswith(b"%PDF"):  # a PDF carries the signed JSON in its metadata, once
        (marker,) = re.findall(rb"UPAS-SIGNED:([A-Za-z0-9_-]+)", data)
        data = b64(marker.decode())
    signed = json.loads(data, object_pairs_hook=unique)
    web = source.startswith(("https://", "http://"))
    jwks = json.loads(urlopen(source, timeout=10).read() if web else Path(source).read_bytes())  # noqa: S310
    keys = {}
    for jwk in jwks["keys"]:  # each kid is recomputed (RFC 7638 thumbprint), never trusted
        if (jwk.get("kty"), jwk.get("crv")) != ("OKP", "Ed25519"):
            continue
        members = {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}
        digest = hashlib.sha256(json.dumps(members, separators=(",", ":")).encode()).digest()
        keys[base64.urlsafe_b64encode(digest).rstrip(b"=").decode()] = jwk
    document, signature = signed["document"], signed["signature"]
    jwk = keys.get(signature["kid"]) if signature["alg"] == "EdDSA" else None
    if jwk is None:
        sys.exit("NOT VALID: signed by a key that is not in the JWKS")
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    key = Ed25519PublicKey.from_public_bytes(b64(jwk["x"]))
    key.verify(b64(signature["sig"]), canonical.encode())  # InvalidSignature when altered
except InvalidSignature:
    sys.exit("NOT VALID: the signature does not match: the document was altered")
except Exception as exc:  # no such file, no or two signed documents, no JWKS at that address
    sys.exit(f"NOT VALID: {exc!r}")
for name in sorted(document):
    print(f"{name}: {safe(document[name])}")
print(f"valid signature (key {signature['kid']}); revocation: see verify_url")
