"""WSGI entry point for gunicorn: production settings unless told otherwise."""

from __future__ import annotations

import gc
import os

from django.core.wsgi import get_wsgi_application

from config.warmup import warm_up

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()
# gunicorn imports this module once in its master (`preload_app`) and forks the workers from
# it: what Django would do at each worker's first requests is done here once
# (config/warmup.py), and what it built is moved out of the collector's sight (`gc.freeze`,
# as Python's documentation advises before a fork): a worker's collections no longer walk,
# and so copy, the pages it shares with the master.
warm_up()
gc.freeze()
