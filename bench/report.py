"""Markdown tables of one run against the targets (issue 9's pages, issue 17's pages and
writes), and the summary over data sizes with an SVG chart (hand-rolled: matplotlib is not a
dependency and one chart does not justify it) and the same chart as a PNG, drawn by headless
chromium. Everything is computed from the run's JSON, so `--summary` re-renders old runs."""

from __future__ import annotations

import json
import math
import os
import re
import statistics
from html import escape
from pathlib import Path

# Pages (issue 9, kept by issue 17): server time, queries, and against the bare reference page.
MEDIAN_MS, P95_MS, MAX_QUERIES, REFERENCE_RATIO = 50.0, 150.0, 12, 4.0
# Writes through HTTP against the bare view in the same run (issue 17).
CPU_RATIO, THROUGHPUT_SHARE, LOCK_RATIO, OPEN_P99_MS = 1.3, 0.75, 2.0, 100.0
PATHS = ("bare", "award", "redeem", "check-in")
# Issue 9's services table (bench/load.py, `--services`): shares of pgbench with 16 clients.
RANDOM_SHARE, HOT_SHARE = 0.08, 0.07


def _ok(flag: bool) -> str:
    return "yes" if flag else "**no**"


def _num(value: float | None, fmt: str = ".1f", missing: str = "n/a") -> str:
    return missing if value is None else format(value, fmt)


# --- pages --------------------------------------------------------------------------------------


# The divisor of every page's ratio: the reference page signed in as a student (a session and
# user to read, the navigation, the balance badge). The other roles' frames are timed and shown
# but not divided by: the anonymous one reads no session and costs next to nothing, which would
# make "4x the reference" a budget of a few milliseconds for public pages.
REFERENCE_ROLE = "student"
# Pages and that reference take turns in blocks of this many timed requests
# (`pages.measure_page`; `page_section` says "five").
PAIRED_BLOCK = 5


def references(run: dict) -> dict[str, float]:
    """The bare reference page's median per role, in this run."""
    return {p["role"]: p["median_ms"] for p in run["pages"] if p.get("reference")}


def page_ratio(p: dict, refs: dict[str, float]) -> float | None:
    """The page's median over the student's reference page's: the one timed in turns with this
    page where the run did that (`paired_ref_ms`), else the run's (earlier runs)."""
    ref = p.get("paired_ref_ms") or refs.get(REFERENCE_ROLE)
    return p["median_ms"] / ref if ref else None


def page_meets(p: dict, refs: dict[str, float] | None = None) -> bool:
    ratio = page_ratio(p, refs or {})
    return (
        p.get("status", 200) == 200
        and p["median_ms"] < MEDIAN_MS
        and p["p95_ms"] < P95_MS
        and p["queries"] <= MAX_QUERIES
        and (ratio is None or ratio <= REFERENCE_RATIO)
    )


def measured_pages(run: dict) -> list[dict]:
    return [p for p in run["pages"] if not p.get("reference")]


def _sql(sql: str, limit: int = 300) -> str:
    """One line, with a long column list elided: the FROM and WHERE are what matter."""
    sql = " ".join(sql.split())
    columns = re.match(r"(\(?SELECT )(.*?)( FROM .*)", sql)
    if columns and len(columns.group(2)) > 60:
        sql = columns.group(1) + "…" + columns.group(3)
    sql = sql if len(sql) <= limit else sql[: limit - 1] + "…"
    return sql.replace("|", "\\|")


def machine_lines(meta: dict) -> list[str]:
    m = meta.get("machine")
    if not m:
        return []
    loads = meta.get("loadavg_before"), meta.get("loadavg_after")
    load_text = " / ".join("-" if la is None else ", ".join(f"{x:.2f}" for x in la) for la in loads)
    return [
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        f"| CPU | {m.get('cpu_model', '?')}, {m.get('cpus', '?')} cores "
        f"({m.get('cpus_usable', '?')} usable by this process) |",
        f"| memory | {m.get('memory', '?')} |",
        f"| OS | {m.get('os', '?')} |",
        f"| Python / Django | {m.get('python', '?')} / {m.get('django', '?')} |",
        f"| gunicorn / psycopg | {m.get('gunicorn', '?')} / {m.get('psycopg', '?')} |",
        f"| database | {meta.get('database', '?')}"
        + (f", {meta['planner']}" if meta.get("planner") else "")
        + " |",
        f"| settings | {m.get('settings', '?')} |",
        f"| load average (1, 5, 15 min) before / after | {load_text} |",
        "",
    ]


def markdown(run: dict) -> str:
    meta = run["meta"]
    refs = references(run)
    production = bool(meta.get("machine"))
    lines = [
        f"# Benchmark: {meta['database']}, {meta['students']:,} students, "
        f"{meta['entries']:,} ledger entries",
        "",
        f"Run {meta['when']} at commit `{meta['commit']}` with `python bench/run.py "
        f"{meta['argv']}` on {meta['cpus']} cores"
        + (f" ({meta['planner']})" if meta.get("planner") else "")
        + ". Load average (1 min) "
        f"{meta['load_before']:.2f} before, {meta['load_after']:.2f} after; "
        f"{meta['load_note']}",
        "",
        *([meta["note"], ""] if meta.get("note") else []),
        *machine_lines(meta),
    ]
    if run["pages"]:
        lines += page_section(run, refs, production)
    if run.get("writes"):
        lines += write_section(run)
    if run.get("load"):
        lines += load_tables(run)
    if run.get("http") and not run.get("load"):
        lines += load_tables(run)
    if "ledger_check" in run or run.get("writes") or run.get("load"):
        lines += ["", "## check_ledger", "", run.get("ledger_check", "not run"), ""]
    return "\n".join(lines) + "\n"


def page_section(run: dict, refs: dict[str, float], production: bool) -> list[str]:
    meta = run["meta"]
    paired = any(p.get("paired_ref_ms") for p in run["pages"])
    settings_text = (
        "`bench.settings` (production's settings unchanged: DEBUG off, manifest static files, "
        "the Redis cache, 2FA required for admins, whose sessions are signed in as having "
        "passed it), requests as through the TLS proxy"
        if production
        else "`config.settings.development` (DEBUG off)"
    )
    lines = [
        "## Pages",
        "",
        "Pages go through Django's test client with the full middleware and a signed-in "
        f"session, with {settings_text}, so the times are server time in one process: URL "
        "routing, session and user, queries, template rendering. Each page is warmed up "
        "twice; its queries are counted on one request; then it is timed "
        f"{meta['runs']} times (fewer when a page takes over {meta['budget_s']:.0f} s, at "
        "least five). p95 is nearest-rank.",
        "",
    ]
    if refs:
        lines += [
            "`× ref` is the page's median over the median of the bare reference page (the "
            "base template alone, bench/views.py) signed in as a student"
            + (
                ", timed as many times as the page, the two taking turns in blocks of five "
                "(`ref ms`): the reference's own rows, timed before and after all the pages, "
                "moved by a third between runs on a shared host"
                if paired
                else ", timed in the same run before and after the pages"
            )
            + "; the other roles' frames are shown for comparison.",
            "",
        ]
    lines += [
        f"Targets: median < {MEDIAN_MS:.0f} ms, p95 < {P95_MS:.0f} ms, at most "
        f"{MAX_QUERIES} queries per page (issue 9)"
        + (f", median at most {REFERENCE_RATIO:g}x the reference's (issue 17)" if refs else "")
        + "; a page that does not answer 200 fails. A missed target is in bold.",
        "",
        "| page | role | status | queries | median ms | p95 ms | × ref | "
        + ("ref ms | " if paired else "")
        + "SQL ms | runs | meets targets |",
        "|---|---|---|--:|--:|--:|--:|" + ("--:|" if paired else "") + "--:|--:|---|",
    ]
    for p in run["pages"]:
        ratio = page_ratio(p, refs)
        ref = bool(p.get("reference"))
        verdict = "reference" if ref else _ok(page_meets(p, refs))

        def cell(text: str, over: bool, ref: bool = ref) -> str:
            return f"**{text}**" if over and not ref else text  # a missed target in bold

        median, p95 = f"{p['median_ms']:.1f}", f"{p['p95_ms']:.1f}"
        shown_ratio = "" if ref or ratio is None else cell(f"{ratio:.1f}x", ratio > REFERENCE_RATIO)
        lines.append(
            f"| {p['name']} | {p['role']} | {cell(str(p['status']), p['status'] != 200)} | "
            f"{cell(str(p['queries']), p['queries'] > MAX_QUERIES)} | "
            f"{cell(median, p['median_ms'] >= MEDIAN_MS)} | {cell(p95, p['p95_ms'] >= P95_MS)} | "
            f"{shown_ratio} | "
            + (f"{_num(p.get('paired_ref_ms'), '.1f', '')} | " if paired else "")
            + f"{p['sql_ms']:.1f} | {p['runs']} | {verdict} |"
        )
    pages = measured_pages(run)
    failing = [p for p in pages if not page_meets(p, refs)]
    lines += ["", f"{len(pages) - len(failing)} of {len(pages)} pages meet every target.", ""]
    slow = sorted(
        ((ms, p["name"], sql) for p in pages for ms, sql in p["slowest"]),
        reverse=True,
    )[:12]
    lines += [
        "## Slowest queries",
        "",
        "The slowest single queries seen on the counted request of each page.",
        "",
        "| ms | page | SQL |",
        "|--:|---|---|",
    ]
    lines += [f"| {ms:.1f} | {name} | `{_sql(sql)}` |" for ms, name, sql in slow]
    return lines


# --- writes through HTTP (issue 17) -------------------------------------------------------------


def write_figures(writes: dict) -> dict:
    """Per path, the figures the targets are judged on, from the run's segments."""
    segs = writes["segments"]
    figures: dict = {}
    for path in PATHS:
        mine = [s for s in segs if s["path"] == path]
        rounds = [
            s
            for s in mine
            if s["mode"] == "saturation" and s["variant"] == "random students" and s["round"]
        ]
        opened = next((s for s in mine if s["mode"] == "open loop"), None)
        if not rounds and not opened:
            continue
        answered = sum(s["answered"] for s in rounds)
        db = [s["db_cpu_s"] for s in rounds]
        problems = sum(sum(s["errors"].values()) for s in mine)
        mismatched = [s for s in mine if s["rows"] != s["ok"]]
        figures[path] = {
            "per_second": statistics.median(s["per_second"] for s in rounds) if rounds else None,
            "rounds_per_second": [s["per_second"] for s in rounds],
            "cpu_ms": sum(s["worker_cpu_s"] for s in rounds) * 1000 / answered
            if answered
            else None,
            "db_cpu_ms": sum(db) * 1000 / answered if answered and None not in db else None,
            "sat_hold_ms": statistics.median(
                s["hold_p50_ms"] for s in rounds if s["hold_p50_ms"] is not None
            )
            if any(s["hold_p50_ms"] is not None for s in rounds)
            else None,
            "hold_ms": opened["hold_p50_ms"] if opened else None,
            "open_cpu_ms": opened["worker_cpu_ms"] if opened else None,
            "open_db_cpu_ms": opened["db_cpu_ms"] if opened else None,
            "p99_ms": opened["p99_ms"] if opened and opened["ok"] else None,
            "open_rate": opened["rate"] if opened else None,
            "open_achieved": opened["per_second"] if opened else None,
            "errors": problems,
            "row_mismatches": len(mismatched),
            "refused": sum(sum(s["refused"].values()) for s in mine),
            "unlocked": sum(s["unlocked"] for s in mine),
            "ok": sum(s["ok"] for s in mine),
        }
    pg_rounds = [r for r in writes.get("pgbench", []) if r.get("round")]
    holds = [r["lock_hold_ms"] for r in pg_rounds if r.get("lock_hold_ms") is not None]
    pg_cpu = [r["db_cpu_ms"] for r in pg_rounds if r.get("db_cpu_ms") is not None]
    figures["pgbench"] = {
        "tps": statistics.median(r["tps"] for r in pg_rounds) if pg_rounds else None,
        "rounds_tps": [r["tps"] for r in pg_rounds],
        "hold_ms": statistics.median(holds) if holds else None,
        "db_cpu_ms": statistics.median(pg_cpu) if pg_cpu else None,
        "failed": sum(r["failed"] for r in pg_rounds),
    }
    return figures


def _ratio(value: float | None, reference: float | None) -> float | None:
    """`value` over `reference`, or None when either is missing or zero."""
    return value / reference if value and reference else None


def _verdict(value: float | None, limit: float, *, at_most: bool, suffix: str = "x") -> str:
    if value is None:
        return "n/a"
    met = value <= limit if at_most else value >= limit
    shown = f"{value:.0%}" if suffix == "%" else f"{value:.2f}{suffix}"
    return f"{shown} {_ok(met)}"


def write_targets(run: dict) -> tuple[list[str], bool]:
    """The issue 17 table: each portal path against the bare view and pgbench. Returns the
    lines and whether every target was met."""
    writes = run["writes"]
    fig = write_figures(writes)
    bare, pg = fig.get("bare"), fig["pgbench"]
    ledger_clean = "Ledger OK" in run.get("ledger_check", "") and "do not match" not in run.get(
        "ledger_check", ""
    )
    rate = writes["config"].get("rate", 50)
    clients = writes["config"].get("clients", 16)
    lines = [
        f"| path | worker CPU ms/request | vs bare (≤ {CPU_RATIO:g}x) | ok/s, {clients} "
        f"clients | vs bare (≥ {THROUGHPUT_SHARE:.0%}) | % of pgbench | profile lock held, "
        f"p50 ms | vs bare (≤ {LOCK_RATIO:g}x) | p99 ms at {rate:g}/s (< {OPEN_P99_MS:g}) "
        "| errors | all met |",
        "|---|--:|---|--:|---|--:|--:|---|---|--:|---|",
    ]
    everything = ledger_clean
    for path in PATHS:
        f = fig.get(path)
        if f is None:
            continue
        share_pg = _ratio(f["per_second"], pg["tps"])
        errors = f["errors"] + f["row_mismatches"]
        p99_text = _num(f["p99_ms"])
        if path == "bare" or bare is None:
            lines.append(
                f"| {'bare view (reference)' if path == 'bare' else path} | "
                f"{_num(f['cpu_ms'], '.2f')} | | {_num(f['per_second'], '.0f')} | | "
                f"{_num(share_pg, '.1%')} | {_num(f['hold_ms'], '.2f')} | | {p99_text} | "
                f"{errors} | |"
            )
            continue
        cpu = _ratio(f["cpu_ms"], bare["cpu_ms"])
        share = _ratio(f["per_second"], bare["per_second"])
        hold = _ratio(f["hold_ms"], bare["hold_ms"])
        p99_ok = f["p99_ms"] is not None and f["p99_ms"] < OPEN_P99_MS
        met = (
            cpu is not None
            and cpu <= CPU_RATIO
            and share is not None
            and share >= THROUGHPUT_SHARE
            and hold is not None
            and hold <= LOCK_RATIO
            and p99_ok
            and errors == 0
            and ledger_clean
        )
        everything = everything and met
        lines.append(
            f"| {path} | {_num(f['cpu_ms'], '.2f')} | {_verdict(cpu, CPU_RATIO, at_most=True)} | "
            f"{_num(f['per_second'], '.0f')} | "
            f"{_verdict(share, THROUGHPUT_SHARE, at_most=False, suffix='%')} | "
            f"{_num(share_pg, '.1%')} | {_num(f['hold_ms'], '.2f')} | "
            f"{_verdict(hold, LOCK_RATIO, at_most=True)} | {p99_text} {_ok(p99_ok)} | "
            f"{errors} {_ok(errors == 0)} | {_ok(met)} |"
        )
    lines.append(
        f"| pgbench (raw SQL) | | | {_num(pg['tps'], '.0f')} tps | | 100% | "
        f"{_num(pg['hold_ms'], '.2f')} (mean) | | | {pg['failed']} | |"
    )
    lines += [
        "",
        f"check_ledger after the load: {_ok(ledger_clean)} ({run.get('ledger_check', 'not run')})",
    ]
    resent = sum(s.get("resent", 0) for s in writes["segments"])
    if resent:
        lines += [
            "",
            f"Sent again on a new connection after a recycled gunicorn worker closed a kept-alive "
            f"one before answering, as a browser does (not counted as errors): {resent}.",
        ]
    return lines, everything


def write_section(run: dict) -> list[str]:
    writes = run["writes"]
    cfg = writes["config"]
    fig = write_figures(writes)
    table, everything = write_targets(run)
    lines = [
        "",
        "## Writes through HTTP against the bare view and pgbench (issue 17)",
        "",
        f"`{cfg['server']}`: {cfg.get('workers_seen', cfg.get('workers'))} workers x "
        f"{cfg['threads']} threads ({cfg['worker_class']}), the same database; "
        f"{cfg['clients']} client threads in the benchmark process on the same cores. "
        f"Saturation: {cfg['rounds']} interleaved rounds of {cfg['seconds']:g} s per path "
        "and for pgbench (the order rotates each round); ok/s is the median round, CPU per "
        "request is pooled over the rounds. Open loop: "
        f"{cfg['rate']:g} requests/s on a fixed schedule for {cfg['open_seconds']:g} s per "
        "path, split over the same rotating rounds and pooled, latency counted from each "
        "request's scheduled time. The profile lock is held from "
        "the statement that takes it to the COMMIT that releases it (`Bench-Lock` header; "
        "for pgbench, the mean of its statements after the lock, from `pgbench -r`); the "
        "target compares the open-loop medians. bench/README.md explains every column.",
        "",
        "Targets (issue 17): worker CPU per request at most "
        f"{CPU_RATIO:g}x the bare view's, throughput at least {THROUGHPUT_SHARE:.0%} of the "
        f"bare view's, the profile lock held at most {LOCK_RATIO:g}x as long, p99 under "
        f"{OPEN_P99_MS:g} ms at {cfg['rate']:g} writes/s, no errors, check_ledger clean.",
        "",
        *table,
        "",
        f"All write targets met: {_ok(everything)}.",
        "",
        *cpu_by_load(fig, cfg),
        "### Saturation, round by round",
        "",
        "| path | variant | round | ok/s | p50 ms | p99 ms | worker CPU ms/req | DB CPU "
        "ms/req | lock held p50 / p99 ms | lock wait p50 / p99 ms | refused | errors | "
        "ledger rows / ok |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|---|--:|",
    ]
    for s in writes["segments"]:
        if s["mode"] != "saturation":
            continue
        lines.append(_segment_row(s, round_cell=str(s["round"]) if s["round"] else "hot"))
    lines += [
        "",
        "### Open loop",
        "",
        "| path | offered/s | achieved/s | p50 ms | p99 ms | max ms | client lag p99 ms | "
        "worker CPU ms/req | DB CPU ms/req | lock held p50 / p99 ms | refused | errors | "
        "ledger rows / ok |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|--:|",
    ]
    for s in writes["segments"]:
        if s["mode"] != "open loop":
            continue
        lines.append(
            f"| {s['path']} | {s['rate']:g} | {s['per_second']:.1f} | {s['p50_ms']:.1f} | "
            f"{s['p99_ms']:.1f} | {s['max_ms']:.1f} | {_num(s['lag_p99_ms'])} | "
            f"{_num(s['worker_cpu_ms'], '.2f')} | {_num(s['db_cpu_ms'], '.2f')} | "
            f"{_num(s['hold_p50_ms'], '.2f')} / {_num(s['hold_p99_ms'], '.2f')} | "
            f"{_counts(s['refused'])} | {_counts(s['errors'])} | {s['rows']} / {s['ok']} |"
        )
    lines += [
        "",
        "### pgbench",
        "",
        "`bench/pgbench_award.sql` (lock the profile row, insert the entry, update the "
        "balance), same database, same run. Lock held: mean latency of the statements "
        "after `FOR UPDATE`, COMMIT included (`pgbench -r`). DB CPU per transaction: its "
        "backends' CPU between a quarter and nine tenths of the run, over the entries "
        "written meanwhile.",
        "",
        "| round | variant | clients | tps | latency ms | lock held ms | DB CPU ms/tx | failed |",
        "|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    for r in writes.get("pgbench", []):
        lines.append(
            f"| {r.get('round') or 'extra'} | {r['variant']} | {r['clients']} | {r['tps']:.0f} "
            f"| {r['latency_ms']:.2f} | {_num(r.get('lock_hold_ms'), '.2f')} | "
            f"{_num(r.get('db_cpu_ms'), '.3f')} | {r['failed']} |"
        )
    unlocked = sum(f["unlocked"] for k, f in fig.items() if k != "pgbench")
    if unlocked:
        lines += [
            "",
            f"**{unlocked} successful writes reported no profile lock**: the lock timer "
            "(bench/locktimer.py) did not recognise the statement that takes it; their "
            "lock times are missing from the figures.",
        ]
    if writes.get("worker"):
        w = writes["worker"]
        lines += [
            "",
            f"Task worker `{w['command']}` ran beside the server: {w['cpu_s']:.2f} s of CPU "
            "over the whole HTTP part (not in the per-request figures).",
        ]
    return lines


def cpu_by_load(fig: dict, cfg: dict) -> list[str]:
    """Each path's CPU per request saturated (what the target is judged on) beside the same
    figure at the open loop's fixed load, both against the bare view's. Shown, not judged:
    on a host whose cores the workers share with PostgreSQL and the clients, a saturated
    request costs more CPU than the same request at a steady load, and not by the same factor
    for every path (bench/README.md, "Fourteenth pass")."""
    bare = fig.get("bare")
    if bare is None:
        return []

    def against(value: float | None, reference: float | None) -> str:
        ratio = _ratio(value, reference)
        return "" if ratio is None else f"{ratio:.2f}x"

    lines = [
        "### Worker CPU per request, saturated and at a steady load",
        "",
        f"Saturated: the pooled rounds above ({cfg['clients']} clients). Steady: the open "
        f"loop's {cfg['rate']:g} requests/s. Not judged; the target is the saturated ratio.",
        "",
        f"| path | saturated ms | vs bare | DB ms | at {cfg['rate']:g}/s ms | vs bare | DB ms |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for path in PATHS:
        f = fig.get(path)
        if f is None:
            continue
        reference = path == "bare"
        lines.append(
            f"| {path} | {_num(f['cpu_ms'], '.2f')} | "
            f"{'' if reference else against(f['cpu_ms'], bare['cpu_ms'])} | "
            f"{_num(f['db_cpu_ms'], '.2f')} | {_num(f['open_cpu_ms'], '.2f')} | "
            f"{'' if reference else against(f['open_cpu_ms'], bare['open_cpu_ms'])} | "
            f"{_num(f['open_db_cpu_ms'], '.2f')} |"
        )
    return [*lines, ""]


def _counts(counter: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in counter.items()) or "0"


def _segment_row(s: dict, *, round_cell: str) -> str:
    return (
        f"| {s['path']} | {s['variant']} | {round_cell} | {s['per_second']:.0f} | "
        f"{s['p50_ms']:.1f} | {s['p99_ms']:.1f} | {_num(s['worker_cpu_ms'], '.2f')} | "
        f"{_num(s['db_cpu_ms'], '.2f')} | {_num(s['hold_p50_ms'], '.2f')} / "
        f"{_num(s['hold_p99_ms'], '.2f')} | {_num(s['wait_p50_ms'], '.2f')} / "
        f"{_num(s['wait_p99_ms'], '.2f')} | {_counts(s['refused'])} | {_counts(s['errors'])} "
        f"| {s['rows']} / {s['ok']} |"
    )


# --- issue 9's tables: the services in one process, and its HTTP runs (old results) -----------


def load_tables(run: dict) -> list[str]:
    raw = {(r["variant"], r["clients"]): r["tps"] for r in run.get("pgbench", [])}
    reference = raw.get(("random students", 16))
    lines = []
    if run.get("load"):
        lines += [
            "",
            "## Service throughput (PostgreSQL)",
            "",
            "Each thread calls the service directly (no HTTP) with its own database "
            f"connection, for {run['meta']['load_seconds']} s; all threads share one Python "
            "process, so the GIL caps the Python part at one core, and PostgreSQL runs on the "
            "same cores. `ok/s` counts completed calls; a refusal (a `PortalError`, e.g. a "
            "student out of points) is counted apart, and `errors` would hold deadlocks or "
            "anything unexpected. Targets (issue 9, there through HTTP): random students at "
            f"least {RANDOM_SHARE:.0%} and a single hot row at least {HOT_SHARE:.0%} of "
            "pgbench with 16 clients (random students), p99 under 100 ms, no errors.",
            "",
            "| service | variant | threads | ok/s | p50 ms | p99 ms | refused | errors | "
            "% of pgbench (16) | meets |",
            "|---|---|--:|--:|--:|--:|---|---|--:|---|",
        ]
        lines += _throughput_rows(run["load"], reference)
    if run.get("http"):
        lines += [
            "",
            "## Through HTTP (gunicorn), issue 9's runs",
            "",
            "`gunicorn -c gunicorn.conf.py config.wsgi` with the production settings (HTTPS "
            "redirect, secure cookies and the admins' 2FA requirement off for plain HTTP on "
            "loopback), 16 client threads in the benchmark process, each with a keep-alive "
            "connection, a signed-in session and a CSRF token, posting the same htmx forms "
            "the pages post. A call counts when the answer carries the `points-changed` event.",
            "",
            "| service | variant | clients | ok/s | p50 ms | p99 ms | refused | errors | "
            "% of pgbench (16) | meets |",
            "|---|---|--:|--:|--:|--:|---|---|--:|---|",
        ]
        lines += _throughput_rows(run["http"], reference)
    if run.get("pgbench"):
        lines += [
            "",
            "pgbench reference (`bench/pgbench_award.sql`: lock the profile row, insert the "
            "entry, update the balance; same database, same machine, same run):",
            "",
            "| variant | clients | tps | latency ms | failed |",
            "|---|--:|--:|--:|--:|",
        ]
        lines += [
            f"| {r['variant']} | {r['clients']} | {r['tps']:.0f} | {r['latency_ms']:.2f} | "
            f"{r['failed']} |"
            for r in run["pgbench"]
        ]
    return lines


def _throughput_rows(results: list[dict], reference: float | None) -> list[str]:
    lines = []
    for r in results:
        share = r["per_second"] / reference if reference else 0.0
        needed = RANDOM_SHARE if r["variant"] == "random students" else HOT_SHARE
        meets = (
            r["threads"] == 16
            and share >= needed
            and r["p99_ms"] < 100
            and not r["errors"]
            and r["ok"] > 0
        )
        refused = ", ".join(f"{k} {v}" for k, v in r["refused"].items()) or "0"
        errors = ", ".join(f"{k} {v}" for k, v in r["errors"].items()) or "0"
        lines.append(
            f"| {r['service']} | {r['variant']} | {r['threads']} | {r['per_second']:.0f} | "
            f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {refused} | {errors} | {share:.1%} | "
            f"{(_ok(meets) if r['threads'] == 16 else '')} |"
        )
    return lines


def write_run(run: dict, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{run['meta']['vendor']}-{run['meta']['students']}"
    (directory / f"{stem}.json").write_text(json.dumps(run, indent=1) + "\n")
    path = directory / f"{stem}.md"
    path.write_text(markdown(run))
    return path


# --- over data sizes ----------------------------------------------------------------------------


def load_runs(directory: Path) -> dict[str, list[dict]]:
    runs: dict[str, list[dict]] = {}
    for path in sorted(directory.glob("*.json")):
        run = json.loads(path.read_text())
        runs.setdefault(run["meta"]["vendor"], []).append(run)
    for vendor_runs in runs.values():
        vendor_runs.sort(key=lambda r: r["meta"]["students"])
    return runs


def summary(directory: Path) -> Path:
    """summary.md (query counts and medians by data size, the pages against the reference
    page, the writes against the bare view and pgbench) and latency-vs-size.svg; each run's
    Markdown is rewritten from its JSON too, so a change here reaches every result."""
    runs = load_runs(directory)
    for vendor_runs in runs.values():
        for run in vendor_runs:
            write_run(run, directory)
    lines = ["# Benchmark summary over data sizes", ""]
    lines.append(
        "Median server time (ms), query count and, where the run timed the bare reference "
        "page, the median as a multiple of the reference's (`x ref`: the one timed in turns "
        "with the page, where the run did so) per page at each size; "
        "generated from the JSON files beside this one by `python bench/run.py --summary`. "
        "Per run details, the machine, conditions and targets are in each "
        "`<database>-<students>.md`."
    )
    for vendor_runs in runs.values():
        sizes = [r["meta"]["students"] for r in vendor_runs]
        refs = [references(r) for r in vendor_runs]
        lines += [
            "",
            f"## {vendor_runs[-1]['meta']['database']}",
            "",
            "| page | role | "
            + " | ".join(f"{s:,} students" for s in sizes)
            + " | queries constant |",
            "|---|---|" + "--:|" * len(sizes) + "---|",
        ]
        for page in vendor_runs[-1]["pages"]:
            key = (page["name"], page["role"])
            cells, counts = [], []
            for run, ref in zip(vendor_runs, refs, strict=True):
                match = next((p for p in run["pages"] if (p["name"], p["role"]) == key), None)
                if match is None:
                    cells.append("")
                    continue
                ratio = None if match.get("reference") else page_ratio(match, ref)
                flag = "" if match.get("reference") or page_meets(match, ref) else " **over**"
                cells.append(
                    f"{match['median_ms']:.1f} ms, {match['queries']} q"
                    + (f", {ratio:.1f}x ref" if ratio is not None else "")
                    + flag
                )
                counts.append(match["queries"])
            constant = "yes" if len(set(counts)) == 1 else f"**no** ({', '.join(map(str, counts))})"
            lines.append(f"| {page['name']} | {page['role']} | {' | '.join(cells)} | {constant} |")
        for run in vendor_runs:
            if run.get("writes"):
                table, everything = write_targets(run)
                lines += [
                    "",
                    f"### Writes at {run['meta']['students']:,} students: the portal against "
                    "the bare view and pgbench, one run",
                    "",
                    f"Run {run['meta']['when']} at `{run['meta']['commit']}`; details in "
                    f"`{run['meta']['vendor']}-{run['meta']['students']}.md`.",
                    "",
                    *table,
                    "",
                    f"All write targets met: {_ok(everything)}.",
                ]
    lines += ["", "![Median server time by data size](latency-vs-size.png)", ""]
    svg = chart(runs)
    (directory / "latency-vs-size.svg").write_text(svg)
    write_png(svg, directory / "latency-vs-size.png")
    path = directory / "summary.md"
    path.write_text("\n".join(lines))
    return path


def write_png(svg: str, path: Path) -> None:
    """The chart as a PNG, drawn by the headless chromium the browser tests use (Playwright):
    matplotlib would be a dependency for one picture. Without a browser the SVG stays."""
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM", CHROMIUM))
            page = browser.new_page(device_scale_factor=2)
            page.set_content(f'<body style="margin:0;background:#fff">{svg}</body>')
            page.locator("svg").screenshot(path=str(path))
            browser.close()
    except Exception as exc:  # no browser here: say so, keep the SVG
        print(f"latency-vs-size.png not drawn ({type(exc).__name__}: {exc}); the SVG is there.")


CHROMIUM = "/usr/bin/chromium"
COLOURS = ["#1d4ed8", "#b91c1c", "#15803d", "#a16207", "#7c3aed", "#0e7490", "#be185d", "#475569"]


def chart(runs: dict[str, list[dict]], *, width: int = 860, height: int = 460) -> str:
    """Median ms against students (log scale), one panel per database: the eight pages slowest
    at the largest size, and the median over all pages."""
    panels = [
        (vendor, with_pages)
        for vendor, vendor_runs in runs.items()
        if (with_pages := [r for r in vendor_runs if measured_pages(r)])
    ]
    panel_w = width // max(1, len(panels))
    left, right, top, bottom = 56, 36, 40, 150
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    for n, (_vendor, vendor_runs) in enumerate(panels):
        x0 = n * panel_w
        plot_w, plot_h = panel_w - left - right, height - top - bottom
        sizes = [r["meta"]["students"] for r in vendor_runs]
        series: dict[str, list[float | None]] = {}
        slowest = sorted(
            measured_pages(vendor_runs[-1]), key=lambda p: p["median_ms"], reverse=True
        )[:8]
        for page in slowest:
            key = (page["name"], page["role"])
            series[f"{page['name']} ({page['role']})"] = [
                next((p["median_ms"] for p in r["pages"] if (p["name"], p["role"]) == key), None)
                for r in vendor_runs
            ]
        series["median of all pages"] = [
            sorted(p["median_ms"] for p in measured_pages(r))[len(measured_pages(r)) // 2]
            for r in vendor_runs
        ]
        peak = max((v for vs in series.values() for v in vs if v is not None), default=1.0)
        floor = min((v for vs in series.values() for v in vs if v is not None), default=1.0)
        # Log scales both ways: one slow page must not flatten the others.
        y_low = 10 ** math.floor(math.log10(max(floor, 1.0)))
        y_high = 10 ** math.ceil(math.log10(max(peak, y_low * 10)))
        low, high = math.log10(min(sizes)), math.log10(max(sizes))
        span = (high - low) or 1.0

        def x(
            size: float, x0: float = x0, low: float = low, span: float = span, plot_w: int = plot_w
        ) -> float:
            return x0 + left + (math.log10(size) - low) / span * plot_w

        def y(ms: float, lo: float = y_low, hi: float = y_high, plot_h: int = plot_h) -> float:
            share = (math.log10(max(ms, lo)) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
            return top + plot_h - share * plot_h

        db = escape(vendor_runs[-1]["meta"]["database"])
        parts.append(
            f'<text x="{x0 + left}" y="20" font-size="13" font-weight="bold">'
            f"{db}: median ms by students (log scales)</text>"
        )
        for ms in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000):
            if not y_low <= ms <= y_high:
                continue
            parts.append(
                f'<line x1="{x0 + left}" x2="{x0 + left + plot_w}" y1="{y(ms):.1f}" '
                f'y2="{y(ms):.1f}" stroke="#e2e8f0"/>'
                f'<text x="{x0 + left - 6}" y="{y(ms) + 4:.1f}" text-anchor="end">{ms:g}</text>'
            )
        for size in sizes:
            parts.append(
                f'<text x="{x(size):.1f}" y="{top + plot_h + 16}" text-anchor="middle">'
                f"{size:,}</text>"
            )
        parts.append(
            f'<line x1="{x0 + left}" x2="{x0 + left + plot_w}" y1="{y(50):.1f}" y2="{y(50):.1f}" '
            'stroke="#dc2626" stroke-dasharray="4 3"/>'
            f'<text x="{x0 + left + plot_w}" y="{y(50) - 4:.1f}" text-anchor="end" '
            'fill="#dc2626">target 50 ms</text>'
            if y_low <= 50 <= y_high
            else ""
        )
        for i, (label, values) in enumerate(series.items()):
            colour = "#000000" if label == "median of all pages" else COLOURS[i % len(COLOURS)]
            points = [(x(s), y(v)) for s, v in zip(sizes, values, strict=True) if v is not None]
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
            parts += [
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>' for px, py in points
            ]
            ly = top + plot_h + 34 + i * 13
            parts.append(
                f'<rect x="{x0 + left}" y="{ly - 8}" width="10" height="10" fill="{colour}"/>'
                f'<text x="{x0 + left + 15}" y="{ly + 1}">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
