"""System checks for what `check --deploy` must catch in the portal's own settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

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
