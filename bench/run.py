"""The scale benchmark (issue 9), on the database DATABASE_URL names, as the portal would use it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench9 python bench/run.py
    python bench/run.py --summary        # summary.md and the chart over every size run so far

Fill the database first with `manage.py generate_scale_data`. The run writes
bench/results/<database>-<students>.md (and .json): every main page's median and p95 server
time and query count per role, and on PostgreSQL the throughput of the award, redeem and
check-in services with 1, 4 and 16 threads against pgbench, then check_ledger. The load part
writes real, consistent ledger entries (and bench events and rewards) into that database.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def setup() -> None:
    # The repository, not bench/, goes first on the path: bench/ must not shadow a module.
    sys.path[0] = str(ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")
    # Production-like: no query log kept per request, no debug pages.
    os.environ.setdefault("DEBUG", "false")
    # Notifications are written as in production; their emails go nowhere (the development
    # console backend would print thousands of them from this process and skew the timings).
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
    import django

    django.setup()


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
        ["git", "status", "--porcelain", "--", "bench", "portal", ":!bench/results"],  # noqa: S607
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
    parser.add_argument("--skip-load", action="store_true", help="no service load or pgbench")
    parser.add_argument("--load-seconds", type=float, default=10.0)
    parser.add_argument("--threads", default="1,4,16")
    parser.add_argument(
        "--http", action="store_true", help="also through gunicorn (PostgreSQL; 16 clients)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--summary", action="store_true", help="only rebuild the summary")
    parser.add_argument("--note", default="", help="a sentence for the results header")
    args = parser.parse_args()
    if args.summary:
        sys.path[0] = str(ROOT)
        from bench.report import summary

        print(summary(args.out))
        return
    setup()
    from django.db import connection

    from bench import load, pages, report
    from portal.services import period_points

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
    load_before = os.getloadavg()[0]
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
            "runs": args.runs,
            "budget_s": args.budget,
            "load_seconds": args.load_seconds,
            "load_before": load_before,
            "note": args.note,
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
        print(f"pages ({len(chosen)}), {args.runs} runs each:")
        results = pages.measure_pages(cast, chosen, runs=args.runs, budget_s=args.budget)
        run["pages"] = [r.as_dict() for r in results]
    if vendor == "postgresql" and not args.skip_load:
        threads = tuple(int(t) for t in args.threads.split(","))
        print("service throughput:")
        run["load"] = [r.as_dict() for r in load.service_load(args.load_seconds, threads)]
        if args.http:
            from bench.web import http_load

            print("through HTTP (gunicorn):")
            run["http"] = [r.as_dict() for r in http_load(args.load_seconds)]
        run["ledger_check"] = check_ledger("after the service and HTTP load runs")
        print("pgbench:")
        run["pgbench"] = [r.as_dict() for r in load.pgbench_runs(round(args.load_seconds))]
        # pgbench's raw entries bypass the ledger service, so its period totals too, as after
        # any bulk load; the balances it moves itself.
        period_points.rebuild_current()
        run["ledger_check"] += " " + check_ledger("after pgbench")
    run["meta"]["load_after"] = os.getloadavg()[0]
    path = report.write_run(run, args.out)
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    main()
