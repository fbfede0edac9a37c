"""Tokens and a client that speaks to the API the way an integration does: a bearer token,
JSON bodies, an Idempotency-Key on every write."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from portal.models import ApiScope, Department, StudentProfile, User
from portal.services.api_tokens import create_api_token

ALL_SCOPES = list(ApiScope.values)


class Api:
    """A test client carrying one token."""

    def __init__(self, secret: str | None) -> None:
        self.client = Client()
        self.secret = secret

    def headers(self, key: str | None) -> dict[str, str]:
        headers = {}
        if self.secret is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {self.secret}"
        if key is not None:
            headers["HTTP_IDEMPOTENCY_KEY"] = key
        return headers

    def get(self, url: str, **params: Any) -> Any:
        return self.client.get(url, params, **self.headers(None))

    def post(self, url: str, data: Any = None, *, key: str | None = "auto") -> Any:
        key = uuid.uuid4().hex if key == "auto" else key
        body = data if isinstance(data, str) else json.dumps(data or {})
        return self.client.post(url, body, content_type="application/json", **self.headers(key))

    def send(self, method: str, url: str, data: Any = None) -> Any:
        if method == "GET":
            return self.get(url)
        return self.post(url, data)


def as_user(who: User | StudentProfile) -> User:
    return who.user if isinstance(who, StudentProfile) else who


@pytest.fixture
def token_for() -> Callable[..., str]:
    """The secret of a new token acting as `who` with `scopes` (default: all)."""

    def make(
        who: User | StudentProfile,
        scopes: list[str] | None = None,
        *,
        department: Department | None = None,
        days: int | None = None,
        name: str = "Test integration",
    ) -> str:
        _token, secret = create_api_token(
            actor=None,
            name=name,
            owner=as_user(who),
            scopes=ALL_SCOPES if scopes is None else scopes,
            department=department,
            days=days,
        )
        return secret

    return make


@pytest.fixture
def api_as(token_for) -> Callable[..., Api]:
    """A client with a token acting as `who` (None: no token at all)."""

    def make(who: User | StudentProfile | None, scopes: list[str] | None = None, **kw: Any) -> Api:
        return Api(None if who is None else token_for(who, scopes, **kw))

    return make
