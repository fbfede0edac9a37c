"""An open-loop load generator: requests are sent on a fixed schedule whatever the answers do.

A closed loop (N clients, each sending its next request when the last one returns) slows down
with the server, so a slow server is offered less work and its latency looks better than a
user would see it ("coordinated omission"). Here a dispatcher hands request number i to a pool
of sender threads at t0 + i / rate, and each latency is counted from that scheduled time, not
from when a sender got to it: if every sender is busy (the server is behind), the wait is in
the figure, as it would be for the user. wrk2 measures the same way; this is ~80 lines of
Python instead of a C tool the Debian mirror does not carry.

`lag` is when a sender picked a request up, after its scheduled time. It shows whether the
client kept up: at a few ms it did; if it grows to the latencies themselves, the server was
behind (every sender waiting for an answer) or the client itself was starved of CPU."""

from __future__ import annotations

import queue
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from portal.exceptions import PortalError

from .load import Operation


@dataclass
class OpenLoopResult:
    rate: float
    seconds: float  # the schedule's length
    sent: int = 0
    ok: int = 0
    latencies_ms: list[float] = field(default_factory=list)  # from the scheduled time
    lags_ms: list[float] = field(default_factory=list)
    refused: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    unfinished: int = 0  # still out when the drain time ran out
    exhausted: int = 0  # the operation had no work left (StopIteration)
    elapsed: float = 0.0  # first send to last answer


def open_loop(
    op: Operation, *, rate: float, seconds: float, senders: int = 32, drain_s: float = 30.0
) -> OpenLoopResult:
    result = OpenLoopResult(rate, seconds)
    work: queue.SimpleQueue = queue.SimpleQueue()
    lock = threading.Lock()
    done = [0.0]

    def sender(index: int) -> None:
        rng = random.Random(10_000 + index)
        while (item := work.get()) is not None:
            due = item
            picked = time.perf_counter()
            outcome = "ok"
            try:
                op(index, rng)
            except StopIteration:
                outcome = "exhausted"
            except PortalError as exc:
                outcome = ("refused", exc.code)
            except Exception as exc:
                outcome = ("error", type(exc).__name__ + ": " + str(exc).splitlines()[0][:80])
            finished = time.perf_counter()
            with lock:
                result.lags_ms.append((picked - due) * 1000)
                done[0] = max(done[0], finished)
                if outcome == "ok":
                    result.ok += 1
                    result.latencies_ms.append((finished - due) * 1000)
                elif outcome == "exhausted":
                    result.exhausted += 1
                elif outcome[0] == "refused":
                    result.refused[outcome[1]] += 1
                else:
                    result.errors[outcome[1]] += 1

    threads = [threading.Thread(target=sender, args=(i,), daemon=True) for i in range(senders)]
    for t in threads:
        t.start()
    total = round(rate * seconds)
    start = time.perf_counter() + 0.05
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        work.put(due)
    result.sent = total
    for _ in threads:
        work.put(None)
    deadline = time.perf_counter() + drain_s
    for t in threads:
        t.join(max(0.0, deadline - time.perf_counter()))
    with lock:
        answered = result.ok + result.exhausted + sum(result.refused.values())
        result.unfinished = total - answered - sum(result.errors.values())
        if result.unfinished:
            result.errors["unfinished after the drain time"] += result.unfinished
        result.elapsed = max(done[0] - start, 0.0)
    return result
