"""What the benchmarks share: the cache of demo data, its last day and time zone, the sizes.

Every benchmark module imports this, never the runner (`benchmarks/__main__.py`), so that each
runs alone (`python -m benchmarks.backends`) and the runner can import them all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

from labelpulse import demo

CACHE = Path(os.environ.get("LABELPULSE_BENCH_CACHE", Path.home() / ".cache" / "labelpulse"))
END = dt.date(2026, 10, 31)
TZ = "Europe/Berlin"


def demo_file(events: int) -> Path:
    """The demo organisation's NDJSON with `events` events, generated once into the cache."""
    # Named by the generator's own source, so a changed generator never reuses a stale file.
    version = hashlib.sha1(Path(demo.__file__).read_bytes()).hexdigest()[:8]
    path = CACHE / f"demo-{events}-{version}.ndjson"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        members = max(24, events // 50_000)
        print(f"  generating {events:,} events for {members} members -> {path}", flush=True)
        partial = path.with_suffix(".partial")
        demo.write_ndjson(partial, members=members, days=365, events=events, seed=7, end=END)
        partial.rename(path)
    return path


def sizes_from_env() -> list[int]:
    """The numbers of events to run at: LABELPULSE_BENCH_SIZES, default 1M and 10M."""
    return [int(s) for s in os.environ.get("LABELPULSE_BENCH_SIZES", "1000000,10000000").split(",")]


def own_peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM) in MB. Not `ru_maxrss`: Linux carries the parent's peak
    over into a child through fork and exec, so a child's `ru_maxrss` is never below it."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError("no VmHWM in /proc/self/status")
