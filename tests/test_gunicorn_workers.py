"""The web server's workers as production runs them (gunicorn.conf.py, config/wsgi.py): warmed
up and frozen in the master, recycled after `max_requests`, and leaving cleanly without the
interpreter's teardown (`worker_exit`), while a worker that fails still reports its code."""

from __future__ import annotations

import gc
import importlib
import os
import runpy
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
worker_exit = CONFIG["worker_exit"]


def exit_code_of_a_child(leaving: BaseException | None) -> int:
    """Fork; in the child, run the hook as gunicorn does (in a `finally`, with the worker's
    SystemExit on its way out), then leave as the child would without it."""
    pid = os.fork()
    if pid == 0:  # the child: never returns to pytest
        try:
            try:
                if leaving is not None:
                    raise leaving
            finally:
                worker_exit(None, SimpleNamespace(pid=os.getpid()))
        except SystemExit as exc:
            os._exit(exc.code if isinstance(exc.code, int) else 1)
        os._exit(0)
    _pid, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_a_worker_leaving_cleanly_exits_at_once_and_a_failed_one_keeps_its_code():
    assert exit_code_of_a_child(SystemExit(0)) == 0
    assert exit_code_of_a_child(SystemExit(3)) == 3  # gunicorn's WORKER_BOOT_ERROR reaches it


def test_the_master_never_exits_in_the_hook():
    """gunicorn runs `worker_exit` in the master too, for a worker that had already gone."""
    assert worker_exit(None, SimpleNamespace(pid=os.getpid() + 1)) is None


def test_the_wsgi_module_warms_up_and_freezes_the_masters_objects():
    try:
        wsgi = importlib.import_module("config.wsgi")
        assert callable(wsgi.application)
        assert "portal.views.certificates" in sys.modules  # the URLconf was imported
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # this test process goes on collecting as usual


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_recycled_workers_keep_serving_and_the_server_stops_cleanly(tmp_path):
    """A real gunicorn with the project's config, its workers recycled every 3 requests."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "config.wsgi",
             "--max-requests", "3", "--max-requests-jitter", "0"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/healthz"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url, timeout=5).read()
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                assert server.poll() is None, log.read_text()
                time.sleep(0.2)
        answers = []
        for _ in range(20):
            for attempt in range(3):  # a recycling worker may close a kept connection
                try:
                    with urllib.request.urlopen(url, timeout=10) as response:
                        answers.append(response.status)
                    break
                except OSError:
                    if attempt == 2:
                        raise
                    time.sleep(0.2)
        assert answers == [200] * 20
        assert server.poll() is None  # the master lives on
    finally:
        server.terminate()
        code = server.wait(timeout=60)
    text = log.read_text()
    assert text.count("Booting worker") >= 6, text  # two at the start, then recycled ones
    assert "Exception during worker exit" not in text, text
    assert code == 0, text
