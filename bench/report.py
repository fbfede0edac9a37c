"""Markdown tables of one run against the issue 9 targets, and the summary over data sizes with
an SVG chart (hand-rolled: matplotlib is not a dependency and one chart does not justify it)
and the same chart as a PNG, drawn by headless chromium."""

from __future__ import annotations

import json
import math
import os
import re
from html import escape
from pathlib import Path

MEDIAN_MS, P95_MS, MAX_QUERIES = 50.0, 150.0, 12
RANDOM_SHARE, HOT_SHARE = 0.08, 0.07  # of pgbench with 16 clients


def _ok(flag: bool) -> str:
    return "yes" if flag else "**no**"


def page_meets(p: dict) -> bool:
    return p["median_ms"] < MEDIAN_MS and p["p95_ms"] < P95_MS and p["queries"] <= MAX_QUERIES


def _sql(sql: str, limit: int = 300) -> str:
    """One line, with a long column list elided: the FROM and WHERE are what matter."""
    sql = " ".join(sql.split())
    columns = re.match(r"(\(?SELECT )(.*?)( FROM .*)", sql)
    if columns and len(columns.group(2)) > 60:
        sql = columns.group(1) + "…" + columns.group(3)
    sql = sql if len(sql) <= limit else sql[: limit - 1] + "…"
    return sql.replace("|", "\\|")


def markdown(run: dict) -> str:
    meta = run["meta"]
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
        "Pages go through Django's test client with the full middleware and a signed-in "
        "database session (`config.settings.development` with DEBUG off), so the times are "
        "server time in one process: URL routing, session and user, queries, template "
        "rendering. Each page is warmed up twice; its queries are counted on one request; then "
        f"it is timed {meta['runs']} times (fewer when a page takes over "
        f"{meta['budget_s']:.0f} s, at least five). p95 is nearest-rank.",
        "",
        f"Targets (issue 9): median < {MEDIAN_MS:.0f} ms, p95 < {P95_MS:.0f} ms, at most "
        f"{MAX_QUERIES} queries per page.",
        "",
        "## Pages",
        "",
        "| page | role | status | queries | median ms | p95 ms | SQL ms | runs | meets targets |",
        "|---|---|---|--:|--:|--:|--:|--:|---|",
    ]
    for p in run["pages"]:
        lines.append(
            f"| {p['name']} | {p['role']} | {p['status']} | {p['queries']} | "
            f"{p['median_ms']:.1f} | {p['p95_ms']:.1f} | {p['sql_ms']:.1f} | {p['runs']} | "
            f"{_ok(page_meets(p))} |"
        )
    failing = [p for p in run["pages"] if not page_meets(p)]
    lines += [
        "",
        f"{len(run['pages']) - len(failing)} of {len(run['pages'])} pages meet every target.",
        "",
    ]
    slow = sorted(
        ((ms, p["name"], sql) for p in run["pages"] for ms, sql in p["slowest"]),
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
    if run.get("load"):
        lines += load_tables(run)
    lines += ["", "## check_ledger", "", run.get("ledger_check", "not run"), ""]
    return "\n".join(lines)


def load_tables(run: dict) -> list[str]:
    raw = {(r["variant"], r["clients"]): r["tps"] for r in run.get("pgbench", [])}
    reference = raw.get(("random students", 16))
    lines = [
        "",
        "## Service throughput (PostgreSQL)",
        "",
        "Each thread calls the service directly (no HTTP) with its own database connection, "
        f"for {run['meta']['load_seconds']} s; all threads share one Python process, so the "
        "GIL caps the Python part at one core, and PostgreSQL runs on the same two cores. "
        "`ok/s` counts completed calls; a refusal (a `PortalError`, e.g. a student out of "
        "points) is counted apart, and `errors` would hold deadlocks or anything unexpected. "
        f"Targets (issue 9, there through HTTP): random students at least {RANDOM_SHARE:.0%} "
        f"and a single hot row at least {HOT_SHARE:.0%} of pgbench with 16 clients "
        "(random students), p99 under 100 ms, no errors.",
        "",
        "| service | variant | threads | ok/s | p50 ms | p99 ms | refused | errors | "
        "% of pgbench (16) | meets |",
        "|---|---|--:|--:|--:|--:|---|---|--:|---|",
    ]
    lines += _throughput_rows(run["load"], reference)
    if run.get("http"):
        lines += [
            "",
            "## Through HTTP (gunicorn)",
            "",
            "`gunicorn -c gunicorn.conf.py config.wsgi` with the production settings (full "
            "middleware; HTTPS redirect, secure cookies and the admins' 2FA requirement off "
            "for plain HTTP on loopback), 16 client threads in the benchmark process on the same "
            "two cores, each with a keep-alive connection, a signed-in session and a CSRF "
            "token, posting the same htmx forms the pages post. A call counts when the answer "
            "carries the `points-changed` event.",
            "",
            "| service | variant | clients | ok/s | p50 ms | p99 ms | refused | errors | "
            "% of pgbench (16) | meets |",
            "|---|---|--:|--:|--:|--:|---|---|--:|---|",
        ]
        lines += _throughput_rows(run["http"], reference)
    lines += [
        "",
        "pgbench reference (`bench/pgbench_award.sql`: lock the profile row, insert the entry, "
        "update the balance; same database, same machine, same run):",
        "",
        "| variant | clients | tps | latency ms | failed |",
        "|---|--:|--:|--:|--:|",
    ]
    lines += [
        f"| {r['variant']} | {r['clients']} | {r['tps']:.0f} | {r['latency_ms']:.2f} | "
        f"{r['failed']} |"
        for r in run.get("pgbench", [])
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
    """summary.md (query counts and medians by data size) and latency-vs-size.svg; each run's
    Markdown is rewritten from its JSON too, so a change here reaches every result."""
    runs = load_runs(directory)
    for vendor_runs in runs.values():
        for run in vendor_runs:
            write_run(run, directory)
    lines = ["# Benchmark summary over data sizes", ""]
    lines.append(
        "Median server time (ms) and query count per page at each size; generated from the "
        "JSON files beside this one by `python bench/run.py --summary`. Per run details, "
        "conditions and targets are in each `<database>-<students>.md`."
    )
    for vendor_runs in runs.values():
        sizes = [r["meta"]["students"] for r in vendor_runs]
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
            for run in vendor_runs:
                match = next((p for p in run["pages"] if (p["name"], p["role"]) == key), None)
                cells.append(f"{match['median_ms']:.1f} ms, {match['queries']} q" if match else "")
                if match:
                    counts.append(match["queries"])
            constant = "yes" if len(set(counts)) == 1 else f"**no** ({', '.join(map(str, counts))})"
            lines.append(f"| {page['name']} | {page['role']} | {' | '.join(cells)} | {constant} |")
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
    panels = list(runs.items())
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
        slowest = sorted(vendor_runs[-1]["pages"], key=lambda p: p["median_ms"], reverse=True)[:8]
        for page in slowest:
            key = (page["name"], page["role"])
            series[f"{page['name']} ({page['role']})"] = [
                next((p["median_ms"] for p in r["pages"] if (p["name"], p["role"]) == key), None)
                for r in vendor_runs
            ]
        series["median of all pages"] = [
            sorted(p["median_ms"] for p in r["pages"])[len(r["pages"]) // 2] for r in vendor_runs
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
