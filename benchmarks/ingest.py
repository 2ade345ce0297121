"""Ingest over HTTP: POST latency by batch size, and sustained ingest with readers, per backend.

`python -m benchmarks.ingest` (also part of `make bench`). For each backend
(LABELPULSE_BENCH_BACKENDS, here DuckDB and PostgreSQL only; PostgreSQL is started as in
`benchmarks/backends.py`) a fresh database gets the demo organisation (`demo_file(n)`, n the
smallest of LABELPULSE_BENCH_SIZES, default 1,000,000 events), then a real `labelpulse serve`
(`benchmarks/http.py`'s `Server`) with an ingest token and a read token of the owner:

- POST latency: LABELPULSE_BENCH_POSTS (default 50) POST /api/events of 1, 50 and 5,000 new
  events each, one after the other on one keep-alive connection: p50 and p95;
- sustained: 1,000 events/s in batches of 50 (a batch every 50 ms, from 4 posting threads so
  that one slow answer does not hold back the next batch) for LABELPULSE_BENCH_SECONDS
  (default 60), while 50 readers (a thread and a connection each) ask for member reports of
  varied members without pause (LABELPULSE_BENCH_READERS to change how many). Reported: read
  and POST errors (must be 0), events lost (acknowledged but not stored, counted in the
  database afterwards; must be 0), the ingest rate achieved, POST p50/p99 and read p50/p99.

Exits 1 on any error or lost event.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field

from benchmarks.backends import Backend, backends_from_env, make_backend
from benchmarks.common import demo_file, sizes_from_env
from benchmarks.http import Client, Plan, Server, make_plan
from labelpulse.access import create_token
from labelpulse.ingest import import_file
from labelpulse.metrics import Directory
from labelpulse.store import connect

BACKENDS = ("duckdb", "postgres")
BATCHES = (1, 50, 5_000)
RATE = 1_000  # events per second
BATCH = 50
POSTERS = 4
# LABELPULSE_BENCH_READERS=0 measures what ingest sustains alone.
READERS = int(os.environ.get("LABELPULSE_BENCH_READERS", "50"))


@dataclass
class Latencies:
    """Seconds per request of one kind, and its failures."""

    values: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float) -> None:
        with self.lock:
            self.values.append(seconds)

    def fail(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)

    def pct(self, p: int) -> float:
        """The p-th percentile in ms (0 with no samples)."""
        if len(self.values) < 2:
            return self.values[0] * 1000 if self.values else 0.0
        return statistics.quantiles(self.values, n=100, method="inclusive")[p - 1] * 1000


class Events:
    """New events, never sent before: ids from a run mark and a counter, real members and
    projects, times on the data's last day (inside every reader's window)."""

    def __init__(self, mark: str, actors: list[str], projects: list[str], day: dt.date) -> None:
        self.mark = mark
        self._actors = actors
        self._projects = projects
        self._base = dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC)
        self.count = 0  # made so far
        self._lock = threading.Lock()

    def batch(self, size: int) -> bytes:
        with self._lock:
            first, self.count = self.count, self.count + size
        lines = []
        for n in range(first, first + size):
            when = self._base + dt.timedelta(seconds=n % 36_000)
            lines.append(
                json.dumps(
                    {
                        "id": f"{self.mark}-{n}",
                        "type": "annotation.submitted",
                        "time": when.isoformat().replace("+00:00", "Z"),
                        "actor": self._actors[n % len(self._actors)],
                        "project": self._projects[n % len(self._projects)],
                        "task": f"{self.mark}-t{n}",
                        "annotation": f"{self.mark}-a{n}",
                        "duration": 30 + n % 300,
                    }
                )
            )
        return ("\n".join(lines) + "\n").encode()


def post(client: Client, token: str, body: bytes) -> int:
    """POST a batch of NDJSON; the number of events stored, or raise."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"}
    client.conn.request("POST", "/api/events", body=body, headers=headers)
    response = client.conn.getresponse()
    answer = response.read()
    if response.status != 200:
        raise RuntimeError(f"POST /api/events: HTTP {response.status}: {answer[:300]!r}")
    stored: int = json.loads(answer)["stored"]
    return stored


@dataclass
class Setup:
    url: str
    plan: Plan
    ingest_token: str
    events: Events


def prepare(backend: Backend, size: int) -> Setup:
    """A fresh database of the demo organisation, a read plan and an ingest token."""
    url = backend.fresh(size)
    store = connect(url)
    try:
        print(f"  importing {size:,} demo events into {backend.name}", flush=True)
        summary = import_file(store, demo_file(size))
        if summary.stored != size:
            sys.exit(f"import stored {summary.stored:,} of {size:,} events: {summary.errors[:3]}")
        backend.settle(store)
        directory = Directory.load(store)
        owner = min(m for m, row in directory.members.items() if row["role"] == "owner")
        actors = sorted(m for m, row in directory.members.items() if row["role"] == "annotator")
        projects = sorted(directory.projects)
        ingest_token = create_token(store, owner, name="bench-ingest", scope="ingest")[1]
    finally:
        store.close()
    plan = make_plan(url, max(READERS, 1) * 20)
    events = Events(f"bench{time.time_ns()}", actors, projects, dt.date.fromisoformat(plan.end))
    return Setup(url, plan, ingest_token, events)


def post_latency(port: int, setup: Setup, size: int, count: int) -> Latencies:
    """`count` POSTs of `size` events, one after the other on one connection."""
    out = Latencies()
    client = Client(port, setup.ingest_token)
    try:
        post(client, setup.ingest_token, setup.events.batch(size))  # warm-up
        for _ in range(count):
            body = setup.events.batch(size)
            t0 = time.perf_counter()
            post(client, setup.ingest_token, body)
            out.add(time.perf_counter() - t0)
    finally:
        client.close()
    return out


@dataclass
class Sustained:
    posts: Latencies
    reads: Latencies
    sent: int
    acknowledged: int
    seconds: float


def sustained(port: int, setup: Setup, seconds: float) -> Sustained:
    """RATE events/s in batches of BATCH for `seconds`, with READERS readers meanwhile."""
    posts, reads = Latencies(), Latencies()
    counts = {"sent": 0, "acknowledged": 0}
    lock = threading.Lock()
    stop = threading.Event()
    interval = BATCH / RATE
    began = time.perf_counter() + 1.0  # every thread connected by then
    slots = int(seconds / interval)

    def poster(first: int) -> None:
        client = Client(port, setup.ingest_token)
        try:
            for slot in range(first, slots, POSTERS):
                delay = began + slot * interval - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                elif time.perf_counter() - began > seconds:
                    return  # the server falls behind: what was sent in time is the figure
                body = setup.events.batch(BATCH)
                with lock:
                    counts["sent"] += BATCH
                t0 = time.perf_counter()
                try:
                    stored = post(client, setup.ingest_token, body)
                except Exception as exc:  # counted, and the connection made anew
                    posts.fail(str(exc)[:200])
                    client.close()
                    client = Client(port, setup.ingest_token)
                    continue
                posts.add(time.perf_counter() - t0)
                with lock:
                    counts["acknowledged"] += stored
        finally:
            client.close()

    def reader(first: int) -> None:
        client = Client(port, setup.plan.token)
        members = setup.plan.members
        try:
            n = first
            while time.perf_counter() < began:
                time.sleep(0.01)
            while not stop.is_set():
                path = setup.plan.path(members[n % len(members)])
                n += READERS
                t0 = time.perf_counter()
                try:
                    client.get(path)
                except Exception as exc:  # counted, and the connection made anew
                    reads.fail(str(exc)[:200])
                    client.close()
                    client = Client(port, setup.plan.token)
                    continue
                reads.add(time.perf_counter() - t0)
        finally:
            client.close()

    threads = [threading.Thread(target=poster, args=(i,)) for i in range(POSTERS)]
    readers = [threading.Thread(target=reader, args=(i,)) for i in range(READERS)]
    for thread in threads + readers:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    stop.set()
    for thread in readers:
        thread.join()
    return Sustained(posts, reads, counts["sent"], counts["acknowledged"], elapsed)


def stored_of(url: str, mark: str) -> int:
    store = connect(url)
    try:
        rows = store.rows(
            "SELECT count(*) AS n FROM events WHERE id LIKE $prefix", {"prefix": f"{mark}-%"}
        )
    finally:
        store.close()
    return int(rows[0]["n"])


def _row(backend: str, what: str, figures: str) -> None:
    print(f"{backend:<10} {what:<28} {figures}", flush=True)


def bench_backend(name: str, size: int, posts: int, seconds: float) -> bool:
    """One backend's figures, printed as they come; True when nothing failed or was lost."""
    backend = make_backend(name)
    ok = True
    try:
        setup = prepare(backend, size)
        server = Server(setup.url)
        try:
            server.wait_ready()
            for batch in BATCHES:
                timing = post_latency(server.port, setup, batch, posts)
                _row(
                    name,
                    f"POST {batch:,} event(s)",
                    f"p50 {timing.pct(50):8.1f} ms   p95 {timing.pct(95):8.1f} ms   "
                    f"({posts} POSTs, {batch / statistics.median(timing.values):,.0f} ev/s)",
                )
            posted = setup.events.count
            run = sustained(server.port, setup, seconds)
        finally:
            server.stop()
        stored = stored_of(setup.url, setup.events.mark) - posted
        lost = run.acknowledged - stored
        errors = len(run.posts.errors) + len(run.reads.errors)
        ok = errors == 0 and lost == 0 and run.acknowledged == run.sent
        _row(
            name,
            f"sustained {RATE:,} ev/s, {seconds:g} s",
            f"{run.acknowledged / run.seconds:,.0f} ev/s achieved; {run.sent:,} sent, "
            f"{run.acknowledged:,} acknowledged, {stored:,} stored, {lost} lost",
        )
        _row(
            name,
            f"  POST {BATCH} ev under load",
            f"p50 {run.posts.pct(50):8.1f} ms   p99 {run.posts.pct(99):8.1f} ms   "
            f"errors {len(run.posts.errors)}",
        )
        _row(
            name,
            f"  member report x{READERS} readers",
            f"p50 {run.reads.pct(50):8.1f} ms   p99 {run.reads.pct(99):8.1f} ms   "
            f"errors {len(run.reads.errors)}   ({len(run.reads.values):,} reads, "
            f"{len(run.reads.values) / run.seconds:,.1f}/s)",
        )
        for error in (run.posts.errors + run.reads.errors)[:3]:
            print(f"           {error}", flush=True)
        backend.drop(setup.url)
    finally:
        backend.close()
    return ok


def run(size: int, names: list[str]) -> bool:
    """The benchmark on each of `names` that it covers; True when nothing failed or was lost."""
    seconds = float(os.environ.get("LABELPULSE_BENCH_SECONDS", "60"))
    posts = max(2, int(os.environ.get("LABELPULSE_BENCH_POSTS", "50")))
    names = [n for n in names if n in BACKENDS]
    if not names:
        return True
    print(
        f"labelpulse ingest benchmark · {os.cpu_count()} cores · {size:,} demo events · "
        f"{RATE:,} ev/s in batches of {BATCH} for {seconds:g} s with {READERS} readers",
        flush=True,
    )
    ok = True
    for name in names:
        ok &= bench_backend(name, size, posts, seconds)
    return ok


def main() -> None:
    size = min(sizes_from_env()) if os.environ.get("LABELPULSE_BENCH_SIZES") else 1_000_000
    sys.exit(0 if run(size, backends_from_env()) else 1)


if __name__ == "__main__":
    main()
