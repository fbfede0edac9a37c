"""Start several service calls at the same moment, each in its own thread with its own
database connection."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Hashable
from typing import Any

from django.db import close_old_connections, connection

from portal.exceptions import PortalError


def run_at_once(
    jobs: list[Callable[[], Any]], *, outcome: Callable[[Any], Hashable] | None = None
) -> Counter[Hashable]:
    """Start every job at the same moment, each in its own thread and connection; count outcomes
    ("ok", or `outcome` of what the job returned, e.g. a response's status code; a PortalError
    code, or the name of any other exception)."""
    barrier = threading.Barrier(len(jobs))
    outcomes: Counter[Hashable] = Counter()
    lock = threading.Lock()

    def worker(job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            returned = job()
            result = outcome(returned) if outcome else "ok"
        except PortalError as exc:
            result = exc.code
        except Exception as exc:
            result = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            outcomes[result] += 1

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    close_old_connections()
    return outcomes
