"""Production: everything secret or machine-specific must come from the environment; the
process refuses to start without SECRET_KEY and ALLOWED_HOSTS. `manage.py check --deploy`
with these settings is clean."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import STORAGES, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 random characters.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
# Sign-in limits, check-in code limits and (later) sessions live in the cache: per-process
# counters in several gunicorn workers are not limits, so production needs the shared one.
if not env("REDIS_URL", default=""):
    raise ImproperlyConfigured(
        "REDIS_URL is required in production: rate limits must be shared by every process."
    )
# One TLS proxy in front by default (README, "Proxy and files"); 0 when exposed directly.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    # Preloading commits the whole university domain (every subdomain) to HTTPS in browsers for
    # good; that is the domain owner's decision, so it is opt-in and its check is silenced.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Off only for a local compose stack without TLS; check --deploy warns if so.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
# Admins, and partners: outside accounts that read students' resumes.
UPAS_REQUIRE_MFA_FOR = env.list("REQUIRE_MFA_FOR", default=["admin", "partner"])

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
