"""Tests: development settings with a fast hasher and no real mail. DATABASE_URL picks the
database (SQLite when unset), exactly as for development."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from .development import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Background tasks run at once, in the committing thread, so tests read the outbox right
# after the commit; the worker's own tests switch to the database backend.
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default", "email"],
    }
}
# Rate limits are exercised by their own tests with an explicit override.
ACCOUNT_RATE_LIMITS = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Each test process signs with its own fresh keyring (tests that look at the files point it at
# their tmp_path), and never with a key from the environment.
UPAS_SIGNING_KEYS_DIR = Path(tempfile.mkdtemp(prefix="upas-keys-"))
atexit.register(shutil.rmtree, UPAS_SIGNING_KEYS_DIR, ignore_errors=True)
UPAS_SIGNING_KEY = ""

# SQLite's default in-memory test database uses a shared cache, whose table locks ignore the busy
# timeout; a file lets the concurrency tests exercise the real IMMEDIATE-transaction queueing.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # One file per test process, so parallel runs (xdist, two terminals) never share it.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"upas-test-{os.getpid()}.sqlite3")
    }
    # Rollback journal, not WAL: the runner deletes the file between runs, and a stale -wal file
    # beside a new database is read as corruption. IMMEDIATE transactions still queue writers.
    DATABASES["default"]["OPTIONS"].pop("init_command", None)  # noqa: F405
else:
    # Live-server and thread tests must not keep connections open past a test, or PostgreSQL
    # refuses to drop the test database at the end.
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# Page query budgets in the tests count the session read from the database (production reads
# it from Redis: one query fewer per request, shown by tests/test_query_counts.py's
# test_a_cached_session_costs_no_query).
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# The Discord endpoint is on in tests, with a key whose private half no test holds (so the URL
# matrix meets the refusal of unsigned requests); the bot's tests set their own generated key.
DISCORD_PUBLIC_KEY = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
DISCORD_APPLICATION_ID = ""
DISCORD_BOT_TOKEN = ""
