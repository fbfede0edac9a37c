"""How long each request holds a student's profile row locked, reported in a
`Bench-Lock: <hold ms>;<wait ms>;<locks>` response header by a thin WSGI wrapper (bench.wsgi).

Every SQL statement on a request's database connection passes through a Django execute
wrapper. Inside a transaction, the first statement that locks a student profile row (a
`SELECT ... FROM portal_studentprofile ... FOR [NO KEY] UPDATE`, or an `UPDATE
portal_studentprofile`, the two ways SQL takes that row lock) starts the clock when it
returns: the lock is held from then on. A `transaction.on_commit` callback registered at that
moment stops it: Django runs it right after COMMIT returns, and COMMIT is what releases a row
lock. The time the locking statement itself took (waiting for another transaction's lock,
if any) is the wait. Both are wall-clock times in the worker, the time the row is unavailable
to every other transaction, however the service is written: the wrapper knows the table, not
the service. A transaction that rolls back reports nothing (a refusal).

The wrapper costs a few microseconds per statement and runs for every path alike, the bare
view included. Django's MIDDLEWARE are untouched."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connections, transaction

HEADER = "Bench-Lock"
PROFILE_TABLE = "portal_studentprofile"
LOCKS_ROW = re.compile(r"\bFOR\s+(NO\s+KEY\s+)?UPDATE\b", re.IGNORECASE)
UPDATES_TABLE = re.compile(rf'^\s*(WITH\b.*)?\bUPDATE\s+"?{PROFILE_TABLE}"?', re.I | re.S)


class _Request(threading.local):
    """Per worker thread: the locks of the request it is serving."""

    def reset(self) -> None:
        self.holding = False
        self.hold = 0.0
        self.wait = 0.0
        self.locks = 0


_request = _Request()


def locks_profile(sql: object) -> bool:
    if not isinstance(sql, str) or PROFILE_TABLE not in sql:
        return False
    return bool(LOCKS_ROW.search(sql) or UPDATES_TABLE.search(sql))


def time_profile_lock(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict
) -> Any:
    connection = context["connection"]
    watch = (
        connection.in_atomic_block and not getattr(_request, "holding", True) and locks_profile(sql)
    )
    started = time.perf_counter()
    result = execute(sql, params, many, context)
    if watch:
        locked = time.perf_counter()
        _request.holding = True
        _request.wait += locked - started

        def released() -> None:
            _request.hold += time.perf_counter() - locked
            _request.locks += 1
            _request.holding = False

        transaction.on_commit(released, using=connection.alias)
    return result


class LockTimer:
    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        _request.reset()
        wrappers = connections["default"].execute_wrappers
        if time_profile_lock not in wrappers:
            wrappers.append(time_profile_lock)

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if _request.locks:
                value = f"{_request.hold * 1000:.3f};{_request.wait * 1000:.3f};{_request.locks}"
                headers.append((HEADER, value))
            return start_response(status, headers, exc_info)

        return self.app(environ, start)
