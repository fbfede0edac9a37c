"""Django's Redis cache, with one redis-py client per server instead of one per call.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every cache call, and each
copies redis-py's table of reply parsers: about 70 µs of CPU a call. A request that reads its
session, checks two rate limits and a scan token makes five calls (issue 17). A redis-py client
is safe to share (each command borrows a connection from the pool), and Django's cache backends
are per thread already, so the client is kept beside the pool it wraps."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache.backends import redis


def shared_key(name: str) -> str:
    """A key in the shared cache, named after the database too: one Redis may serve several
    (a demo beside the benchmark), whose copies must not mix."""
    return f"{name}:{settings.DATABASES['default']['NAME']}"


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:  # as Django's `_get_connection_pool`, for this index
                self._pools[index] = self._pool_class.from_url(
                    self._servers[index], **self._pool_options
                )
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
