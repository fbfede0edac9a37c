"""The scale benchmark (issues 9 and 17), on the database DATABASE_URL names, with production's
settings (bench.settings: config.settings.production plus the bare views' URLs).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench17 python bench/run.py
    python bench/run.py --smoke          # the tooling end to end in under a minute (small data)
    python bench/run.py --summary        # summary.md and the chart over every run so far

Fill the database first with `manage.py generate_scale_data` (`make bench` does both). The
run writes bench/results/<database>-<students>.md (and .json): the machine; every main page's
median and p95 server time, query count and ratio to the bare reference page per role; on
PostgreSQL, the award, redeem and check-in forms through gunicorn beside the bare view and
pgbench (worker CPU per request, throughput at saturation, p50/p99 at a fixed offered load,
how long the profile row stays locked), then check_ledger. The load part writes real,
consistent ledger entries (and bench events and rewards) into that database.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import shlex
import socket
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SMOKE_RESULTS = Path("/tmp/upas-bench-smoke")  # noqa: S108 (a scratch directory, on purpose)
SMOKE_PAGES = "Student dashboard|Admin dashboard|Leaderboard, public|History, all"


def setup() -> None:
    """Production's settings for this process and the gunicorn it starts: a fresh secret
    (sessions are signed with it in both), the hosts the test client and the clients use, the
    shared cache production requires."""
    # The repository, not bench/, goes first on the path: bench/ must not shadow a module.
    sys.path[0] = str(ROOT)
    if not os.environ.get("DATABASE_URL"):
        raise SystemExit(
            "Set DATABASE_URL to a database of its own (the run writes into it), e.g. "
            "postgres://postgres@127.0.0.1:5432/bench17."
        )
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["SECRET_KEY"] = "bench-only-" + secrets.token_urlsafe(48)
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    # Notifications are written as in production; their emails go nowhere (no mail server
    # here; an SMTP timeout per email would measure the network, not the portal).
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
    import django

    django.setup()
    from django.core.management import call_command

    # Production serves hashed static files from the manifest: templates need it to render.
    call_command("collectstatic", interactive=False, verbosity=0)


def check_ledger(when: str) -> str:
    """What `manage.py check_ledger` checks, as a sentence for the report."""
    from portal.selectors.ledger import find_ledger_mismatches, find_period_points_mismatches

    started = time.perf_counter()
    students = find_ledger_mismatches()
    periods = find_period_points_mismatches()
    took = time.perf_counter() - started
    if students or periods:
        verdict = (
            f"**{len(students)} students and {len(periods)} period totals do not match the "
            f"ledger** {when}."
        )
    else:
        verdict = (
            f"Ledger OK {when}: every balance, lifetime total and current period total "
            f"matches ({took:.1f} s)."
        )
    print(verdict)
    return verdict


def git_commit() -> str:
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    dirty = subprocess.run(
        # The results a run writes are not code: a second run in a row is still on HEAD.
        ["git", "status", "--porcelain", "--", "bench", "portal", "config", ":!bench/results"],  # noqa: S607
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    ).stdout.strip()
    return f"{sha} with uncommitted changes" if dirty else sha


def other_load_note() -> str:
    """Who else was using the CPUs, from `ps`: the timings are only as quiet as the machine."""
    try:
        out = subprocess.run(
            ["ps", "-eo", "pcpu,args", "--sort=-pcpu"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()[1:]
    except (OSError, subprocess.CalledProcessError):
        return ""
    busy = []
    for line in out:
        cpu, _, command = line.strip().partition(" ")
        if float(cpu or 0) < 20 or "bench/run.py" in command:
            continue
        busy.append(command.split()[0].rsplit("/", 1)[-1] + " " + " ".join(command.split()[1:3]))
    return ("other busy processes at the start: " + "; ".join(busy[:4]) + ".") if busy else ""


def machine() -> dict:
    """What the figures were measured on."""
    cpu_model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass

    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"

    import django

    return {
        "cpu_model": cpu_model,
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": version("gunicorn"),
        "psycopg": version("psycopg"),
        "settings": os.environ["DJANGO_SETTINGS_MODULE"]
        + " (config.settings.production + the bare views' URLs)",
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def smoke_problems(run: dict) -> list[str]:
    """What makes a smoke run fail: the tooling is broken, whatever the timings say."""
    from bench.report import write_figures

    problems = [f"page {p['name']} ({p['role']}): HTTP {p['status']}" for p in run["pages"]]
    problems = [text for text, p in zip(problems, run["pages"], strict=True) if p["status"] != 200]
    if run["pages"] and not any(p.get("reference") for p in run["pages"]):
        problems.append("the reference page was not timed")
    writes = run.get("writes")
    if writes:
        figures = write_figures(writes)
        for path, f in figures.items():
            if path == "pgbench":
                if not f["tps"] or f["hold_ms"] is None:
                    problems.append("pgbench gave no tps or no lock time")
                continue
            if f["errors"] or f["row_mismatches"]:
                problems.append(f"{path}: {f['errors']} errors, {f['row_mismatches']} mismatches")
            if not f["ok"] or f["cpu_ms"] is None or f["p99_ms"] is None:
                problems.append(f"{path}: no successful writes, CPU or open-loop latency")
            if f["unlocked"] or f["hold_ms"] is None:
                problems.append(f"{path}: {f['unlocked']} writes without a lock time")
    if run.get("ledger_check") and "Ledger OK" not in run["ledger_check"]:
        problems.append(run["ledger_check"])
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="timed requests per page")
    parser.add_argument("--budget", type=float, default=20.0, help="seconds per page at most")
    parser.add_argument(
        "--only",
        default="",
        help='pages whose name contains this (several: separate them with "|")',
    )
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument("--skip-load", action="store_true", help="no writes, no pgbench")
    parser.add_argument("--load-seconds", type=float, default=10.0, help="per saturation run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved saturation rounds")
    parser.add_argument("--clients", type=int, default=16, help="closed-loop clients")
    parser.add_argument("--rate", type=float, default=50.0, help="open loop: requests/s")
    parser.add_argument("--open-seconds", type=float, default=20.0, help="open loop: duration")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds per path, untimed")
    parser.add_argument(
        "--hot",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also one student / reward / event for everyone, and pgbench at 1 and hot",
    )
    parser.add_argument("--skip-http", action="store_true", help="no writes through gunicorn")
    parser.add_argument(
        "--http", action="store_true", help=argparse.SUPPRESS
    )  # issue 9's switch: HTTP is on by default now
    parser.add_argument(
        "--services",
        action="store_true",
        help="also issue 9's in-process service threads (1/4/16) against pgbench",
    )
    parser.add_argument("--threads", default="1,4,16", help="with --services")
    parser.add_argument(
        "--worker",
        default="",
        help="a command to run beside gunicorn during the writes (e.g. the task worker)",
    )
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (0: a free one)")
    parser.add_argument("--out", type=Path, default=None, help=f"default {RESULTS}")
    parser.add_argument("--summary", action="store_true", help="only rebuild the summary")
    parser.add_argument("--note", default="", help="a sentence for the results header")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="the tooling end to end, quickly: 4 pages, 1 round of 1.5 s, 2 s at 20/s, "
        f"results in {SMOKE_RESULTS}; exits 1 if anything is broken (not if slow)",
    )
    args = parser.parse_args()
    if args.summary:
        sys.path[0] = str(ROOT)
        from bench.report import summary

        print(summary(args.out or RESULTS))
        return
    if args.smoke:
        args.runs, args.budget = 3, 5.0
        args.only = args.only or SMOKE_PAGES
        args.load_seconds, args.rounds, args.warmup = 1.5, 1, 1.0
        args.rate, args.open_seconds = 20.0, 2.0  # a rate a loaded machine keeps up with
        args.hot = False
        args.out = args.out or SMOKE_RESULTS
    out = args.out or RESULTS
    load_before = os.getloadavg()
    setup()
    from django.db import connection

    from bench import load, pages, report

    students, entries = pages.ledger_size()
    vendor = connection.vendor
    with connection.cursor() as cursor:
        cursor.execute("select version()" if vendor == "postgresql" else "select sqlite_version()")
        version = cursor.fetchone()[0]
        planner = ""
        if vendor == "postgresql":
            cursor.execute("SHOW random_page_cost")
            planner = f"random_page_cost {cursor.fetchone()[0]}"
    database = "PostgreSQL " + version.split()[1] if vendor == "postgresql" else f"SQLite {version}"
    print(f"{database}: {students:,} students, {entries:,} ledger entries")
    run: dict = {
        "meta": {
            "vendor": vendor,
            "database": database,
            "planner": planner,
            "students": students,
            "entries": entries,
            "when": time.strftime("%Y-%m-%d %H:%M %Z"),
            "commit": git_commit(),
            "argv": shlex.join(sys.argv[1:]),
            "cpus": os.cpu_count(),
            "machine": machine(),
            "runs": args.runs,
            "budget_s": args.budget,
            "load_seconds": args.load_seconds,
            "load_before": load_before[0],
            "loadavg_before": list(load_before),
            "note": args.note
            or (
                "Smoke run: checks the tooling, not the portal; too short to judge targets."
                if args.smoke
                else ""
            ),
            "load_note": other_load_note()
            or "no other busy process seen at the start (the machine is shared, so timings "
            "still carry noise).",
        },
        "pages": [],
    }
    if not args.skip_pages:
        cast = pages.pick_cast()
        wanted = [part.strip().lower() for part in args.only.split("|")]
        chosen = [
            p for p in pages.main_pages(cast) if any(part in p.name.lower() for part in wanted)
        ]
        print(f"pages ({len(chosen)} and the reference page), {args.runs} runs each:")
        results = pages.measure_pages(cast, chosen, runs=args.runs, budget_s=args.budget)
        run["pages"] = [r.as_dict() for r in results]
    if vendor == "postgresql" and not args.skip_load:
        if args.services:
            threads = tuple(int(t) for t in args.threads.split(","))
            print("service throughput (in process):")
            run["load"] = [r.as_dict() for r in load.service_load(args.load_seconds, threads)]
            print("pgbench:")
            run["pgbench"] = [r.as_dict() for r in load.pgbench_runs(round(args.load_seconds))]
        if not args.skip_http:
            from bench.web import http_bench

            print("through HTTP (gunicorn), beside the bare view and pgbench:")
            run["writes"] = http_bench(
                seconds=args.load_seconds,
                rounds=args.rounds,
                clients=args.clients,
                rate=args.rate,
                open_seconds=args.open_seconds,
                warmup=args.warmup,
                hot=args.hot,
                port=args.port or free_port(),
                worker=args.worker,
            )
        run["ledger_check"] = check_ledger("after the load")
    load_after = os.getloadavg()
    run["meta"]["load_after"] = load_after[0]
    run["meta"]["loadavg_after"] = list(load_after)
    path = report.write_run(run, out)
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    if run.get("writes"):
        table, _everything = report.write_targets(run)
        print("\n".join(table))
    if args.smoke:
        problems = smoke_problems(run)
        for problem in problems:
            print(f"SMOKE FAILED: {problem}")
        if problems:
            raise SystemExit(1)
        print("smoke run: the tooling works end to end (timings from this run mean nothing).")


if __name__ == "__main__":
    main()
