"""System checks for what `check --deploy` must catch in the portal's own settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

LOCAL_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.caches, deploy=True)
def shared_cache(app_configs: Any, **kwargs: Any) -> list[Error]:
    """Rate limits (sign-in, check-in codes) count in the cache; a per-process cache gives each
    gunicorn worker its own count, which is no limit at all."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend in LOCAL_CACHES:
        return [
            Error(
                f"The default cache ({backend}) is per process: rate limits do not hold.",
                hint="Set REDIS_URL to a Redis server shared by every app process.",
                id="upas.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def public_site_url(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """SITE_URL is signed into every certificate and transcript (its verification link, its QR
    code, the issuer): a development address there is wrong for good."""
    if not settings.SITE_URL.startswith("https://"):
        return [
            Warning(
                f"SITE_URL is {settings.SITE_URL!r}: certificates would carry it for good.",
                hint="Set SITE_URL to the portal's public https:// address.",
                id="upas.W002",
            )
        ]
    return []
