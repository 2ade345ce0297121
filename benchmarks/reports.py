"""Every report against two hand-written floors, at each size, over a month and over a year.

`python -m benchmarks.reports` (also part of `make bench`). For each size (LABELPULSE_BENCH_SIZES,
default "1000000,10000000"; LABELPULSE_BENCH_REPORTS picks reports by name, default all) a
DuckDB database of the cached demo NDJSON (`bench-<n>.duckdb` in
the bench cache, imported when missing: delete it to import again), then for a 1-month (30 days)
and a 1-year (365 days) window ending 2026-10-31 in Europe/Berlin, every report: member (the
busiest annotator of the window, its `work` section included), members, reviewers, throughput,
insights, insights_projects, insights_daily, work, and the first page of items (50 rows, in the
library's order), also under a member filter (the same annotator: the items they worked on).

Each is `labelpulse.metrics.report(store, name, ...)` in-process, against (a) hand-written SQL
over the raw `events` table alone and (b) hand-written SQL over the tables the library maintains
(`benchmarks/floors/reports.py`), both on the store's own connection. Before anything is timed,
each floor's figures are checked equal to the report's (which also warms each up); a difference
is printed and fails the run. Then the three run alternately for LABELPULSE_BENCH_REPEAT rounds
(default 5; fewer once LABELPULSE_BENCH_REPORT_BUDGET seconds, default 30, have passed on one
comparison, after at least 3): the minimum of each, the least disturbed by the other agents of
a shared machine.

Targets (issue 13, checked at every size): a table report within 300 ms over a month and 1 s
over a year, the first page of items within 300 ms over any window; each within 1.5x of floor (b)
and faster than floor (a). At the largest size, every report (both windows) run once more in a
process of its own, whose peak RSS must stay under 2 GB (this process's own peak, with the
imports and the floors, is shown beside it). Exits 1 when one is missed.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import CACHE, END, TZ, demo_file, own_peak_rss_mb, sizes_from_env
from benchmarks.floors import pay as pay_floors
from benchmarks.floors.forecast import FORECAST_FLOORS
from benchmarks.floors.reports import FLOORS as REPORT_FLOORS
from benchmarks.floors.reports import Question, ReportFloor
from labelpulse.cli.demo_plans import plan_projects
from labelpulse.cli.pay_demo import demo_rates
from labelpulse.config import Settings
from labelpulse.ingest import import_file, ingest_records
from labelpulse.metrics import Window, make_window, report
from labelpulse.store import connect
from labelpulse.store.directory import Directory
from labelpulse.store.duckdb import DuckDBStore

# Issue 16's floors, each from its own module: the forecasts (FC), pay and its audit list (PAY).
FLOORS: tuple[ReportFloor, ...] = (*REPORT_FLOORS, *FORECAST_FLOORS, *pay_floors.FLOORS)

WINDOWS = {"1 month": 30, "1 year": 365}
TARGET_MS = {"1 month": 300.0, "1 year": 1000.0}
ITEMS_TARGET_MS = 300.0  # the first page of items, over any window
OWN_RATIO = 1.5  # within 1.5x of the floor over the library's own tables
RAW_RATIO = 1.0  # faster than the floor over raw events
RSS_TARGET_MB = 2048
SHOWN_DIFFERENCES = 10


@dataclass(frozen=True)
class Timing:
    """Minimum seconds of the library and its floors (None: that floor is not written yet)."""

    library: float
    raw: float
    maintained: float | None


def fastest(calls: list[Callable[[], Any]], repeat: int, budget: float) -> list[float]:
    """The minimum wall time of each call, run alternately (the check has warmed each up)."""
    best = [float("inf")] * len(calls)
    started = time.perf_counter()
    for round_ in range(repeat):
        if round_ >= 3 and time.perf_counter() - started > budget:
            break
        for i, call in enumerate(calls):
            start = time.perf_counter()
            call()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def busiest_annotator(con: Any, window: Window) -> str:
    """The member who completed the most annotations in the window: the member report's subject."""
    row = con.execute(
        "SELECT actor FROM events WHERE type IN ('annotation.submitted', 'annotation.updated', "
        "'annotation.skipped') AND time_us >= $lo AND time_us < $hi "
        "GROUP BY actor ORDER BY count(*) DESC, actor LIMIT 1",
        {"lo": window.lo_us, "hi": window.hi_us},
    ).fetchone()
    return str(row[0])


def database(events: int) -> Path:
    """The size's benchmark database, imported from the demo NDJSON when it is missing."""
    db = CACHE / f"bench-{events}.duckdb"
    if not db.exists():
        source = demo_file(events)
        print(f"  importing {source.name} into {db}", flush=True)
        store = connect(str(db))
        summary = import_file(store, source)
        store.close()
        if summary.stored != events:
            sys.exit(f"import stored {summary.stored:,} of {events:,} events")
    with_pay_and_plans(db)
    return db


def with_pay_and_plans(db: Path) -> None:
    """The demo's pay rates and project plans (task counts, deadlines) in the benchmark's
    database, once: `labelpulse demo` adds them after its import, and without them the pay
    reports would price nothing and every forecast would be "no data"."""
    store = connect(str(db))
    try:
        if store.rows("SELECT count(*) AS n FROM rates")[0]["n"] == 0:
            directory = Directory.load(store)
            ingest_records(store, demo_rates(directory, END - dt.timedelta(days=400)))
            plan_projects(store, Settings(timezone=TZ), END)
    finally:
        store.close()


def ask(store: DuckDBStore, floor: ReportFloor, q: Question) -> dict[str, Any]:
    """The library's report of `floor`, over the question's window."""
    return report(
        store,
        floor.report,
        start=q.window.start.isoformat(),
        end=q.window.end.isoformat(),
        tz=TZ,
        settings=Settings(fix_accept_credit=q.credit),
        **floor.library_args(q),
    )


def questions(con: Any) -> list[tuple[str, Question]]:
    """Each window's question, about the window's busiest annotator."""
    found = []
    for label, days in WINDOWS.items():
        window = make_window(END - dt.timedelta(days=days - 1), END, TZ)
        found.append((label, Question(con, window, busiest_annotator(con, window), 0.5)))
    return found


def check(floor: ReportFloor, store: DuckDBStore, q: Question) -> tuple[list[str], bool]:
    """The figures on which either floor disagrees with the library's report over one window
    (empty when both agree), and whether floor (b) is written. Each call also warms each up."""
    library = ask(store, floor, q)
    wrong = [f"floor over raw events: {d}" for d in floor.raw_differences(floor.raw(q), library)]
    maintained = floor.maintained(q)
    if maintained is not None:
        found = floor.maintained_differences(maintained, library)
        wrong += [f"floor over maintained tables: {d}" for d in found]
    return wrong, maintained is not None


def compare(
    floor: ReportFloor, store: DuckDBStore, q: Question, repeat: int, budget: float
) -> Timing | list[str]:
    """The timings of one report over one window, or the differences that stop them."""
    wrong, written = check(floor, store, q)
    if wrong:
        return wrong
    calls: list[Callable[[], Any]] = [lambda: ask(store, floor, q), lambda: floor.raw(q)]
    if written:
        calls.append(lambda: floor.maintained(q))
    times = fastest(calls, repeat, budget)
    return Timing(times[0], times[1], times[2] if written else None)


def target_ms(floor: ReportFloor, window: str) -> float:
    return ITEMS_TARGET_MS if floor.report == "items" else TARGET_MS[window]


def header() -> None:
    print(
        f"{'size':>12}  {'window':<8} {'report':<17} {'labelpulse':>11} {'floor raw':>11} "
        f"{'ratio':>6} {'floor own':>11} {'ratio':>6}  target",
        flush=True,
    )


def chosen_floors() -> tuple[ReportFloor, ...]:
    """The floors LABELPULSE_BENCH_REPORTS names (comma-separated, e.g. "member,items by
    member"), every one when it is unset or empty."""
    names = [n.strip() for n in os.environ.get("LABELPULSE_BENCH_REPORTS", "").split(",")]
    names = [n for n in names if n]
    unknown = [n for n in names if n not in {f.name for f in FLOORS}]
    if unknown:
        sys.exit(
            f"LABELPULSE_BENCH_REPORTS: unknown {unknown}; {', '.join(f.name for f in FLOORS)}"
        )
    return tuple(f for f in FLOORS if not names or f.name in names)


def bench_size(events: int, db: Path, repeat: int, budget: float) -> bool:
    """Every report at one size over both windows, one line each; False when a target is missed."""
    store = connect(str(db))
    assert isinstance(store, DuckDBStore)
    con = store._con  # the store's own connection: the floors pay no connection of their own
    ok = True
    for label, q in questions(con):
        for floor in chosen_floors():
            found = compare(floor, store, q, repeat, budget)
            lead = f"{events:>12,}  {label:<8} {floor.name:<17}"
            if isinstance(found, list):
                ok = False
                print(f"{lead} figures differ ({len(found)}):", flush=True)
                for line in found[:SHOWN_DIFFERENCES]:
                    print(f"    {line}", flush=True)
                continue
            limit = target_ms(floor, label)
            raw_ratio = found.library / found.raw
            met = found.library * 1000 <= limit and raw_ratio < RAW_RATIO
            own, target = f"{'—':>11} {'':>6}", f"<= {limit:.0f} ms, < {RAW_RATIO}x raw"
            if found.maintained is not None:
                own_ratio = found.library / found.maintained
                met &= own_ratio <= OWN_RATIO
                own = f"{found.maintained * 1000:>8.1f} ms {own_ratio:>5.2f}x"
                target += f", <= {OWN_RATIO}x own"
            ok &= met
            print(
                f"{lead} {found.library * 1000:>8.1f} ms {found.raw * 1000:>8.1f} ms "
                f"{raw_ratio:>5.2f}x {own}  {target} {'ok' if met else 'MISSED'}",
                flush=True,
            )
    store.close()
    return ok


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def every_report(db: str) -> None:
    """Run every report once over each window, no floor, then print this process's peak RSS
    (MB): the library's own memory, for `reports_rss_ok` to run in a process of its own."""
    store = connect(db)
    assert isinstance(store, DuckDBStore)
    for _, q in questions(store._con):
        for floor in FLOORS:
            ask(store, floor, q)
    store.close()
    print(own_peak_rss_mb())


def reports_rss_ok(events: int, db: Path) -> bool:
    """Peak RSS of every report in a fresh process, and of this one; False when the reports'
    passed the target. In this process the floors' and the imports' memory count too, so the
    reports are measured alone (the same code, run by the same interpreter)."""
    code = f"from benchmarks.reports import every_report; every_report({str(db)!r})"
    ran = subprocess.run(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, check=True
    )
    reports_mb = float(ran.stdout.split()[-1])
    ok = reports_mb < RSS_TARGET_MB
    print(
        f"{events:>12,}  peak RSS: every report in a process of its own {reports_mb:,.0f} MB "
        f"< {RSS_TARGET_MB:,} MB {'ok' if ok else 'MISSED'}; this process (imports, reports "
        f"and floors) {peak_rss_mb():,.0f} MB",
        flush=True,
    )
    return ok


def run(sizes: list[int], db_of: Callable[[int], Path], repeat: int, budget: float) -> bool:
    """Every size's reports, then the reports' peak RSS at the largest; False when any target
    is missed."""
    header()
    ok = True
    for events in sizes:
        ok &= bench_size(events, db_of(events), repeat, budget)
    return reports_rss_ok(max(sizes), db_of(max(sizes))) and ok


def rounds_from_env() -> tuple[int, float]:
    """LABELPULSE_BENCH_REPEAT (default 5) and LABELPULSE_BENCH_REPORT_BUDGET (default 30 s)."""
    repeat = int(os.environ.get("LABELPULSE_BENCH_REPEAT", "5"))
    return repeat, float(os.environ.get("LABELPULSE_BENCH_REPORT_BUDGET", "30"))


def main() -> None:
    sys.exit(0 if run(sizes_from_env(), database, *rounds_from_env()) else 1)


if __name__ == "__main__":
    main()
