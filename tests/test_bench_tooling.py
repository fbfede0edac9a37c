"""The benchmark's own parts that can be checked without running it (bench/README.md): the bare
views stay out of production's URLs, and the parsers and target marks say what they should.
The benchmark itself is not part of the test suite."""

from __future__ import annotations

import os
import time

import pytest
from django.urls import Resolver404, resolve

from bench import report
from bench.load import lock_hold, statement_latencies
from bench.locktimer import locks_profile
from bench.openloop import open_loop
from bench.procstat import stat, tree_cpu


@pytest.mark.parametrize("url", ["/_bench/bare/award/", "/_bench/bare/page/"])
def test_production_urls_do_not_mount_the_bare_views(settings, url):
    assert settings.ROOT_URLCONF == "config.urls"
    with pytest.raises(Resolver404):
        resolve(url)


def test_bench_urls_add_only_the_bare_views():
    from bench import urls as bench_urls
    from config import urls as portal_urls

    added = bench_urls.urlpatterns[: -len(portal_urls.urlpatterns)]
    assert [str(p.pattern) for p in added] == ["_bench/bare/award/", "_bench/bare/page/"]
    assert bench_urls.urlpatterns[len(added) :] == portal_urls.urlpatterns


@pytest.mark.parametrize(
    ("sql", "locks"),
    [
        ('SELECT "portal_studentprofile"."id" FROM "portal_studentprofile" WHERE id = %s '
         "FOR UPDATE", True),
        ('SELECT * FROM "portal_studentprofile" WHERE id = %s FOR NO KEY UPDATE', True),
        ('UPDATE "portal_studentprofile" SET "balance" = ("balance" + %s) WHERE id = %s', True),
        ("WITH t AS (INSERT INTO portal_transaction VALUES (1) RETURNING 1) "
         "UPDATE portal_studentprofile SET balance = balance + 1", True),
        ('SELECT "portal_studentprofile"."balance" FROM "portal_studentprofile"', False),
        ('SELECT * FROM "portal_reward" WHERE id = %s FOR UPDATE', False),
        ('INSERT INTO "portal_transaction" ("student_id") VALUES (%s)', False),
    ],
)  # fmt: skip
def test_lock_timer_knows_the_statements_that_lock_a_profile_row(sql, locks):
    assert locks_profile(sql) is locks


PGBENCH_OUT = """\
tps = 2562.309455 (without initial connection time)
statement latencies in milliseconds and failures:
         0.001           0  \\set sid random(:min_sid, :max_sid)
         0.073           0  BEGIN;
         0.183           0  SELECT balance FROM portal_studentprofile WHERE id = :sid FOR UPDATE;
         0.366           0  INSERT INTO portal_transaction
         0.322           0  UPDATE portal_studentprofile SET balance = balance + :points
         0.610           0  END;
"""


def test_pgbench_lock_hold_is_the_statements_after_the_lock():
    statements = statement_latencies(PGBENCH_OUT)
    assert len(statements) == 6
    assert lock_hold(statements) == pytest.approx(0.366 + 0.322 + 0.610)


def test_proc_stat_reads_cpu_of_this_process_and_its_tree():
    own = stat(os.getpid())
    assert own is not None and own.ppid == os.getppid()
    end = time.process_time() + 0.05
    while time.process_time() < end:
        pass
    assert tree_cpu(os.getpid()) >= own.own


def test_open_loop_sends_on_schedule_and_counts_from_it():
    def op(index, rng):
        time.sleep(0.005)

    result = open_loop(op, rate=100, seconds=0.3, senders=4)
    assert (result.sent, result.ok, dict(result.errors)) == (30, 30, {})
    assert min(result.latencies_ms) >= 5


def segment(path, *, cpu, per_second, hold, p99, mode="saturation", errors=None):
    answered = 1000
    return {
        "path": path,
        "variant": "random students",
        "mode": mode,
        "round": 1 if mode == "saturation" else 0,
        "rate": 50.0 if mode == "open loop" else None,
        "ok": answered,
        "answered": answered,
        "rows": answered,
        "per_second": per_second,
        "p50_ms": 1.0,
        "p99_ms": p99,
        "max_ms": p99,
        "refused": {},
        "errors": errors or {},
        "worker_cpu_s": cpu * answered / 1000,
        "db_cpu_s": 1.0,
        "worker_cpu_ms": cpu,
        "db_cpu_ms": 1.0,
        "hold_p50_ms": hold,
        "hold_p99_ms": hold,
        "wait_p50_ms": 0.1,
        "wait_p99_ms": 0.1,
        "unlocked": 0,
        "lag_p99_ms": 1.0,
    }


def test_write_targets_are_marked_against_the_bare_view():
    def both(path, cpu, per_second, hold, p99, errors=None):
        return [
            segment(path, cpu=cpu, per_second=per_second, hold=hold, p99=p99, errors=errors),
            segment(path, cpu=cpu, per_second=50, hold=hold, p99=p99, mode="open loop"),
        ]

    run = {
        "ledger_check": "Ledger OK after the load.",
        "writes": {
            "config": {"rate": 50.0, "clients": 16},
            "segments": [
                *both("bare", 10.0, 300, 2.0, 20),
                *both("award", 12.9, 230, 3.9, 99),  # every target just met
                *both("redeem", 13.1, 230, 3.9, 99),  # CPU over 1.3x
                *both("check-in", 12.0, 300, 3.0, 40, errors={"HTTP 500": 1}),
            ],
            "pgbench": [
                {"round": 1, "tps": 3000.0, "lock_hold_ms": 1.0, "db_cpu_ms": 0.5, "failed": 0}
            ],
        },
    }
    lines, everything = report.write_targets(run)
    rows = {line.split(" | ")[0].strip("| "): line for line in lines if line.startswith("| ")}
    assert rows["award"].endswith("| yes |")
    assert "1.31x **no**" in rows["redeem"] and rows["redeem"].endswith("| **no** |")
    assert "1 **no**" in rows["check-in"]
    assert not everything


def test_cpu_is_shown_saturated_and_at_the_steady_load_against_the_bare_view():
    def both(path, saturated, steady):
        return [
            segment(path, cpu=saturated, per_second=300, hold=2.0, p99=20),
            segment(path, cpu=steady, per_second=50, hold=2.0, p99=20, mode="open loop"),
        ]

    writes = {
        "config": {"rate": 50.0, "clients": 16},
        "segments": [*both("bare", 5.0, 6.0), *both("award", 7.0, 6.6)],
        "pgbench": [],
    }
    lines = report.cpu_by_load(report.write_figures(writes), writes["config"])
    rows = {line.split(" | ")[0].strip("| "): line for line in lines if line.startswith("| ")}
    assert rows["bare"] == "| bare | 5.00 |  | 1.00 | 6.00 |  | 1.00 |"
    assert rows["award"] == "| award | 7.00 | 1.40x | 1.00 | 6.60 | 1.10x | 1.00 |"
    assert "at 50/s ms" in lines[4]


def page_row(name, median, paired=None, reference=False, role="student"):
    row = {"name": name, "role": role, "url": "/", "status": 200, "reference": reference}
    row |= {"queries": 3, "sql_ms": 1.0, "median_ms": median, "p95_ms": median, "runs": 30}
    row |= {"slowest": []}
    return row | ({"paired_ref_ms": paired} if paired else {})


def test_a_page_divides_by_the_reference_timed_in_turns_with_it(tmp_path):
    """The run's reference rows (timed before and after all the pages) judged an earlier run's
    pages; a page timed in turns with the reference divides by that one instead."""
    refs = {"student": 8.0}
    paired = page_row("History", 30.0, paired=6.0)
    unpaired = page_row("History", 30.0)
    assert report.page_ratio(paired, refs) == 5.0
    assert report.page_ratio(unpaired, refs) == 3.75
    assert not report.page_meets(paired, refs)
    assert report.page_meets(unpaired, refs)

    meta = {"vendor": "postgresql", "database": "PostgreSQL", "students": 10, "entries": 1}
    meta |= {"when": "now", "commit": "c", "argv": "", "cpus": 2, "runs": 30, "budget_s": 20}
    meta |= {"load_before": 0.0, "load_after": 0.0, "load_note": ""}
    pages = [page_row("Reference: base template", 8.0, reference=True), paired]
    text = report.markdown({"meta": meta, "pages": pages})
    row = "| History | student | 200 | 3 | 30.0 | 30.0 | **5.0x** | 6.0 | 1.0 | 30 | **no** |"
    assert row in text
    assert "taking turns in blocks of five" in text
    text = report.markdown({"meta": meta, "pages": [pages[0], unpaired]})
    assert "| History | student | 200 | 3 | 30.0 | 30.0 | 3.8x | 1.0 | 30 | yes |" in text
    assert "before and after the pages" in text


@pytest.mark.django_db
def test_a_paired_page_times_the_reference_as_often_as_itself():
    from django.test import Client

    from bench.pages import Page, measure_page

    client = Client()
    page = Page("Sign-in", "anonymous", "/accounts/login/")
    reference = Page("Health", "anonymous", "/healthz", reference=True)
    result = measure_page(client, page, runs=7, warmup=1, paired=(client, reference))
    assert result.status == 200
    assert len(result.times_ms) == len(result.paired_ref_ms) == 7
    assert result.as_dict()["paired_ref_ms"] > 0
    alone = measure_page(client, page, runs=3, warmup=0)
    assert alone.paired_ref_ms == [] and "paired_ref_ms" not in alone.as_dict()
