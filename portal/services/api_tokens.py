"""API tokens: created (the secret returned once), revoked, used; and the one door every API
write goes through (idempotency key, audit row naming the token, one transaction)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.exceptions import PortalError
from portal.models import (
    MAX_TOKEN_DAYS,
    ApiIdempotencyKey,
    ApiScope,
    ApiToken,
    Department,
    User,
)
from portal.permissions import (
    can_have_personal_token,
    can_manage_api_tokens,
    can_own_api_token,
    require,
)

from .audit import record_audit
from .rows import insert_once

TOKEN_START = "upas_"  # noqa: S105 (a marker, not a secret)
# last_used_at is written at most this often per token: one UPDATE a minute, not one per call.
LAST_USED_EVERY = timedelta(minutes=1)


class ApiTokenError(PortalError):
    """forbidden, name_required, bad_scopes, bad_days, not_found, key_conflict."""


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _new_secret() -> tuple[str, str]:
    """(prefix, whole token): the prefix names the token in lists and finds its row; the
    rest is 256 random bits."""
    prefix = secrets.token_hex(4)
    return prefix, f"{TOKEN_START}{prefix}_{secrets.token_urlsafe(32)}"


def prefix_of(raw: str) -> str | None:
    """The prefix in a presented token, or None when it is not shaped like one of ours."""
    if not raw.startswith(TOKEN_START) or len(raw) > 200:
        return None
    prefix, _sep, rest = raw[len(TOKEN_START) :].partition("_")
    if len(prefix) != 8 or not rest:
        return None
    return prefix


def find_token(raw: str) -> ApiToken | None:
    """The usable token this secret belongs to (with its owner), or None: unknown, revoked,
    expired, or its owner may not own one (deactivated, or a partner since). The hash is
    compared in constant time."""
    prefix = prefix_of(raw)
    if prefix is None:
        return None
    token = ApiToken.objects.select_related("owner").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.secret_hash, hash_secret(raw)):
        return None
    if not token.is_usable or not can_own_api_token(token.owner):
        return None
    return token


def touch_token(token: ApiToken) -> None:
    """Record that the token was used, at most once a minute (no query in between)."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_EVERY:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


def _clean_scopes(scopes: Iterable[str]) -> list[str]:
    chosen = sorted({s.strip() for s in scopes if s.strip()})
    unknown = [s for s in chosen if s not in ApiScope.values]
    if not chosen or unknown:
        raise ApiTokenError(
            "bad_scopes",
            _("Choose scopes among: %(scopes)s.") % {"scopes": ", ".join(ApiScope.values)},
            field="scopes",
        )
    return chosen


@transaction.atomic
def create_api_token(
    *,
    actor: User | None,
    name: str,
    owner: User,
    scopes: Iterable[str],
    department: Department | None = None,
    days: int | None = None,
) -> tuple[ApiToken, str]:
    """An integration token acting as `owner`; returns it with its secret, which is never
    stored and cannot be shown again. `actor` None is the create_api_token command (run by
    whoever runs the server). Audited. Raises ApiTokenError: forbidden, bad_owner,
    name_required, bad_scopes, bad_days."""
    if actor is not None:
        require(
            can_manage_api_tokens(actor), ApiTokenError, _("Only admins can create API tokens.")
        )
    if not can_own_api_token(owner):
        raise ApiTokenError(
            "bad_owner",
            _("A token can act only as an active student, faculty member or admin."),
            field="owner",
        )
    name = " ".join((name or "").split())[:100]
    if not name:
        raise ApiTokenError("name_required", _("Give the token a name."), field="name")
    chosen = _clean_scopes(scopes)
    if days is not None and not 1 <= days <= MAX_TOKEN_DAYS:
        raise ApiTokenError(
            "bad_days",
            _("A token lasts between 1 and %(max)s days.") % {"max": MAX_TOKEN_DAYS},
            field="days",
        )
    token, secret = _insert(
        name=name, owner=owner, created_by=actor, scopes=chosen, department=department, days=days
    )
    record_audit(
        actor=actor,
        action="api_token.create",
        target=token,
        after={
            "name": token.name,
            "owner": owner.email,
            "scopes": chosen,
            "department": department.code if department else None,
            "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        },
    )
    return token, secret


def _insert(*, days: int | None, **fields: Any) -> tuple[ApiToken, str]:
    prefix, secret = _new_secret()
    expires = timezone.now() + timedelta(days=days) if days else None
    token = ApiToken.objects.create(
        prefix=prefix, secret_hash=hash_secret(secret), expires_at=expires, **fields
    )
    return token, secret


@transaction.atomic
def create_personal_token(*, actor: User) -> tuple[ApiToken, str]:
    """The actor's own read-only token, replacing (revoking) the one they had. Audited.
    Raises ApiTokenError: forbidden."""
    require(can_have_personal_token(actor), ApiTokenError, _("Sign in first."))
    # Lock the user's row: two clicks at once make one token, the other replaces it.
    User.objects.select_for_update().filter(pk=actor.pk).first()
    now = timezone.now()
    ApiToken.objects.filter(owner=actor, personal=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    token, secret = _insert(
        name=_("Personal token"),
        owner=actor,
        created_by=actor,
        personal=True,
        scopes=[ApiScope.READ.value],
        days=365,
    )
    record_audit(actor=actor, action="api_token.create_personal", target=token)
    return token, secret


@transaction.atomic
def revoke_api_token(*, actor: User, token_id: int) -> ApiToken:
    """Revoke a token at once (its next call gets 401): admins revoke any, a user their own
    personal token. Revoking twice changes nothing. Audited. Raises ApiTokenError:
    not_found."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    own = token is not None and token.personal and token.owner_id == actor.pk
    if token is None or not (can_manage_api_tokens(actor) or own):
        raise ApiTokenError("not_found", _("This token does not exist."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_audit(
            actor=actor, action="api_token.revoke", target=token, after={"name": token.name}
        )
    return token


# --- writes through the API -------------------------------------------------------------------


@dataclass(frozen=True)
class ApiWrite:
    status: int
    body: dict[str, Any]
    replayed: bool


def request_digest(data: Any, path: str) -> str:
    """What a write asked for, to tell a true replay from another request under the same key."""
    text = json.dumps({"path": path, "data": data}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _replay(row: ApiIdempotencyKey, digest: str) -> ApiWrite:
    if row.request_digest != digest:
        raise ApiTokenError(
            "key_conflict",
            _("This Idempotency-Key was already used for another request."),
            field="Idempotency-Key",
        )
    return ApiWrite(status=row.status, body=row.response, replayed=True)


# How long a key's first answer is kept for replays. Longer than any client's retry loop; the
# services behind the API keep their own keys for good (a ledger entry is never written twice).
KEEP_IDEMPOTENCY_KEYS = timedelta(days=7)


def forget_old_idempotency_keys(*, now: datetime | None = None) -> int:
    """Delete idempotency rows older than KEEP_IDEMPOTENCY_KEYS (a daily job), so the table
    does not grow with every write the API ever took."""
    cutoff = (now or timezone.now()) - KEEP_IDEMPOTENCY_KEYS
    deleted, _rows = ApiIdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@transaction.atomic
def perform_api_write(
    *,
    token: ApiToken,
    action: str,
    key: str,
    digest: str,
    write: Callable[[], tuple[models.Model, dict[str, Any]]],
    status: int = 201,
) -> ApiWrite:
    """Run one API write (`write` calls the domain service and returns the changed object
    and the answer's body) with its idempotency key and an audit row naming the token, all in
    one transaction.

    The key's row is inserted first: a concurrent request with the same key waits on it and,
    once the first commits, answers with the first answer; when the first fails, nothing is
    left and the second runs. Raises ApiTokenError key_conflict for the same key with
    another request, and whatever the domain service raises (then nothing is written)."""
    existing = ApiIdempotencyKey.objects.filter(token=token, key=key).first()
    if existing is not None:
        return _replay(existing, digest)
    row = ApiIdempotencyKey(token=token, key=key, action=action, request_digest=digest)
    if not insert_once(row):
        return _replay(ApiIdempotencyKey.objects.get(token=token, key=key), digest)
    target, body = write()
    row.status, row.response = status, body
    row.save(update_fields=["status", "response"])
    record_audit(
        actor=token.owner,
        action=f"api.{action}",
        target=target,
        after={
            "token": token.name,
            "token_id": token.pk,
            # who made the token, so a write for its owner is never taken for the owner's own
            "token_created_by_id": token.created_by_id,
            "idempotency_key": key,
        },
    )
    return ApiWrite(status=status, body=body, replayed=False)


def service_key(token: ApiToken, key: str) -> str:
    """The idempotency key handed to the domain service: the client's, scoped to the token
    so that two integrations choosing the same key never meet."""
    return f"api{token.pk}:{key}"
