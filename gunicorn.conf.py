"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py config.wsgi`. Every value can
be overridden from the environment (GUNICORN_CMD_ARGS or the variables below)."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Pages are mostly database-bound: (2 x cores) + 1 sync workers, each with a few threads so a
# slow client does not hold a whole process.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow forever. Workers that start together
# and share the load evenly reach the limit together: with a jitter of 200 the benchmark saw
# three of five restart within 3 s (a p99 of 239 ms at 50 writes/s). Half the limit spreads
# the restarts out.
max_requests = 2000
max_requests_jitter = 1000
# Django's settings already log to stdout; gunicorn's access log goes there too.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The master imports the application, warms it up and freezes its objects (config/wsgi.py)
# before it forks the workers.
preload_app = True


def worker_exit(server, worker) -> None:
    """A worker leaving cleanly (recycled after max_requests, or stopped) skips the
    interpreter's teardown: freeing its objects one by one first copies every page it still
    shares with the master, about half a second of CPU per worker for nothing (issue 17,
    bench/README.md). Its database connections are closed and its logs flushed first. A worker
    leaving on an error exits as usual, so the master sees its exit code; and the master,
    which runs this hook too for a worker that had already gone, never exits here."""
    if os.getpid() != worker.pid:
        return
    leaving = sys.exc_info()[1]
    if isinstance(leaving, SystemExit) and leaving.code not in (0, None):
        return
    from django.db import connections

    connections.close_all()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
