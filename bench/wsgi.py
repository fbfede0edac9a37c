"""The portal's WSGI application as the benchmark's gunicorn serves it
(`gunicorn -c gunicorn.conf.py bench.wsgi`): `config.wsgi`'s application, the production
entry point, so anything wrapped there is measured too, with bench.settings, inside the lock
timer (bench/locktimer.py)."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from config.wsgi import application as portal_application

from .locktimer import LockTimer

application = LockTimer(portal_application)
