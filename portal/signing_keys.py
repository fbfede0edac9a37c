"""The keyring that signs certificates and transcripts (portal.domain.signing's format).

One directory, UPAS_SIGNING_KEYS_DIR:

    <kid>.key.pem   the active private key (PKCS8, mode 0600); exactly one
    <kid>.pub.pem   the public key of every key ever active, so old documents still verify
    .lock           flock'ed: exclusively by whoever changes the files, shared by readers

where <kid> is the key's RFC 7638 thumbprint. Files are written to a temporary name and
renamed, so a reader never sees half a key. UPAS_SIGNING_KEY (a PEM in the environment, for
deployments that keep secrets in a secret store) replaces the directory's private key; its
public key is published with the directory's.

Signing thousands of certificates must not parse PEM files thousands of times, so the loaded
keyring is kept in-process and reloaded only when the directory's file names change (the name
is the key's thumbprint, so a changed key is a changed name): a rotation by another process
is seen on the next call."""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils.translation import gettext as _

from portal.domain.signing import key_id, published_jwk

PRIVATE_SUFFIX = ".key.pem"
PUBLIC_SUFFIX = ".pub.pem"
LOCK_NAME = ".lock"


class KeyringError(RuntimeError):
    """The keyring cannot be read or changed as asked (a damaged file, two active keys,
    rotating a key that lives in the environment)."""


@dataclass(frozen=True)
class _Keyring:
    directory: Path
    env_pem: str
    listing: tuple[str, ...]
    active: Ed25519PrivateKey | None
    active_file: Path | None  # None when the key comes from the environment
    public: dict[str, Ed25519PublicKey]  # the active key's first


# One process signs with one keyring; a test that moves the directory just misses the cache.
_cache: _Keyring | None = None


def signing_key() -> Ed25519PrivateKey:
    """The active private key; the directory's first key is created on first use, so
    development and tests need no setup."""
    keyring = _keyring()
    if keyring.active is None:
        with _locked(keyring.directory, exclusive=True):
            if _load(keyring.directory, keyring.env_pem).active is None:
                _write_new_key(keyring.directory)
        keyring = _keyring()
    if keyring.active is None:  # deleted by hand between the two lines above
        raise KeyringError(
            _("%(directory)s lost its private key while it was created.")
            % {"directory": keyring.directory}
        )
    return keyring.active


def published_keys() -> dict[str, Ed25519PublicKey]:
    """Every key a document may be signed with (kid -> key): the active one, then the retired
    ones. Reads only: an empty keyring publishes nothing and gets no key."""
    return dict(_keyring().public)


def jwks() -> dict[str, Any]:
    """The JSON Web Key Set served at /.well-known/jwks.json, the active key first."""
    signing_key()
    return {"keys": [published_jwk(key) for key in _keyring().public.values()]}


def rotate() -> str:
    """Make a new key the active one and return its kid. The old public key stays published
    (documents it signed still verify); its private key file is deleted, so it signs no more.

    Under the exclusive lock, so two rotations at once run one after the other. The order of
    the steps keeps a crash harmless: at worst no private key is left, and the next signature
    creates one. KeyringError when UPAS_SIGNING_KEY is set (rotate the secret instead)."""
    if _env_pem():
        raise KeyringError(
            _(
                "The signing key comes from SIGNING_KEY: put a new key there instead, after "
                "`rotate_signing_key --retire-env-key` has kept the current one's public key."
            )
        )
    directory = _directory()
    with _locked(directory, exclusive=True):
        old = _load(directory, "")
        new_key = Ed25519PrivateKey.generate()
        _write_public(directory, new_key.public_key())
        if old.active is not None and old.active_file is not None:
            _write_public(directory, old.active.public_key())  # in case it was never written
            old.active_file.unlink()
        _write_private(directory, new_key)
    return key_id(new_key.public_key())


def retire_env_key() -> str:
    """Keep the public key of UPAS_SIGNING_KEY in the directory, so documents it signed still
    verify after the environment holds another key; returns its kid."""
    env_key = _env_key(_env_pem())
    if env_key is None:
        raise KeyringError(_("SIGNING_KEY is not set: there is no environment key to retire."))
    directory = _directory()
    with _locked(directory, exclusive=True):
        _write_public(directory, env_key.public_key())
    return key_id(env_key.public_key())


def _directory() -> Path:
    return Path(settings.UPAS_SIGNING_KEYS_DIR)


def _env_pem() -> str:
    return (getattr(settings, "UPAS_SIGNING_KEY", "") or "").strip()


def _keyring() -> _Keyring:
    global _cache
    directory, env_pem = _directory(), _env_pem()
    cached = _cache
    if (
        cached is not None
        and cached.directory == directory
        and cached.env_pem == env_pem
        and cached.listing == _listing(directory)
    ):
        return cached
    with _locked(directory, exclusive=False):
        _cache = _load(directory, env_pem)
    return _cache


def _listing(directory: Path) -> tuple[str, ...]:
    try:
        return tuple(sorted(name for name in os.listdir(directory) if name.endswith(".pem")))
    except FileNotFoundError:
        return ()


def _load(directory: Path, env_pem: str) -> _Keyring:
    """The keyring as the files say now; call it under the lock, so no change is half seen."""
    listing = _listing(directory)
    private_names = [name for name in listing if name.endswith(PRIVATE_SUFFIX)]
    if len(private_names) > 1:
        raise KeyringError(
            _(
                "%(directory)s holds %(count)d private keys; exactly one is active. Keep the "
                "newest and move the others away (their .pub.pem files stay)."
            )
            % {"directory": directory, "count": len(private_names)}
        )
    active, active_file = _env_key(env_pem), None
    if active is None and private_names:
        active_file = directory / private_names[0]
        active = _read_private(active_file)
    public: dict[str, Ed25519PublicKey] = {}
    if active is not None:
        public[key_id(active.public_key())] = active.public_key()
    retired = [_read_public(directory / name) for name in listing if name.endswith(PUBLIC_SUFFIX)]
    for key in sorted(retired, key=key_id):
        public.setdefault(key_id(key), key)
    return _Keyring(directory, env_pem, listing, active, active_file, public)


def _env_key(env_pem: str) -> Ed25519PrivateKey | None:
    if not env_pem:
        return None
    # Secret stores and .env files often hold a PEM on one line with literal "\n"s.
    return _private_from_pem(env_pem.replace("\\n", "\n").encode(), "SIGNING_KEY")


def _read_private(path: Path) -> Ed25519PrivateKey:
    return _private_from_pem(path.read_bytes(), str(path))


def _private_from_pem(pem: bytes, where: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyringError(
            _("%(where)s is not an unencrypted PEM private key.") % {"where": where}
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyringError(_("%(where)s is not an Ed25519 key.") % {"where": where})
    return key


def _read_public(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except ValueError as exc:
        raise KeyringError(_("%(where)s is not a PEM public key.") % {"where": path}) from exc
    if not isinstance(key, Ed25519PublicKey):
        raise KeyringError(_("%(where)s is not an Ed25519 key.") % {"where": path})
    return key


def _write_new_key(directory: Path) -> None:
    key = Ed25519PrivateKey.generate()
    _write_public(directory, key.public_key())
    _write_private(directory, key)


def _write_private(directory: Path, key: Ed25519PrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_atomically(directory / f"{key_id(key.public_key())}{PRIVATE_SUFFIX}", pem, 0o600)


def _write_public(directory: Path, key: Ed25519PublicKey) -> None:
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    _write_atomically(directory / f"{key_id(key)}{PUBLIC_SUFFIX}", pem, 0o644)


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    """mkstemp creates the file 0600, so a private key is never readable by others, not even
    while it is written."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def _locked(directory: Path, *, exclusive: bool) -> Iterator[None]:
    """flock on the directory's .lock file. A reader of a keyring that has never been written
    (no lock file yet) or that it may not write takes no lock: the files it sees were renamed
    into place whole, and a rotation needs write access to take the exclusive lock."""
    fd = None
    if exclusive:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    else:
        with suppress(OSError):
            fd = os.open(directory / LOCK_NAME, os.O_RDONLY)
    if fd is None:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # closing releases the lock
