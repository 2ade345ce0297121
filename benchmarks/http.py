"""The member report over HTTP: the real server, a read token, latency at concurrency 1 and 8.

`python -m labelpulse --db FILE serve` runs as a subprocess on a free port (stopped in every
case, errors included). The same requests (a 30-day window ending at the data's last day,
the member cycling through the demo's annotators and reviewers) go to
GET /api/members/{member}/report at concurrency 1 and at concurrency 8 (threads, one
keep-alive `http.client` connection each, so the client adds next to nothing), after a few
warm-up requests. The same-run baseline is `labelpulse.metrics.report(store, "member", ...)`
in-process for the same requests: HTTP / in-process shows what the web layer adds.

Called by `python -m benchmarks` at the largest selected size; alone,
`python -m benchmarks.http` runs it at every selected size (LABELPULSE_BENCH_SIZES), on a
database of its own in the cache (~/.cache/labelpulse/http-N.duckdb, imported again when the
demo file or the store's code is newer). LABELPULSE_BENCH_REQUESTS (default 200) sets the
number of requests. Exits 1 when the p50 target at concurrency 1 is not met.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from benchmarks.common import TZ, demo_file, sizes_from_env
from labelpulse.access import create_token
from labelpulse.config import load_settings
from labelpulse.metrics import Directory, report
from labelpulse.store import connect

DAYS = 30
WARMUP = 10
CONCURRENCY = (1, 8)
P50_TARGET_MS = 50.0
STARTUP_SECONDS = 180.0


@dataclass(frozen=True)
class Timing:
    """Latencies of one run of the requests (seconds) and its wall time."""

    label: str
    latencies: list[float]
    wall: float

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def p95_ms(self) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[94] * 1000

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.wall


@dataclass(frozen=True)
class Plan:
    """The requests (one member each, one window for all) and the read token they carry."""

    members: list[str]
    start: str
    end: str
    token: str
    token_id: str

    def path(self, member: str) -> str:
        query = urllib.parse.urlencode({"from": self.start, "to": self.end, "tz": TZ})
        return f"/api/members/{urllib.parse.quote(member, safe='')}/report?{query}"


def make_plan(db: Path | str, requests: int) -> Plan:
    """`requests` member reports over the last 30 days of the data, with an owner's read token."""
    store = connect(str(db))
    try:
        directory = Directory.load(store)
        owners = sorted(m for m, row in directory.members.items() if row["role"] == "owner")
        workers = sorted(
            m for m, row in directory.members.items() if row["role"] in ("annotator", "reviewer")
        )
        if not owners or not workers:
            raise RuntimeError(f"{db}: the directory has no owner, or no annotators and reviewers")
        last_us = store.rows("SELECT max(time_us) AS last FROM events")[0]["last"]
        last = dt.datetime.fromtimestamp(last_us / 1e6, tz=dt.UTC)
        end = last.astimezone(ZoneInfo(TZ)).date()
        start = end - dt.timedelta(days=DAYS - 1)
        token_id, token = create_token(store, owners[0], name="bench", scope="read")
    finally:
        store.close()
    members = [workers[i % len(workers)] for i in range(requests)]
    return Plan(members, start.isoformat(), end.isoformat(), token, token_id)


def _in_process(db: Path, plan: Plan) -> Timing:
    """`metrics.report` for the same requests, one after the other, on one open store."""
    store = connect(str(db))
    try:
        settings = load_settings(str(db))

        def one(member: str) -> None:
            report(
                store, "member", member=member, start=plan.start, end=plan.end, tz=TZ,
                settings=settings,
            )  # fmt: skip

        for member in plan.members[:WARMUP]:
            one(member)
        latencies = []
        began = time.perf_counter()
        for member in plan.members:
            t0 = time.perf_counter()
            one(member)
            latencies.append(time.perf_counter() - t0)
        return Timing("in-process", latencies, time.perf_counter() - began)
    finally:
        store.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Client:
    """One keep-alive connection to the server."""

    def __init__(self, port: int, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str) -> bytes:
        self.conn.request("GET", path, headers=self.headers)
        response = self.conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path}: HTTP {response.status}: {body[:300]!r}")
        return body

    def close(self) -> None:
        self.conn.close()


class Server:
    """`python -m labelpulse --db DB serve --port PORT`, up once /api/health answers (DB a
    file or a database URL)."""

    def __init__(self, db: Path | str) -> None:
        self.port = _free_port()
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop())
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "labelpulse", "--db", str(db), "serve",
             "--port", str(self.port)],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip

    def wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"the server exited with {self.proc.returncode}:\n{self.output()}"
                )
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/api/health")
                response = conn.getresponse()
                ok = response.status == 200 and json.loads(response.read())["status"] == "ok"
                conn.close()
                if ok:
                    return
            except (OSError, http.client.HTTPException, ValueError, KeyError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the server did not answer /api/health in {STARTUP_SECONDS:.0f} s")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def _over_http(port: int, plan: Plan, concurrency: int) -> Timing:
    """Every request of the plan, `concurrency` at a time, each thread on its own connection."""
    paths = [plan.path(m) for m in plan.members]
    latencies: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    next_index = iter(range(len(paths)))
    ready = threading.Barrier(concurrency + 1)

    def worker() -> None:
        client = Client(port, plan.token)
        try:
            client.get("/api/health")  # the connection is open before the clock starts
            ready.wait()
            while True:
                with lock:
                    i = next(next_index, None)
                if i is None or errors:
                    return
                t0 = time.perf_counter()
                client.get(paths[i])
                elapsed = time.perf_counter() - t0
                with lock:
                    latencies.append(elapsed)
        except BaseException as exc:
            errors.append(exc)
            ready.abort()
        finally:
            client.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        ready.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    if errors:
        raise RuntimeError(f"HTTP requests failed at concurrency {concurrency}") from errors[0]
    return Timing(f"http c={concurrency}", latencies, wall)


def _drop_token(db: Path, token_id: str) -> None:
    store = connect(str(db))
    try:
        store.remove("tokens", id=token_id)
    finally:
        store.close()


def requests_from_env() -> int:
    return max(2, int(os.environ.get("LABELPULSE_BENCH_REQUESTS", "200")))


def bench_http(db: Path, requests: int | None = None) -> tuple[Timing, list[Timing]]:
    """(in-process baseline, HTTP timings per concurrency) for `requests` member reports."""
    plan = make_plan(db, requests or requests_from_env())
    try:
        baseline = _in_process(db, plan)
        server = Server(db)
        try:
            server.wait_ready()
            warm = Client(server.port, plan.token)
            try:
                for member in plan.members[:WARMUP]:
                    warm.get(plan.path(member))
            finally:
                warm.close()
            timings = [_over_http(server.port, plan, c) for c in CONCURRENCY]
        finally:
            server.stop()
    finally:
        _drop_token(db, plan.token_id)
    return baseline, timings


def print_http(events: int, baseline: Timing, timings: list[Timing]) -> bool:
    """Print one line per concurrency (and the baseline); True when the p50 target is met."""
    met = True
    base = baseline.p50_ms
    print(
        f"{events:>12,}  {'member in-proc':<16} {base:>9.1f} ms {'':>12} {'':>7}  "
        f"p95 {baseline.p95_ms:.1f} ms, {baseline.throughput:.1f} req/s "
        f"({len(baseline.latencies)} requests)",
        flush=True,
    )
    for timing in timings:
        line = (
            f"{events:>12,}  {'member ' + timing.label:<16} {timing.p50_ms:>9.1f} ms "
            f"{base:>9.1f} ms {timing.p50_ms / base:>6.2f}x  "
            f"p95 {timing.p95_ms:.1f} ms, {timing.throughput:.1f} req/s"
        )
        if timing.label == "http c=1":
            ok = timing.p50_ms <= P50_TARGET_MS
            met &= ok
            line += f"  p50 <= {P50_TARGET_MS:.0f} ms {'met' if ok else 'not met'}"
        print(line, flush=True)
    return met


def _standalone_db(events: int) -> Path:
    """This benchmark's own database of the demo file, imported again only when stale."""
    from labelpulse import ingest
    from labelpulse.store import duckdb as store_module
    from labelpulse.store import state as state_sql

    source = demo_file(events)
    cache = source.parent
    db = cache / f"http-{events}.duckdb"
    inputs = [source, Path(store_module.__file__), Path(state_sql.__file__), Path(ingest.__file__)]
    if db.exists() and db.stat().st_mtime >= max(p.stat().st_mtime for p in inputs):
        return db
    for stale in (db, Path(str(db) + ".wal")):
        stale.unlink(missing_ok=True)
    print(f"  importing {source.name} -> {db}", flush=True)
    store = connect(str(db))
    try:
        summary = ingest.import_file(store, source)
    finally:
        store.close()
    if summary.stored != events:
        db.unlink(missing_ok=True)
        sys.exit(f"import stored {summary.stored:,} of {events:,} events: {summary.errors[:3]}")
    return db


def main() -> None:
    requests = requests_from_env()
    print(f"labelpulse HTTP benchmark · {os.cpu_count()} cores · {requests} member reports")
    print(f"{'size':>12}  {'what':<16} {'p50':>12} {'in-process':>12} {'ratio':>7}")
    met = True
    for events in sizes_from_env():
        db = _standalone_db(events)
        baseline, timings = bench_http(db, requests)
        met &= print_http(events, baseline, timings)
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
