"""Check a UPAS webhook before trusting it (docs/WEBHOOKS.md). Standard library only."""

from __future__ import annotations

import hashlib
import hmac
import time

TOLERANCE = 300  # seconds: an older timestamp is a replay


def verify(secret, headers, body, now=None):
    """True when X-UPAS-Signature is "sha256=" + the hex HMAC-SHA256 of "<timestamp>.<body>"
    with the endpoint's secret, and X-UPAS-Timestamp is within TOLERANCE of now. `headers` is
    any mapping with .get (e.g. request.headers); `body` the raw bytes, before any JSON parsing."""
    timestamp = headers.get("X-UPAS-Timestamp") or ""
    signature = headers.get("X-UPAS-Signature") or ""
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        return False
    if abs((now or time.time()) - int(timestamp)) > TOLERANCE:
        return False
    signed = timestamp.encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(signature.encode(), ("sha256=" + expected).encode())
