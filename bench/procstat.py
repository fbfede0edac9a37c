"""CPU time from /proc, the kernel's own accounting (psutil reads the same files).

`/proc/<pid>/stat` holds, in clock ticks (`SC_CLK_TCK`, 100 a second here), the CPU a process
has used in user and kernel mode (utime, stime: all its threads) and what its children that
exited and were waited for used (cutime, cstime). Requests per second on a shared two-core
machine move with whoever else is running; the CPU a request costs the process serving it
moves far less, which is why issue 17 sets its targets in it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TICK = 1.0 / os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


@dataclass(frozen=True)
class Stat:
    ppid: int
    own: float  # seconds: utime + stime
    reaped: float  # seconds: cutime + cstime


def stat(pid: int) -> Stat | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:  # gone, or not ours to read
        return None
    # The command name (field 2) is in parentheses and may contain spaces: split after it.
    fields = text[text.rindex(")") + 2 :].split()
    utime, stime, cutime, cstime = (int(f) for f in fields[11:15])
    return Stat(int(fields[1]), (utime + stime) * TICK, (cutime + cstime) * TICK)


def children(pid: int) -> list[int]:
    found = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            s = stat(int(entry.name))
            if s is not None and s.ppid == pid:
                found.append(int(entry.name))
    return found


def tree_cpu(master: int) -> float:
    """CPU seconds of a gunicorn master and its workers, including workers that have exited
    since it started (gunicorn recycles a worker after `max_requests`; the master reaps it and
    the kernel adds its time to the master's cutime/cstime), so a difference of two readings
    is exact across recycles. Workers are read before the master: one reaped in between would
    be counted twice, a window of microseconds once per ~2,000 requests per worker."""
    total = sum(s.own for s in map(stat, children(master)) if s is not None)
    top = stat(master)
    if top is None:
        raise RuntimeError(f"process {master} is gone")
    return total + top.own + top.reaped


def processes_cpu(pids: list[int]) -> dict[int, float]:
    """CPU seconds of each process still there (PostgreSQL backends, by pid)."""
    out = {}
    for pid in pids:
        s = stat(pid)
        if s is not None:
            out[pid] = s.own
    return out


def readable(pid: int) -> bool:
    return stat(pid) is not None
