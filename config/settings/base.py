"""Settings shared by every environment. Everything that differs between machines comes from
the environment (django-environ); development.py and production.py only change defaults."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

from portal.domain.levels import DEFAULT_LEVELS, parse_levels

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


env = environ.Env()
# A .env file beside manage.py is optional; real deployments set variables in the process manager.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "django_htmx",
    "template_partials",
    "crispy_forms",
    "crispy_tailwind",
    "django_tables2",
    "django_filters",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "portal",
]

MIDDLEWARE = [
    "portal.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.middleware.HtmxSignInRedirectMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.middleware.PrivatePagesNoStoreMiddleware",
    "portal.middleware.RequireTwoFactorMiddleware",
    "portal.middleware.PartnerFenceMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# `{% stamp %}` (portal/templatetags/portal.py) also draws every stamped row in full and
# fails on a difference: on in development and tests, off where the time counts.
STAMP_CHECK = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.navigation",
            ],
            # Partials without {% load partials %}: moving to Django 6's built-in partials is then
            # a settings change (django-template-partials' Migration.md).
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue on an IMMEDIATE lock instead of failing with "database is locked"; WAL lets
    # readers go on meanwhile.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Only server-side-bound statements are prepared, and only the write paths' own and the
    # composed reads use them (`portal.prepared.prepared_cursor`): on first use, not after
    # psycopg's default five.
    DATABASES["default"]["OPTIONS"] = {"prepare_threshold": 0}
# The write paths' own statements, and the reads composed once per process, prepared once per
# connection (PostgreSQL). Both off behind a connection pooler in transaction mode that does
# not keep prepared statements (PgBouncer before 1.21, or without max_prepared_statements).
PREPARED_WRITES = env.bool("PREPARED_WRITES", default=True)
PREPARED_READS = env.bool("PREPARED_READS", default=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "portal.User"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
# Each language named in itself, so a reader finds theirs whatever the page's language is.
LANGUAGES = [("en-gb", "English"), ("ar", "العربية")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Claim and task evidence: outside MEDIA_ROOT, so no web server ever serves it directly;
    # only the permission-checked evidence view does.
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private-media")),
        },
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CACHES = {
    "default": (
        # Django's Redis cache, keeping its redis-py client (portal/cache.py).
        {"BACKEND": "portal.cache.RedisCache", "LOCATION": env("REDIS_URL")}
        if env("REDIS_URL", default="")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- accounts (django-allauth) ---------------------------------------------------------------
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/accounts/login/"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "portal.forms.accounts.StudentSignupForm"
ACCOUNT_ADAPTER = "portal.adapters.PortalAccountAdapter"
ACCOUNT_FORMS = {
    "signup": "portal.forms.signup.PortalSignupForm",
    "add_email": "portal.forms.signup.PortalAddEmailForm",
}
# Sign-up and password reset answer alike whether or not an address has an account: an
# existing address gets an "you already have an account" email, an unknown one a "no account
# here" email, and the page says the same either way.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PRESERVE_USERNAME_CASING = False
# Rate limits live in the cache (Redis in production, required there), per account where an
# account is known and per address otherwise. Behind the TLS proxy or a campus NAT many people
# share one address, so the per-address limits leave room for a lecture hall of 300 signing in
# within two minutes; the per-account limits stop guessing one person's password.
# TRUSTED_PROXY_COUNT: how many proxies in front append to X-Forwarded-For (production: 1, the
# TLS proxy; 0 when the app is reached directly, or clients could forge their address).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ACCOUNT_RATE_LIMITS = {
    "login": env("RATE_LIMIT_LOGIN", default="1000/m/ip"),
    "login_failed": env("RATE_LIMIT_LOGIN_FAILED", default="100/m/ip,5/5m/key"),
    "signup": env("RATE_LIMIT_SIGNUP", default="60/m/ip"),
    "reset_password": "60/m/ip,5/m/key",
}
# The portal's own limits (check-in codes, public pages) use the same cache and the same client
# address; a cache that fails lets requests through rather than stopping every check-in.
RATELIMIT_IP_META_KEY = "portal.client.client_ip"
RATELIMIT_FAIL_OPEN = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[UPAS] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "UPAS"
MFA_ADAPTER = "portal.adapters.PortalMFAAdapter"
# Roles that must use an authenticator app (comma separated: admin, faculty). Production
# defaults to admins; development and the demo logins have no second factor.
UPAS_REQUIRE_MFA_FOR = env.list("REQUIRE_MFA_FOR", default=[])

# --- single sign-on (OpenID Connect through allauth) -----------------------------------------
# Off unless SSO_OIDC_ISSUER is set. The portal is the relying party of the campus identity
# provider: the ID token's signature is always checked (portal.sso.provider), accounts are
# linked by the provider's verified email and enrollment number, never by a claim the user
# can edit. See docs/SSO.md.
UPAS_SSO_ISSUER = env("SSO_OIDC_ISSUER", default="").rstrip("/")
UPAS_SSO_NAME = env("SSO_OIDC_NAME", default="Campus sign-in")
# The claim carrying the enrollment number (students get a profile from it on first sign-in).
UPAS_SSO_ENROLLMENT_CLAIM = env("SSO_ENROLLMENT_CLAIM", default="")
# Optional: the claim carrying a department code (Department.code).
UPAS_SSO_DEPARTMENT_CLAIM = env("SSO_DEPARTMENT_CLAIM", default="")
# Email domains whose people must sign in through SSO (their password sign-in is refused).
UPAS_SSO_REQUIRED_DOMAINS = [d.lower() for d in env.list("SSO_REQUIRED_DOMAINS", default=[])]
# Roles from the provider: the claim carrying groups, and "group=role" pairs. Without them
# roles are the portal's own (new accounts are students; admins change roles on the people page).
UPAS_SSO_GROUP_CLAIM = env("SSO_GROUP_CLAIM", default="")
UPAS_SSO_GROUP_ROLES = env.dict("SSO_GROUP_ROLES", default={})
SOCIALACCOUNT_ADAPTER = "portal.sso.adapter.CampusSocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "provider_class": "portal.sso.provider.CampusProvider",
        "APPS": [
            {
                "provider_id": "campus",
                "name": UPAS_SSO_NAME,
                "client_id": env("SSO_OIDC_CLIENT_ID", default=""),
                "secret": env("SSO_OIDC_CLIENT_SECRET", default=""),
                "settings": {
                    "server_url": UPAS_SSO_ISSUER,
                    # The identity comes from the signed ID token alone.
                    "fetch_userinfo": False,
                    "oauth_pkce_enabled": True,
                },
            }
        ]
        if UPAS_SSO_ISSUER
        else [],
    }
}
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
# Linking to existing accounts is the adapter's rule (verified email and enrollment number).
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"

# Sign-up is open only to these email domains (comma separated). Students are created by sign-up
# or by import; faculty and admins only by an admin.
UPAS_SIGNUP_DOMAINS = [d.lower() for d in env.list("SIGNUP_DOMAINS", default=["upas.test"])]
# Profile fields people may change themselves (comma separated; "name"). Empty: the name comes
# from the registry (imports, SSO) and only admins correct it. Photos are always their own.
UPAS_PROFILE_EDITABLE = env.list("PROFILE_EDITABLE_FIELDS", default=["name"])
# Retention (days; 0 keeps for good): sign-in records, and the evidence files of claims and
# task submissions after their decision (the claims and their points stay). A daily job of the
# worker applies them; `manage.py apply_retention --dry-run` shows what it would delete.
UPAS_RETAIN_SIGN_INS_DAYS = env.int("RETAIN_SIGN_INS_DAYS", default=365)
UPAS_RETAIN_EVIDENCE_DAYS = env.int("RETAIN_EVIDENCE_DAYS", default=730)
# Anyone may read the leaderboard without signing in (read-only), as in the source documents.
UPAS_PUBLIC_LEADERBOARD = env.bool("PUBLIC_LEADERBOARD", default=True)
# Terms start on these month-day dates (the "this term" leaderboard period).
UPAS_TERM_STARTS = env.list("TERM_STARTS", default=["01-06", "04-20", "09-21"])
# Year-end (manage.py close_academic_year, /staff/year-end/): students in FINAL_YEAR graduate
# and become alumni, everyone else moves up a year. Unspent points "carry" over or "expire"
# (by a ledger entry), for continuing students and for the new alumni separately. Academic
# years start in ACADEMIC_YEAR_START_MONTH and are named "2026/27".
UPAS_FINAL_YEAR = env.int("FINAL_YEAR", default=4)
UPAS_YEAR_END_POINTS = env("YEAR_END_POINTS", default="carry")
UPAS_YEAR_END_ALUMNI_POINTS = env("YEAR_END_ALUMNI_POINTS", default="expire")
UPAS_ACADEMIC_YEAR_START_MONTH = env.int("ACADEMIC_YEAR_START_MONTH", default=9)
for _name in ("UPAS_YEAR_END_POINTS", "UPAS_YEAR_END_ALUMNI_POINTS"):
    if globals()[_name] not in ("carry", "expire"):
        raise ImproperlyConfigured(f"{_name[5:]} must be carry or expire.")
if UPAS_FINAL_YEAR < 1 or not 1 <= UPAS_ACADEMIC_YEAR_START_MONTH <= 12:
    raise ImproperlyConfigured("FINAL_YEAR must be 1 or more, ACADEMIC_YEAR_START_MONTH 1-12.")
# Faculty may reverse their own award for this long; admins may reverse any entry.
UPAS_REVERSAL_WINDOW_HOURS = env.int("REVERSAL_WINDOW_HOURS", default=24)
# Levels by lifetime points, "Name:points" from 0 upwards; checked here, so a bad value stops
# the server at startup rather than on the first award. The parser is pure (no models).
UPAS_LEVELS = parse_levels(env("LEVELS", default=DEFAULT_LEVELS))
# Certificates and transcripts are signed with Ed25519 keys kept in SIGNING_KEYS_DIR (by
# default beside the claim evidence in PRIVATE_MEDIA_ROOT: never served, backed up with it,
# and on the container's volume). SIGNING_KEY, a PKCS8 PEM ("\n" escapes allowed), replaces
# the directory's private key for deployments that keep keys in a secret store. See
# docs/CERTIFICATES.md, "Keys and rotation".
UPAS_SIGNING_KEYS_DIR = Path(
    env(
        "SIGNING_KEYS_DIR",
        default=str(Path(STORAGES["private"]["OPTIONS"]["location"]) / "signing-keys"),
    )
)
UPAS_SIGNING_KEY = env("SIGNING_KEY", default="")

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="UPAS <no-reply@upas.test>")
# Background work (emails, reminders, expiring prizes) runs in `manage.py run_worker`, never in
# a web worker: django-tasks (the backport of Django 6's tasks framework) with its database
# backend, so queued work survives restarts and more workers share the queue (SKIP LOCKED).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "email"]}}
# Claims nobody reviewed within this many days are declined by the worker (0: never).
UPAS_CLAIM_AUTO_DECLINE_DAYS = env.int("CLAIM_AUTO_DECLINE_DAYS", default=0)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# The portal's public address, for links in emails.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# Who issues the certificates and transcripts (their PDFs, Open Badges and verification page).
UPAS_UNIVERSITY_NAME = env("UNIVERSITY_NAME", default="UPAS University")

# --- Discord bot (slash commands over HTTP interactions; docs/DISCORD.md) ---------------------
# The application's public key (hex, from the Developer Portal) verifies every request Discord
# sends to /integrations/discord/; without it the endpoint answers 404 (the bot is off).
DISCORD_PUBLIC_KEY = env("DISCORD_PUBLIC_KEY", default="").strip()
# Only `manage.py register_discord_commands` uses these two.
DISCORD_APPLICATION_ID = env("DISCORD_APPLICATION_ID", default="").strip()
DISCORD_BOT_TOKEN = env("DISCORD_BOT_TOKEN", default="").strip()
DISCORD_API_BASE = env("DISCORD_API_BASE", default="https://discord.com/api/v10").rstrip("/")

# --- forms, tables ---------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "tailwind"
CRISPY_TEMPLATE_PACK = "tailwind"
DJANGO_TABLES2_TEMPLATE = "portal/components/table.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "data-table"}

MESSAGE_TAGS = {40: "error"}

# --- Content Security Policy (django-csp 4): no inline script or style anywhere ---------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        # The campus sign-in button posts here and is redirected on to the identity provider.
        "form-action": ["'self'", *([origin_of(UPAS_SSO_ISSUER)] if UPAS_SSO_ISSUER else [])],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Browser features the portal may use (the camera, for scanning passes at the door) and who may
# embed its responses (nobody): sent on every response by SecurityHeadersMiddleware.
UPAS_PERMISSIONS_POLICY = (
    "camera=(self), microphone=(), geolocation=(), payment=(), usb=(), "
    "interest-cohort=(), browsing-topics=()"
)
UPAS_CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"

# Request bodies: forms without files stay small; uploads are at most 5 MB (evidence, the
# student import), so a body over 6 MB is refused before Django reads it (the proxy in front
# should refuse it too: nginx `client_max_body_size 6m`).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
UPAS_MAX_REQUEST_BYTES = env.int("MAX_REQUEST_BYTES", default=6 * 1024 * 1024)

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
# Sessions are read on every request: from the cache (Redis in production) first, the database
# behind it (so a cache restart signs nobody out).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        # One JSON object per line, for log collectors (LOG_FORMAT=json).
        "json": {"()": "config.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if env("LOG_FORMAT", default="plain") == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
# Webhooks (docs/WEBHOOKS.md): receivers must use https and a public address (checked when an
# endpoint is registered and again before every send). WEBHOOKS_ALLOW_HTTP_LOCAL lets
# development and tests register http://localhost and 127.0.0.1 receivers; keep it off in
# production. Each delivery waits at most WEBHOOKS_TIMEOUT seconds to connect and to be answered.
UPAS_WEBHOOKS_ALLOW_HTTP_LOCAL = env.bool("WEBHOOKS_ALLOW_HTTP_LOCAL", default=False)
UPAS_WEBHOOKS_TIMEOUT = env.float("WEBHOOKS_TIMEOUT", default=5.0)

# --- JSON API (/api/v1/, portal.api; docs/API.md) --------------------------------------------
# Bearer tokens only (no session, so no CSRF question); JSON in and out; every error in one shape.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["portal.api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["portal.api.permissions.TokenScope"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["portal.api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_THROTTLE_CLASSES": [],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "UPAS API",
    "DESCRIPTION": (
        "Points, rewards, events and draws of the UPAS portal. Send `Authorization: Bearer "
        "<token>`; writes need an `Idempotency-Key` header. Guide: docs/API.md."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Swagger UI and Redoc from the vendored sidecar package: the CSP allows no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# Calls per token, and calls without a working token per address (guessing tokens is slow).
UPAS_API_TOKEN_RATE = env("API_TOKEN_RATE", default="600/m")
UPAS_API_ANONYMOUS_RATE = env("API_ANONYMOUS_RATE", default="60/m")
