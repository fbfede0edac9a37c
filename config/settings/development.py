"""Development: DEBUG on, console email, a fixed throwaway secret, local hosts only."""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
STAMP_CHECK = True
SECRET_KEY = env("SECRET_KEY", default="django-insecure-development-only-upas-key")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
# A receiver on this machine (docs/WEBHOOKS.md): allowed in development and tests only.
UPAS_WEBHOOKS_ALLOW_HTTP_LOCAL = env.bool("WEBHOOKS_ALLOW_HTTP_LOCAL", default=True)
