"""PostgreSQL's CPU for the benchmark's own connections: the server backends serving this
database, found in pg_stat_activity, read from /proc (PostgreSQL on this machine only; on
another host, or where /proc does not show them, every figure is None).

The benchmark's own connection is left out. Backends that start during a measurement count
from zero (a new connection's setup is part of the cost); one that ends during it loses its
time (gunicorn keeps its connections for CONN_MAX_AGE, so that is a worker being recycled)."""

from __future__ import annotations

from django.db import connection

from .procstat import processes_cpu, readable

SIDE_PROCESS = "upas-bench-side"  # PGAPPNAME of a command run beside the server (--worker)


def backend_pids(application_name: str | None = None) -> list[int]:
    if connection.vendor != "postgresql":
        return []
    sql = (
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
    )
    params: list[str] = []
    if application_name is not None:
        sql += " AND application_name = %s"
        params.append(application_name)
    else:  # the web workers': not pgbench's, not a side process's (bench/web.py, --worker)
        sql += " AND application_name NOT IN (%s, %s)"
        params += ["pgbench", SIDE_PROCESS]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def visible() -> bool:
    """Whether this machine's /proc shows the database's backends (and we may read them)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return readable(cursor.fetchone()[0])


class DbCpu:
    """`start()` then `stop()`: CPU seconds the database's other backends used in between."""

    def __init__(self, application_name: str | None = None) -> None:
        self.application_name = application_name
        self.enabled = visible()
        self.before: dict[int, float] = {}

    def start(self) -> None:
        if self.enabled:
            self.before = processes_cpu(backend_pids(self.application_name))

    def stop(self) -> float | None:
        if not self.enabled:
            return None
        after = processes_cpu(backend_pids(self.application_name))
        return sum(cpu - self.before.get(pid, 0.0) for pid, cpu in after.items())
