"""The portal's public address, for links that leave a request behind: emails, chat replies,
signed certificates (SITE_URL; a request's own host is not trusted for these)."""

from __future__ import annotations

from django.conf import settings


def site_url(path: str = "/") -> str:
    """`path` on the portal's public address: site_url("/history/")."""
    return f"{settings.SITE_URL.rstrip('/')}{path}"
