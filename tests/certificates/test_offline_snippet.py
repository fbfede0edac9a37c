"""docs/verify_certificate.py, the standalone verifier, run as a user would: its own process,
no portal on the path; and the copy in docs/CERTIFICATES.md is the same code."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from portal import signing_keys
from portal.domain import signing

from .test_verify_command import DOCUMENT, as_pdf, write

ROOT = Path(__file__).resolve().parents[2]
SNIPPET = ROOT / "docs" / "verify_certificate.py"
GUIDE = ROOT / "docs" / "CERTIFICATES.md"


@pytest.fixture(autouse=True)
def keys_dir(tmp_path: Path, settings) -> Path:
    directory = tmp_path / "signing-keys"
    settings.UPAS_SIGNING_KEYS_DIR = directory
    settings.UPAS_SIGNING_KEY = ""
    return directory


@pytest.fixture
def jwks_file(tmp_path: Path) -> Path:
    signing_keys.rotate()  # two keys published, so the snippet must pick the right one
    return write(tmp_path, "jwks.json", signing_keys.jwks())


def run_snippet(cwd: Path, *args: str | Path) -> subprocess.CompletedProcess:
    """-I: isolated, so neither the checkout nor PYTHONPATH can lend it the portal's code."""
    return subprocess.run(  # noqa: S603
        [sys.executable, "-I", str(SNIPPET), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


def signed_document(document: dict | None = None) -> dict:
    return signing.sign(signing_keys.signing_key(), document or DOCUMENT)


@pytest.mark.parametrize("kind", ["json", "pdf"])
def test_a_valid_certificate_verifies(tmp_path, jwks_file, kind):
    signed = signed_document()
    data = as_pdf(signed) if kind == "pdf" else signing.canonical_json(signed)
    result = run_snippet(tmp_path, write(tmp_path, f"certificate.{kind}", data), jwks_file)

    assert result.returncode == 0, result.stderr
    assert f"valid signature (key {signed['signature']['kid']})" in result.stdout
    assert "title: Robotics workshop" in result.stdout
    assert "date: 2026-11-03" in result.stdout
    assert f"code: {DOCUMENT['code']}" in result.stdout
    assert "ليلى حداد" in result.stdout


def test_it_canonicalises_exactly_as_the_portal(tmp_path, jwks_file):
    """Non-ASCII text, nested objects, numbers and key order: one byte of difference in the
    canonical JSON would fail every real certificate."""
    document = {
        "z": [3, 1.5, -2, True, None, {"b": "é", "a": "😀"}],
        "a": "العربية «quoted» \\ \n\t",
        "m": {"y": 0, "x": ""},
    }
    signed = signed_document(document)
    # Keys out of order, ASCII escapes, indentation: the file's layout must not matter.
    reordered = {"signature": signed["signature"], "document": dict(reversed(document.items()))}
    shuffled = json.dumps(reordered, indent=2, ensure_ascii=True)
    result = run_snippet(tmp_path, write(tmp_path, "c.json", shuffled.encode()), jwks_file)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "Robotics workshop (winner)"),
        ("date", "2026-11-04"),
        ("code", "A" * 32),
        ("holder", {"name": "Mallory", "enrollment_number": "CS001"}),
        ("issuer", {"name": "Another University", "url": "https://upas.test"}),
    ],
)
@pytest.mark.parametrize("kind", ["json", "pdf"])
def test_a_changed_field_does_not_verify(tmp_path, jwks_file, field, value, kind):
    signed = signed_document()
    signed["document"] = {**signed["document"], field: value}
    data = as_pdf(signed) if kind == "pdf" else signing.canonical_json(signed)

    result = run_snippet(tmp_path, write(tmp_path, f"tampered.{kind}", data), jwks_file)

    assert result.returncode == 1
    assert "altered" in result.stderr
    assert "valid signature" not in result.stdout


def test_a_signature_by_a_key_not_in_the_jwks_does_not_verify(tmp_path, jwks_file):
    forged = signing.sign(Ed25519PrivateKey.generate(), DOCUMENT)
    result = run_snippet(tmp_path, write(tmp_path, "forged.json", forged), jwks_file)
    assert result.returncode == 1
    assert "not in the JWKS" in result.stderr


def test_a_kid_in_the_jwks_is_not_trusted(tmp_path):
    signed = signed_document()
    liar = signing.published_jwk(Ed25519PrivateKey.generate().public_key())
    liar["kid"] = signed["signature"]["kid"]
    jwks = write(tmp_path, "jwks.json", {"keys": [liar]})
    result = run_snippet(tmp_path, write(tmp_path, "c.json", signed), jwks)
    assert result.returncode == 1
    assert "not in the JWKS" in result.stderr


@pytest.mark.parametrize(
    "data", [b"hello", b"%PDF-1.4\n%%EOF\n", b'{"document": {}}', b"[]", b"\xff\xfe"]
)
def test_garbage_does_not_verify(tmp_path, jwks_file, data):
    result = run_snippet(tmp_path, write(tmp_path, "garbage", data), jwks_file)
    assert result.returncode == 1
    assert result.stderr.startswith("NOT VALID")


def test_without_its_two_arguments_it_shows_its_usage(tmp_path):
    result = run_snippet(tmp_path, "certificate.pdf")
    assert result.returncode == 1
    assert "python3 verify_certificate.py FILE JWKS" in result.stderr


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A real HTTP server on localhost: (the directory it serves, its base URL)."""
    root = tmp_path / "site"
    root.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_jwks_can_be_a_url(tmp_path, site):
    root, url = site
    signed = signed_document()
    write(root, "jwks.json", signing_keys.jwks())
    certificate = write(tmp_path, "certificate.pdf", as_pdf(signed))

    assert run_snippet(tmp_path, certificate, f"{url}/jwks.json").returncode == 0
    missing = run_snippet(tmp_path, certificate, f"{url}/missing.json")
    assert missing.returncode == 1
    assert "404" in missing.stderr


def test_the_snippet_needs_only_the_standard_library_and_cryptography():
    imported = set()
    for node in ast.walk(ast.parse(SNIPPET.read_text())):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported - set(sys.stdlib_module_names) == {"cryptography"}


def test_the_guide_shows_the_snippet_verbatim():
    blocks = re.findall(r"^```python\n(.*?)^```$", GUIDE.read_text(), re.DOTALL | re.MULTILINE)
    assert blocks == [SNIPPET.read_text()]
