"""An items export at the largest size: `labelpulse report items --format csv` over a year.

`python -m benchmarks.export` (also part of `make bench`, after `benchmarks/reports.py`): the
CLI's own command over the 1-year (365 days) window ending 2026-10-31 in Europe/Berlin, on the
benchmark database of the largest size (LABELPULSE_BENCH_SIZES; `benchmarks/reports.py`
imports it when missing), run in a process of its own that then prints its peak RSS. Prints
the rows written, the seconds (the whole command, its start-up included) and the peak RSS
against issue 13's target, an items export of 3.5M rows under 500 MB; the rows written must be
the report's `total_rows`. Exits 1 when either is missed.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import CACHE, END, TZ, own_peak_rss_mb, sizes_from_env

RSS_TARGET_MB = 500
DAYS = 365


def window() -> tuple[str, str]:
    """The first and last day of the year ending at the demo's last day."""
    return str(END - dt.timedelta(days=DAYS - 1)), str(END)


def export(db: str, output: str) -> None:
    """The CLI's export of the year's items to `output` as CSV, then this process's peak RSS
    (MB): what `run` starts in a process of its own."""
    from labelpulse.cli import app

    start, end = window()
    app(
        ["--db", db, "report", "items", "--from", start, "--to", end, "--tz", TZ,
         "--format", "csv", "--output", output],
        standalone_mode=False,
    )  # fmt: skip
    print(own_peak_rss_mb())


def written_rows(output: Path) -> int:
    """The item rows of an items CSV: the lines before the blank one, less the header."""
    rows = -1
    with output.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                break
            rows += 1
    return rows


def total_rows(db: Path) -> int:
    """The report's own count of the year's items (a page of none)."""
    from labelpulse.metrics import report
    from labelpulse.metrics.paging import make_paging
    from labelpulse.metrics.registry import SPECS
    from labelpulse.store import connect

    store = connect(str(db))
    start, end = window()
    try:
        paging = make_paging(SPECS["items"], limit=0)
        data = report(store, "items", start=start, end=end, tz=TZ, paging=paging)
        return int(data["page"]["total_rows"])
    finally:
        store.close()


def run(events: int, db: Path) -> bool:
    """The export at `events` events; False when its peak RSS or its rows miss."""
    with tempfile.TemporaryDirectory(dir=CACHE) as folder:
        output = Path(folder) / "items.csv"
        code = f"from benchmarks.export import export; export({str(db)!r}, {str(output)!r})"
        started = time.perf_counter()
        ran = subprocess.run(
            [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, check=True
        )
        seconds = time.perf_counter() - started
        peak_mb = float(ran.stdout.split()[-1])
        rows = written_rows(output)
    expected = total_rows(db)
    ok = peak_mb < RSS_TARGET_MB and rows == expected
    print(
        f"{events:>12,}  items export, 1 year, CSV: {rows:,} rows (report: {expected:,}) in "
        f"{seconds:,.1f} s, peak RSS {peak_mb:,.0f} MB < {RSS_TARGET_MB} MB "
        f"{'ok' if ok else 'MISSED'}",
        flush=True,
    )
    return ok


def main() -> None:
    from benchmarks.reports import database

    events = max(sizes_from_env())
    sys.exit(0 if run(events, database(events)) else 1)


if __name__ == "__main__":
    main()
