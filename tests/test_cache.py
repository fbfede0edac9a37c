"""portal/cache.py: Django's Redis cache keeping one redis-py client per server, against the
Redis server the portal runs with (REDIS_URL, or the local default)."""

from __future__ import annotations

import os
import uuid

import pytest
import redis

from portal.cache import RedisCache

URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


@pytest.fixture
def cache():
    try:
        redis.Redis.from_url(URL, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis server at {URL}")
    backend = RedisCache(URL, {"KEY_PREFIX": f"test-cache-{uuid.uuid4().hex}"})
    yield backend
    backend.delete_many(["count", "data", "k"])  # a shared server: only this test's keys
    backend.close()


def test_it_works_as_djangos_redis_cache(cache):
    assert cache.add("count", 1, timeout=30)
    assert not cache.add("count", 5, timeout=30)
    assert cache.incr("count") == 2
    cache.set("data", {"a": [1, 2]}, timeout=30)
    assert cache.get_many(["count", "data", "absent"]) == {"count": 2, "data": {"a": [1, 2]}}
    assert cache.delete("data") and cache.get("data") is None


def test_one_client_serves_every_call(cache):
    client = cache._cache.get_client()
    assert cache._cache.get_client("any key", write=True) is client
    cache.set("k", 1, timeout=30)
    assert cache._cache.get_client() is client
    assert client.connection_pool is cache._cache._pools[0]


def test_each_server_has_its_own_client():
    backend = RedisCache(f"{URL};{URL}", {})
    writer = backend._cache.get_client(write=True)
    reader = backend._cache.get_client()  # reads go to the replicas (index 1 here)
    assert writer is not reader
    assert writer.connection_pool is backend._cache._pools[0]
    assert reader.connection_pool is backend._cache._pools[1]
    assert backend._cache.get_client() is reader
