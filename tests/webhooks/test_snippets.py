"""The verification snippets docs/WEBHOOKS.md shows are the files the tests run, and both accept
a real signed delivery and refuse a tampered one."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from portal.models import WebhookEvent
from tests.helpers import award

from .receiver import GUIDE, JS_SNIPPET, PY_SNIPPET

pytestmark = pytest.mark.django_db


def fenced(language: str) -> str:
    guide = GUIDE.read_text(encoding="utf-8")
    start = guide.index(f"```{language}\n") + len(f"```{language}\n")
    return guide[start : guide.index("```", start)]


def test_the_guide_shows_the_snippets_verbatim():
    assert fenced("python") == PY_SNIPPET.read_text(encoding="utf-8")
    assert fenced("js") == JS_SNIPPET.read_text(encoding="utf-8")


def run_node(secret: str, timestamp: str, signature: str, body: bytes):
    return subprocess.run(  # noqa: S603
        [shutil.which("node"), str(JS_SNIPPET), secret, timestamp, signature],
        input=body,
        capture_output=True,
        timeout=30,
        check=False,
    )


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_node_snippet_checks_a_real_delivery(
    subscribe, receiver, faculty, student, category, django_capture_on_commit_callbacks
):
    subscribe(WebhookEvent.POINTS_AWARDED)
    with django_capture_on_commit_callbacks(execute=True):
        award(faculty, student, category, 20)
    [got] = receiver.received
    timestamp, signature = got.headers["X-UPAS-Timestamp"], got.headers["X-UPAS-Signature"]
    ok = run_node(receiver.secret, timestamp, signature, got.body)
    assert (ok.returncode, ok.stdout.strip()) == (0, b"valid")
    tampered = run_node(receiver.secret, timestamp, signature, got.body.replace(b"20", b"99", 1))
    assert (tampered.returncode, tampered.stdout.strip()) == (1, b"invalid")
    wrong_key = run_node("whsec_wrong", timestamp, signature, got.body)
    assert wrong_key.returncode == 1
    stale = run_node(receiver.secret, str(int(timestamp) - 301), signature, got.body)
    assert stale.returncode == 1


@pytest.mark.parametrize("timestamp", ["1" + "0" * 400, "9" * 5000, "²", "１２３"])
def test_the_python_snippet_refuses_odd_timestamps_without_raising(timestamp):
    from .receiver import verify

    assert (
        verify("secret", {"X-UPAS-Timestamp": timestamp, "X-UPAS-Signature": "x"}, b"{}") is False
    )
