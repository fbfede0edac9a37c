"""The signing keyring: files, modes, caching, rotation (also under concurrency), the JWKS and
the key from the environment."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from io import StringIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command

from portal import signing_keys
from portal.domain import signing
from portal.signing_keys import KeyringError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def keys_dir(tmp_path: Path, settings) -> Path:
    directory = tmp_path / "signing-keys"
    settings.UPAS_SIGNING_KEYS_DIR = directory
    settings.UPAS_SIGNING_KEY = ""
    return directory


def names(directory: Path, suffix: str) -> set[str]:
    return {p.name.removesuffix(suffix) for p in directory.iterdir() if p.name.endswith(suffix)}


def kid_of(key: Ed25519PrivateKey) -> str:
    return signing.key_id(key.public_key())


def pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def test_the_first_signature_creates_the_key_and_its_public_key(keys_dir):
    assert not keys_dir.exists()
    key = signing_keys.signing_key()
    kid = kid_of(key)
    assert names(keys_dir, ".key.pem") == {kid}
    assert names(keys_dir, ".pub.pem") == {kid}
    assert not [p for p in keys_dir.iterdir() if p.name.startswith(".tmp-")]
    written = serialization.load_pem_private_key(
        (keys_dir / f"{kid}.key.pem").read_bytes(), password=None
    )
    assert kid_of(written) == kid


def test_the_private_key_is_readable_by_its_owner_only(keys_dir):
    kid = kid_of(signing_keys.signing_key())
    assert stat.S_IMODE((keys_dir / f"{kid}.key.pem").stat().st_mode) == 0o600
    assert stat.S_IMODE(keys_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((keys_dir / f"{kid}.pub.pem").stat().st_mode) == 0o644
    new_kid = signing_keys.rotate()
    assert stat.S_IMODE((keys_dir / f"{new_kid}.key.pem").stat().st_mode) == 0o600


def test_the_key_is_read_once_while_the_directory_is_unchanged(keys_dir, monkeypatch):
    first = signing_keys.signing_key()
    reads = []
    real_read = signing_keys._read_private
    monkeypatch.setattr(
        signing_keys, "_read_private", lambda path: reads.append(path) or real_read(path)
    )
    monkeypatch.setattr(signing_keys, "_cache", None)  # as in a new process
    for _ in range(200):
        assert kid_of(signing_keys.signing_key()) == kid_of(first)
    assert len(reads) == 1
    assert signing_keys.signing_key() is signing_keys.signing_key()


def test_a_rotation_by_another_process_is_seen_at_the_next_signature(keys_dir, tmp_path):
    old = signing_keys.signing_key()
    result = subprocess.run(
        [sys.executable, "manage.py", "rotate_signing_key"],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.development",
            "SIGNING_KEYS_DIR": str(keys_dir),
            "SIGNING_KEY": "",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    new = signing_keys.signing_key()
    assert kid_of(new) != kid_of(old)
    assert kid_of(new) in result.stdout
    assert "2 keys are published" in result.stdout


def test_rotation_keeps_the_old_public_key_and_deletes_the_old_private_key(keys_dir):
    old = signing_keys.signing_key()
    signed_before = signing.sign(old, {"code": "before"})

    new_kid = signing_keys.rotate()

    assert names(keys_dir, ".key.pem") == {new_kid}
    assert names(keys_dir, ".pub.pem") == {kid_of(old), new_kid}
    assert kid_of(signing_keys.signing_key()) == new_kid
    assert set(signing_keys.published_keys()) == {kid_of(old), new_kid}
    assert signing.verify(signed_before, signing_keys.published_keys()) == {"code": "before"}
    signed_after = signing.sign(signing_keys.signing_key(), {"code": "after"})
    assert signed_after["signature"]["kid"] == new_kid


def test_rotating_an_empty_keyring_makes_its_first_key(keys_dir):
    kid = signing_keys.rotate()
    assert names(keys_dir, ".key.pem") == {kid}
    assert kid_of(signing_keys.signing_key()) == kid


def run_at_once(count: int, work) -> list:
    """`work` in `count` threads released together; their results (or exceptions)."""
    barrier = threading.Barrier(count)
    results: list = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(work())
        except Exception as exc:  # reported by the assertions on the results
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_concurrent_rotations_leave_exactly_one_private_key(keys_dir):
    first = kid_of(signing_keys.signing_key())
    for _ in range(5):
        kids = run_at_once(4, signing_keys.rotate)
        assert all(isinstance(kid, str) for kid in kids), kids
        private = names(keys_dir, ".key.pem")
        assert len(private) == 1
        assert private <= set(kids)
        assert kid_of(signing_keys.signing_key()) in private
    assert names(keys_dir, ".pub.pem") == set(signing_keys.published_keys())
    assert len(signing_keys.published_keys()) == 1 + 5 * 4
    assert first in signing_keys.published_keys()


def test_concurrent_first_signatures_create_one_key(keys_dir):
    keys = run_at_once(6, signing_keys.signing_key)
    assert len({kid_of(key) for key in keys}) == 1
    assert len(names(keys_dir, ".key.pem")) == 1


def test_the_jwks_lists_every_key_the_current_one_first(keys_dir):
    old = kid_of(signing_keys.signing_key())
    current = signing_keys.rotate()

    entries = signing_keys.jwks()["keys"]

    assert entries[0]["kid"] == current
    assert {entry["kid"] for entry in entries} == {old, current}
    for entry in entries:
        assert set(entry) == {"kty", "crv", "x", "kid", "alg", "use"}  # never "d"
        assert (entry["kty"], entry["crv"], entry["alg"], entry["use"]) == (
            "OKP",
            "Ed25519",
            "EdDSA",
            "sig",
        )
        assert entry["kid"] == signing.key_id(signing.public_key_from_jwk(entry))
    assert set(signing.keys_from_jwks(signing_keys.jwks())) == {old, current}


def test_the_jwks_of_an_empty_keyring_makes_its_first_key(keys_dir):
    entries = signing_keys.jwks()["keys"]
    assert [entry["kid"] for entry in entries] == [kid_of(signing_keys.signing_key())]


def test_published_keys_only_read(keys_dir):
    assert signing_keys.published_keys() == {}
    assert not keys_dir.exists()


def test_two_private_keys_in_the_directory_are_refused(keys_dir):
    signing_keys.signing_key()
    stray = Ed25519PrivateKey.generate()
    (keys_dir / f"{kid_of(stray)}.key.pem").write_text(pem(stray))
    with pytest.raises(KeyringError, match="2 private keys"):
        signing_keys.signing_key()
    with pytest.raises(KeyringError):
        signing_keys.rotate()


def test_the_environment_key_signs_and_is_published_with_the_directory_keys(keys_dir, settings):
    directory_kid = kid_of(signing_keys.signing_key())
    env_key = Ed25519PrivateKey.generate()
    settings.UPAS_SIGNING_KEY = pem(env_key).replace("\n", "\\n")  # one line, as in a .env file

    assert kid_of(signing_keys.signing_key()) == kid_of(env_key)
    assert set(signing_keys.published_keys()) == {kid_of(env_key), directory_kid}
    assert signing_keys.jwks()["keys"][0]["kid"] == kid_of(env_key)


def test_the_environment_key_leaves_an_empty_directory_alone(keys_dir, settings):
    env_key = Ed25519PrivateKey.generate()
    settings.UPAS_SIGNING_KEY = pem(env_key)
    assert kid_of(signing_keys.signing_key()) == kid_of(env_key)
    assert set(signing_keys.published_keys()) == {kid_of(env_key)}
    assert not keys_dir.exists()


def test_rotation_refuses_while_the_key_comes_from_the_environment(keys_dir, settings):
    settings.UPAS_SIGNING_KEY = pem(Ed25519PrivateKey.generate())
    with pytest.raises(KeyringError, match="SIGNING_KEY"):
        signing_keys.rotate()
    with pytest.raises(CommandError, match="SIGNING_KEY"):
        call_command("rotate_signing_key", stdout=StringIO())


def test_a_retired_environment_key_stays_published(keys_dir, settings):
    old = Ed25519PrivateKey.generate()
    settings.UPAS_SIGNING_KEY = pem(old)
    out = StringIO()
    call_command("rotate_signing_key", "--retire-env-key", stdout=out)
    assert kid_of(old) in out.getvalue()
    assert names(keys_dir, ".pub.pem") == {kid_of(old)}
    assert names(keys_dir, ".key.pem") == set()

    new = Ed25519PrivateKey.generate()
    settings.UPAS_SIGNING_KEY = pem(new)

    assert kid_of(signing_keys.signing_key()) == kid_of(new)
    assert set(signing_keys.published_keys()) == {kid_of(old), kid_of(new)}


def test_retiring_needs_an_environment_key(keys_dir):
    with pytest.raises(KeyringError):
        signing_keys.retire_env_key()


@pytest.mark.parametrize(
    "value",
    [
        "not a key",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode(),
    ],
    ids=["text", "damaged", "not-ed25519"],
)
def test_a_bad_environment_key_is_refused(keys_dir, settings, value):
    settings.UPAS_SIGNING_KEY = value
    with pytest.raises(KeyringError, match="SIGNING_KEY"):
        signing_keys.signing_key()


def test_the_rotate_command_prints_the_new_key_and_the_published_count(keys_dir):
    signing_keys.signing_key()
    out = StringIO()
    call_command("rotate_signing_key", stdout=out)
    current = kid_of(signing_keys.signing_key())
    assert f"New signing key {current} is active." in out.getvalue()
    assert "2 keys are published" in out.getvalue()


def test_rotation_retires_a_private_key_placed_by_hand_under_any_name(keys_dir):
    keys_dir.mkdir()
    placed = Ed25519PrivateKey.generate()
    (keys_dir / "university-2026.key.pem").write_text(pem(placed))
    assert kid_of(signing_keys.signing_key()) == kid_of(placed)

    new_kid = signing_keys.rotate()

    assert {p.name for p in keys_dir.glob("*.key.pem")} == {f"{new_kid}.key.pem"}
    assert set(signing_keys.published_keys()) == {kid_of(placed), new_kid}
