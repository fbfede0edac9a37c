"""Signed documents (certificates, transcripts): Ed25519 over canonical JSON, keys as JWKs.

A signed document is the JSON object

    {"document": {...}, "signature": {"alg": "EdDSA", "kid": "<key id>", "sig": "<base64url>"}}

where `sig` is the Ed25519 signature of `canonical_json(document)`: keys sorted, no spaces,
UTF-8. The key id is the key's RFC 7638 JWK thumbprint, so anyone can recompute it from the
published key. A PDF carries the same object after PDF_MARKER, base64url-encoded, in its
metadata (`embed_marker` / `find_in_pdf`), so a downloaded PDF verifies with no database.

Pure: no Django. The offline snippet in docs/CERTIFICATES.md repeats `verify` in a dozen lines
of the standard library plus `cryptography`, on purpose: it must stand alone."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "EdDSA"
PDF_MARKER = "UPAS-SIGNED:"
_IN_PDF = re.compile(rb"UPAS-SIGNED:([A-Za-z0-9_-]+)")


class SignatureError(ValueError):
    """The document is not signed, not parseable, signed by an unknown key, or altered."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def public_jwk(public_key: Ed25519PublicKey) -> dict[str, str]:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}


def key_id(public_key: Ed25519PublicKey) -> str:
    """RFC 7638 thumbprint: SHA-256 of the required members in lexical order."""
    jwk = public_jwk(public_key)
    members = json.dumps(
        {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}, separators=(",", ":")
    )
    return b64url(hashlib.sha256(members.encode()).digest())


def published_jwk(public_key: Ed25519PublicKey) -> dict[str, str]:
    """The entry in /.well-known/jwks.json."""
    return {**public_jwk(public_key), "kid": key_id(public_key), "alg": ALGORITHM, "use": "sig"}


def public_key_from_jwk(jwk: dict[str, Any]) -> Ed25519PublicKey:
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not isinstance(jwk.get("x"), str):
        raise SignatureError("not an Ed25519 key")
    try:
        return Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
    except ValueError as exc:
        raise SignatureError("not an Ed25519 key") from exc


def sign(private_key: Ed25519PrivateKey, document: dict[str, Any]) -> dict[str, Any]:
    signature = private_key.sign(canonical_json(document))
    return {
        "document": document,
        "signature": {
            "alg": ALGORITHM,
            "kid": key_id(private_key.public_key()),
            "sig": b64url(signature),
        },
    }


def verify(signed: Any, keys: dict[str, Ed25519PublicKey]) -> dict[str, Any]:
    """The document when `signed` carries a valid signature by one of `keys` (kid -> key);
    SignatureError otherwise."""
    if not isinstance(signed, dict) or not isinstance(signed.get("document"), dict):
        raise SignatureError("not a signed document")
    signature = signed.get("signature")
    if not isinstance(signature, dict) or signature.get("alg") != ALGORITHM:
        raise SignatureError("not signed with Ed25519")
    kid = signature.get("kid")
    key = keys.get(kid) if isinstance(kid, str) else None  # a list or object is no key id
    if key is None:
        raise SignatureError("signed by a key that is not published")
    try:
        key.verify(b64url_decode(str(signature.get("sig"))), canonical_json(signed["document"]))
    except (InvalidSignature, ValueError) as exc:
        raise SignatureError("the signature does not match: the document was altered") from exc
    return signed["document"]


def keys_from_jwks(jwks: Any) -> dict[str, Ed25519PublicKey]:
    """The Ed25519 keys of a JWK set, by recomputed kid; other or malformed keys are skipped
    (a set may also publish keys for other uses)."""
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise SignatureError("not a JWK set")
    keys = {}
    for jwk in jwks["keys"]:
        if isinstance(jwk, dict) and jwk.get("crv") == "Ed25519":
            try:
                key = public_key_from_jwk(jwk)
            except SignatureError:
                continue
            keys[key_id(key)] = key  # the kid is recomputed, never trusted from the file
    return keys


def embed_marker(signed: dict[str, Any]) -> str:
    """The text a PDF carries in its metadata: base64url has no character a PDF string escapes."""
    return PDF_MARKER + b64url(canonical_json(signed))


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object with a key twice could show a reader one value and sign another."""
    if len({key for key, _value in pairs}) != len(pairs):
        raise SignatureError("a key appears twice in the document")
    return dict(pairs)


def _loads(data: bytes | str) -> Any:
    return json.loads(data, object_pairs_hook=_unique_keys)


def find_in_pdf(data: bytes) -> dict[str, Any]:
    """The signed document a PDF carries; SignatureError when there is none, or more than one
    (which would let a reader and a verifier look at different ones)."""
    found = _IN_PDF.findall(data)
    if not found:
        raise SignatureError("this PDF carries no signed document")
    if len(found) > 1:
        raise SignatureError("this PDF carries more than one signed document")
    try:
        return _loads(b64url_decode(found[0].decode("ascii")))
    except ValueError as exc:
        raise SignatureError(f"this PDF's signed document is damaged: {exc}") from exc


def read_signed_file(data: bytes) -> dict[str, Any]:
    """A downloaded certificate or transcript: the JSON file or the PDF."""
    if data.startswith(b"%PDF"):
        return find_in_pdf(data)
    try:
        return _loads(data)
    except SignatureError:
        raise
    except ValueError as exc:
        raise SignatureError("neither a PDF nor a JSON certificate") from exc


def printable(value: object) -> str:
    """A field for a terminal: control and bidi characters shown escaped, never obeyed."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text)


_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    """What may be signed: control characters (escape sequences) and bidi overrides, which
    could make a document read differently from what it says, are removed; line breaks stay."""
    return _CONTROLS.sub("", text)


def cleaned(value: Any) -> Any:
    """`clean_text` on every string of a document, keys and nesting kept."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {key: cleaned(item) for key, item in value.items()}
    if isinstance(value, list):
        return [cleaned(item) for item in value]
    return value
