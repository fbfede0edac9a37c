"""manage.py verify_certificate: a downloaded JSON or PDF checked against the published keys,
with no database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command

from portal import signing_keys
from portal.domain import signing

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = {
    "type": "certificate",
    "code": "q3L0m9ZxVb7Tn2cR8wYh4sKdP1eAuJ6f",
    "holder": {"name": "Layla Haddad ليلى حداد", "enrollment_number": "CS001"},
    "title": "Robotics workshop",
    "date": "2026-11-03",
    "issuer": {"name": "Example University", "url": "https://upas.test"},
    "verify_url": "https://upas.test/verify/q3L0m9ZxVb7Tn2cR8wYh4sKdP1eAuJ6f/",
}


@pytest.fixture(autouse=True)
def keys_dir(tmp_path: Path, settings) -> Path:
    directory = tmp_path / "signing-keys"
    settings.UPAS_SIGNING_KEYS_DIR = directory
    settings.UPAS_SIGNING_KEY = ""
    return directory


@pytest.fixture(autouse=True)
def _no_database(django_db_blocker) -> Iterator[None]:
    """These tests are not marked django_db; blocking again says why: any query the command
    made would raise."""
    with django_db_blocker.block():
        yield


def signed_document(document: dict | None = None) -> dict:
    return signing.sign(signing_keys.signing_key(), document or DOCUMENT)


def as_pdf(signed: dict) -> bytes:
    """Enough of a PDF for the reader: the header and the marker in an Info string (the real
    renderer puts it in the metadata the same way)."""
    marker = signing.embed_marker(signed).encode()
    return b"%PDF-1.4\n1 0 obj\n<< /Subject (" + marker + b") >>\nendobj\n%%EOF\n"


def write(tmp_path: Path, name: str, data: bytes | dict) -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else json.dumps(data).encode())
    return path


def verify_file(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("verify_certificate", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def refusal(path: Path, *args: str) -> CommandError:
    with pytest.raises(CommandError) as caught:
        verify_file(path, *args)
    assert caught.value.returncode == 1
    return caught.value


def test_a_valid_json_certificate_verifies_and_is_described(tmp_path):
    signed = signed_document()
    output = verify_file(write(tmp_path, "certificate.json", signed))
    for shown in (
        "certificate",
        "Layla Haddad ليلى حداد",
        "Robotics workshop",
        "2026-11-03",
        "Example University",
        DOCUMENT["code"],
        f"valid signature (key {signed['signature']['kid']})",
        DOCUMENT["verify_url"],
    ):
        assert shown in output


def test_a_valid_pdf_verifies(tmp_path):
    signed = signed_document()
    output = verify_file(write(tmp_path, "certificate.pdf", as_pdf(signed)))
    assert f"valid signature (key {signed['signature']['kid']})" in output
    assert "Robotics workshop" in output


def test_a_transcript_shows_its_item_count(tmp_path):
    transcript = {
        "type": "transcript",
        "code": "t" * 32,
        "holder": {"name": "Layla Haddad"},
        "date": "2026-12-01",
        "issuer": {"name": "Example University"},
        "items": [{"title": "Robotics workshop"}, {"title": "Chess club"}],
    }
    output = verify_file(write(tmp_path, "transcript.json", signed_document(transcript)))
    assert "transcript" in output
    assert "items    2" in output


def test_a_certificate_signed_with_a_retired_key_still_verifies(tmp_path):
    signed = signed_document()
    signing_keys.rotate()
    assert "valid signature" in verify_file(write(tmp_path, "old.json", signed))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "Robotics workshop (winner)"),
        ("date", "2026-11-04"),
        ("code", "A" * 32),
        ("holder", {"name": "Mallory", "enrollment_number": "CS001"}),
        ("issuer", {"name": "Another University", "url": "https://upas.test"}),
        ("type", "transcript"),
        ("extra", "an added field"),
    ],
)
def test_a_changed_field_does_not_verify(tmp_path, field, value):
    signed = signed_document()
    signed["document"] = {**signed["document"], field: value}
    error = refusal(write(tmp_path, "tampered.json", signed))
    assert "altered" in str(error)


def test_a_changed_field_in_a_pdf_does_not_verify(tmp_path):
    signed = signed_document()
    signed["document"] = {**signed["document"], "title": "Chess champion"}
    assert "altered" in str(refusal(write(tmp_path, "tampered.pdf", as_pdf(signed))))


def test_a_signature_by_an_unknown_key_does_not_verify(tmp_path):
    signed_document()  # the keyring has a key, just not this one
    forged = signing.sign(Ed25519PrivateKey.generate(), DOCUMENT)
    assert "not published" in str(refusal(write(tmp_path, "forged.json", forged)))


def test_a_published_kid_on_another_keys_signature_does_not_verify(tmp_path):
    forged = signing.sign(Ed25519PrivateKey.generate(), DOCUMENT)
    forged["signature"]["kid"] = signed_document()["signature"]["kid"]
    assert "altered" in str(refusal(write(tmp_path, "forged.json", forged)))


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"hello, world", "neither a PDF nor a JSON"),
        (b"\x00\xff\xfe garbage", "neither a PDF nor a JSON"),
        (b"%PDF-1.4\n%%EOF\n", "carries no signed document"),
        (b"%PDF-1.4\nUPAS-SIGNED:AAAA\n", "damaged"),
        (b'{"document": {"title": "x"}}', "not signed"),
        (b"[1, 2]", "not a signed document"),
        (b'{"document": {}, "signature": {"alg": "EdDSA", "kid": 3, "sig": 4}}', "not published"),
        (b'{"document": {}, "signature": {"alg": "EdDSA", "kid": [], "sig": ""}}', "not published"),
    ],
)
def test_garbage_does_not_verify(tmp_path, data, reason):
    signed_document()
    assert reason in str(refusal(write(tmp_path, "garbage", data)))


@pytest.mark.parametrize("sig", ["", "A", "é*", "AAAA", None])
def test_a_damaged_signature_does_not_verify(tmp_path, sig):
    signed = signed_document()
    signed["signature"]["sig"] = sig
    assert "altered" in str(refusal(write(tmp_path, "damaged.json", signed)))


def test_a_missing_file_is_reported(tmp_path):
    assert "Cannot read" in str(refusal(tmp_path / "nowhere.json"))


def test_an_empty_keyring_says_where_to_find_keys(tmp_path):
    signed = signing.sign(Ed25519PrivateKey.generate(), DOCUMENT)
    assert "--jwks" in str(refusal(write(tmp_path, "c.json", signed)))


def test_keys_from_a_jwks_file(tmp_path, settings):
    signed = signed_document()
    jwks_file = write(tmp_path, "jwks.json", signing_keys.jwks())
    settings.UPAS_SIGNING_KEYS_DIR = tmp_path / "an-empty-keyring"
    certificate = write(tmp_path, "certificate.json", signed)

    assert "valid signature" in verify_file(certificate, "--jwks", str(jwks_file))


def test_a_jwks_file_of_other_keys_does_not_verify(tmp_path):
    other = {"keys": [signing.published_jwk(Ed25519PrivateKey.generate().public_key())]}
    jwks_file = write(tmp_path, "jwks.json", other)
    certificate = write(tmp_path, "certificate.json", signed_document())
    assert "not published" in str(refusal(certificate, "--jwks", str(jwks_file)))


def test_a_jwks_kid_is_recomputed_not_trusted(tmp_path):
    signed = signed_document()
    liar = signing.published_jwk(Ed25519PrivateKey.generate().public_key())
    liar["kid"] = signed["signature"]["kid"]
    jwks_file = write(tmp_path, "jwks.json", {"keys": [liar]})
    certificate = write(tmp_path, "certificate.json", signed)
    assert "not published" in str(refusal(certificate, "--jwks", str(jwks_file)))


def test_an_unreadable_jwks_is_reported(tmp_path):
    certificate = write(tmp_path, "certificate.json", signed_document())
    error = refusal(certificate, "--jwks", str(write(tmp_path, "jwks.json", b"{not json")))
    assert "Cannot read the published keys" in str(error)
    error = refusal(certificate, "--jwks", str(write(tmp_path, "list.json", b"[]")))
    assert "not a JWK set" in str(error)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def jwks_server(tmp_path: Path) -> Iterator[str]:
    """A real HTTP server on localhost serving tmp_path/site; yields its base URL."""
    site = tmp_path / "site"
    site.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_keys_from_a_jwks_url(tmp_path, settings, jwks_server):
    signed = signed_document()
    write(tmp_path / "site", "jwks.json", signing_keys.jwks())
    settings.UPAS_SIGNING_KEYS_DIR = tmp_path / "an-empty-keyring"
    certificate = write(tmp_path, "certificate.pdf", as_pdf(signed))

    output = verify_file(certificate, "--jwks", f"{jwks_server}/jwks.json")

    assert f"valid signature (key {signed['signature']['kid']})" in output


def test_a_jwks_url_that_fails_is_reported(tmp_path, jwks_server):
    certificate = write(tmp_path, "certificate.json", signed_document())
    error = refusal(certificate, "--jwks", f"{jwks_server}/missing.json")
    assert "Cannot read the published keys" in str(error)
    assert "404" in str(error)


def run_manage_py(keys_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """The command as a user runs it, with a database URL nothing answers at: a connection
    attempt would fail the run."""
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "verify_certificate", *args],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.development",
            "SIGNING_KEYS_DIR": str(keys_dir),
            "SIGNING_KEY": "",
            "DATABASE_URL": "postgres://nobody:nothing@127.0.0.1:9/nodb",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_command_line_exits_0_when_valid_and_1_with_the_reason_on_stderr(tmp_path, keys_dir):
    signed = signed_document()
    valid = run_manage_py(keys_dir, str(write(tmp_path, "ok.pdf", as_pdf(signed))))
    assert valid.returncode == 0, valid.stderr
    assert "valid signature" in valid.stdout

    signed["document"] = {**signed["document"], "date": "2020-01-01"}
    altered = run_manage_py(keys_dir, str(write(tmp_path, "altered.json", signed)))
    assert altered.returncode == 1
    assert "altered" in altered.stderr
    assert "valid signature" not in altered.stdout
