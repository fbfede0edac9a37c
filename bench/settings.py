"""The benchmark's settings: production's, unchanged, plus the bare views (bench/urls.py).

Only bench/run.py uses this module, for its own process and for the gunicorn it starts
(`gunicorn -c gunicorn.conf.py bench.wsgi`). Production runs `config.settings.production` with
`config.urls`, which never mounts the bare views (tests/test_bench_tooling.py checks).
Everything production needs from the environment (SECRET_KEY, ALLOWED_HOSTS, REDIS_URL) is
set by bench/run.py for the run."""

from __future__ import annotations

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
