"""A real webhook receiver for the tests: the standard library's HTTP server in a thread, on a
free port, checking every delivery's signature with the snippet docs/WEBHOOKS.md shows
(docs/webhook_verify.py, imported from its file)."""

from __future__ import annotations

import importlib.util
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PY_SNIPPET = ROOT / "docs" / "webhook_verify.py"
JS_SNIPPET = ROOT / "docs" / "webhook_verify.js"
GUIDE = ROOT / "docs" / "WEBHOOKS.md"


def load_snippet() -> Any:
    spec = importlib.util.spec_from_file_location("webhook_verify", PY_SNIPPET)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


verify = load_snippet().verify


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    valid: bool  # the documented snippet accepted the signature

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each POST with the next status of `answers` (then `default`), recording what it
    got; `secret` is what it checks signatures with."""

    secret: str = ""
    answers: list[int] = field(default_factory=list)
    default: int = 200
    location: str = ""  # sent with a 3xx answer
    delay: float = 0.0  # seconds before answering (a slow receiver)
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hooks/upas"

    def start(self, port: int = 0) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = dict(self.headers.items())
                receiver.received.append(
                    Received(self.path, headers, body, verify(receiver.secret, self.headers, body))
                )
                status = receiver.answers.pop(0) if receiver.answers else receiver.default
                time.sleep(receiver.delay)
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", receiver.location)
                payload = b"ok" if status < 300 else b"receiver says no " * 40
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver().start()
    try:
        yield receiver
    finally:
        receiver.stop()
