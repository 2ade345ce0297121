"""`make bench`: labelpulse against hand-written DuckDB SQL on the same tables, in the same run.

First `benchmarks/startup.py`: `labelpulse --help` and `--version` as new processes, against
the interpreter's own start-up (a few seconds, at any size). Then, for each size (default 1M
and 10M events; LABELPULSE_BENCH_SIZES=100000 for a quick look) a demo organisation is
generated once and cached outside the repository (~/.cache/labelpulse), then:
- import: `import_file` of the NDJSON into a fresh database, against DuckDB's own
  `read_ndjson` straight into a table (no validation, no dedupe, no state): events/s and ratio;
- member report and members table: `labelpulse.metrics.report` against the same figures
  computed by hand-written SQL over the same state and event tables (median of repeated runs);
- then `benchmarks/reports.py` on those databases: every report over a month and a year, against
  hand-written SQL over the raw events and over the library's own tables, and the peak RSS;
- then `benchmarks/export.py`: the CLI's items export (CSV) of a year at the largest size, in a
  process of its own: rows, seconds and peak RSS;
- then `benchmarks/backends.py`: the same on DuckDB, PostgreSQL and ClickHouse, each against its
  own hand-written SQL (LABELPULSE_BENCH_BACKENDS, default all three; empty for none);
- then `benchmarks/ingest.py` at the smallest size: POST latency and sustained ingest with 50
  readers over HTTP, on DuckDB and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from benchmarks import backends, export, ingest, reports, startup
from benchmarks.baseline import member_report_sql, members_table_sql
from benchmarks.common import CACHE, END, TZ, demo_file, sizes_from_env
from benchmarks.http import bench_http, print_http
from labelpulse.ingest import import_file
from labelpulse.metrics import make_window, report
from labelpulse.store import connect
from labelpulse.store.duckdb import DuckDBStore

TARGETS = {"member report": 1.5, "members table": 1.5}
IMPORT_TARGET = 150_000


def timed(fn: Callable[[], Any], repeat: int) -> float:
    """Median wall time of `repeat` calls after one warm-up call, in seconds."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def bench_import(events: int, source: Path) -> tuple[float, float, Path]:
    db = CACHE / f"bench-{events}.duckdb"
    for stale in (db, Path(str(db) + ".wal")):
        stale.unlink(missing_ok=True)
    store = connect(str(db))
    start = time.perf_counter()
    summary = import_file(store, source)
    ours = time.perf_counter() - start
    store.close()
    if summary.stored != events:
        sys.exit(f"import stored {summary.stored:,} of {events:,} events: {summary.errors[:3]}")
    raw = duckdb.connect(":memory:")
    start = time.perf_counter()
    raw.execute(f"CREATE TABLE raw AS SELECT * FROM read_ndjson('{source}')")
    floor = time.perf_counter() - start
    raw.close()
    return ours, floor, db


def busiest_annotator(store: DuckDBStore, lo: int, hi: int) -> str:
    rows = store.query(
        "SELECT author FROM state WHERE completed_us >= $lo AND completed_us < $hi "
        "GROUP BY author ORDER BY count(*) DESC, author LIMIT 1",
        {"lo": lo, "hi": hi},
    )
    return str(rows.column("author")[0].as_py())


def bench_reports(db: Path, repeat: int) -> list[tuple[str, float, float]]:
    store = connect(str(db))
    assert isinstance(store, DuckDBStore)
    start, end = END - dt.timedelta(days=29), END
    window = make_window(start, end, TZ)
    member = busiest_annotator(store, window.lo_us, window.hi_us)
    con = store._con  # the same connection: the floor pays no extra connection cost

    def ours_member() -> Any:
        return report(store, "member", member=member, start=str(start), end=str(end), tz=TZ)

    def ours_members() -> Any:
        return report(store, "members", start=str(start), end=str(end), tz=TZ)

    results = [
        (
            "member report",
            timed(ours_member, repeat),
            timed(lambda: member_report_sql(con, member, window), repeat),
        ),
        (
            "members table",
            timed(ours_members, repeat),
            timed(lambda: members_table_sql(con, window), repeat),
        ),
    ]
    store.close()
    return results


def main() -> None:
    sizes = sizes_from_env()
    repeat = int(os.environ.get("LABELPULSE_BENCH_REPEAT", "20"))
    failed = not startup.run()
    print(f"labelpulse benchmarks · {os.cpu_count()} cores · DuckDB {duckdb.__version__}")
    print(f"{'size':>12}  {'what':<16} {'labelpulse':>12} {'floor':>12} {'ratio':>7}  target")
    for events in sizes:
        source = demo_file(events)
        ours, floor, db = bench_import(events, source)
        rate = events / ours
        ok = rate >= IMPORT_TARGET
        failed |= not ok
        print(
            f"{events:>12,}  {'import':<16} {rate:>8,.0f} ev/s {events / floor:>8,.0f} ev/s "
            f"{ours / floor:>6.2f}x  >= {IMPORT_TARGET:,} ev/s {'ok' if ok else 'MISSED'}",
            flush=True,
        )
        for what, mine, base in bench_reports(db, repeat):
            ratio = mine / base
            ok = ratio <= TARGETS[what]
            failed |= not ok
            print(
                f"{events:>12,}  {what:<16} {mine * 1000:>9.1f} ms {base * 1000:>9.1f} ms "
                f"{ratio:>6.2f}x  <= {TARGETS[what]}x {'ok' if ok else 'MISSED'}",
                flush=True,
            )
        if events == max(sizes):
            failed |= not print_http(events, bench_http(db))
    # Every report on the databases just imported, against its two floors.
    failed |= not reports.run(sizes, reports.database, *reports.rounds_from_env())
    # The items export of a year at the largest size, in a process of its own.
    failed |= not export.run(max(sizes), reports.database(max(sizes)))
    # Then each backend against its own hand-written SQL.
    budget = float(os.environ.get("LABELPULSE_BENCH_BUDGET", "60"))
    failed |= not backends.run(sizes, backends.backends_from_env(), repeat, budget)
    # Ingest over HTTP under load, at the smallest size (DuckDB and PostgreSQL).
    failed |= not ingest.run(min(sizes), backends.backends_from_env())
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
