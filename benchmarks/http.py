"""Reports over HTTP: the real server, latency and throughput at concurrency 1 and 8.

`python -m labelpulse --db FILE serve` runs as a subprocess on a free port (stopped in every
case, errors included). Each route is asked the same questions (a 30-day window ending at the
data's last day) at concurrency 1 and at concurrency 8 (threads, one keep-alive `http.client`
connection each, so the client adds next to nothing), after a few warm-up requests:

- member: GET /api/members/{member}/report, the member cycling through annotators and reviewers;
- members, insights, work: GET /api/reports/{name}, as an owner (every member);
- work page: GET /work, the Work page's HTML (its work and items reports, rendered), signed in;
- member work page: GET /work?member=M, the same page filtered to one member (the member cycling as
  for the member report): its items are those M worked on (a semi-join), all of their events;
- overview: GET /, the home page of an owner: seven reports (members, reviewers and throughput
  over the window, members and reviewers over the window before it, members over its last 7
  days, the forecasts of the Deadlines card), compared and worded;
- insights page: GET /insights, its three reports (insights, per project, by date), rendered;
- flags, pay, forecast: GET /api/reports/{name} (issue 16), as an owner;
- flags page: GET /flags, the flags and the too-fast annotations, rendered;
- pay page: GET /pay, the pay report (priced, with the closed periods' adjustments), rendered.

The API routes carry an owner's read token; the page, the session of a member made for the run
(an owner with a random password, signed in through POST /login, removed at the end). The
same-run baseline is `labelpulse.metrics.report` in-process for the same questions (a page: the
reports it runs, e.g. the work page's work and first page of items in the page's sort and
size; see `Plan.reports`): HTTP / in-process shows
what the web layer adds, and the throughput at concurrency 8 over that at 1 shows whether
requests wait for each other.

On DuckDB the baseline runs again with the database held to one thread: a request alone already
runs its query on every core, so eight at once can at best finish (cores ÷ that one request's
speed-up from one thread to all) as many per second as one at a time. That ceiling is printed
beside each c8/c1 ratio: a ratio at its ceiling is the machine's limit, not requests waiting.

Called by `python -m benchmarks` at the largest selected size; alone,
`python -m benchmarks.http` runs it at every selected size (LABELPULSE_BENCH_SIZES), on a
database of its own in the cache (~/.cache/labelpulse/http-N.duckdb, imported again when the
demo file or the store's code is newer), or on LABELPULSE_BENCH_DB when set (a file or a
database URL, used as it is). LABELPULSE_BENCH_REQUESTS (default 200) sets the number of member
reports; every other route gets a fifth as many (at least 10). LABELPULSE_BENCH_ROUTES picks
routes (comma-separated names, default all). Exits 1 when a p50 target at concurrency 1 or the
throughput target is not met.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import re
import secrets
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
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.common import TZ, demo_file, sizes_from_env
from labelpulse.access import add_member, create_token, remove_member
from labelpulse.config import Settings, load_settings
from labelpulse.metrics import Directory, report
from labelpulse.metrics.paging import make_paging
from labelpulse.metrics.registry import SPECS
from labelpulse.store import Store, connect
from labelpulse.web.tables import ITEMS_SHOWN, ITEMS_SORT

DAYS = 30
WARMUP = 5
CONCURRENCY = (1, 8)
# p50 at concurrency 1 (ms) per route, and throughput at 8 over throughput at 1 (issue 13).
P50_TARGETS_MS = {"member": 50.0, "members": 150.0, "insights": 150.0, "work": 150.0,
                  "work page": 150.0, "member work page": 150.0, "overview": 150.0,
                  "insights page": 150.0,
                  # issue 16: the flags, pay and forecast reports and their pages
                  "flags": 150.0, "pay": 150.0, "forecast": 150.0, "flags page": 150.0,
                  "pay page": 150.0}  # fmt: skip
# The routes that are pages (HTML, a signed-in session), and the path of each.
PAGES = {"work page": "/work", "member work page": "/work", "overview": "/",
         "insights page": "/insights", "flags page": "/flags", "pay page": "/pay"}  # fmt: skip
RECENT_DAYS = 7  # the overview's "no activity" look-back (`labelpulse.web.overview`)
THROUGHPUT_TARGET = 1.5
ROUTES = tuple(P50_TARGETS_MS)
STARTUP_SECONDS = 180.0
BENCH_MEMBER = "bench-http-owner"


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
    """The questions (a member each for the member report, one window for all), the read
    token and the signed-in page session they carry."""

    members: list[str]
    start: str
    end: str
    token: str
    password: str
    email: str

    def window(self) -> str:
        return urllib.parse.urlencode({"from": self.start, "to": self.end, "tz": TZ})

    def path(self, member: str) -> str:
        """The member report of `member`."""
        return f"/api/members/{urllib.parse.quote(member, safe='')}/report?{self.window()}"

    def paths(self, route: str, requests: int) -> list[str]:
        """`requests` paths of a route (the member report's and the member work page differ, by
        member)."""
        if route == "member":
            return [self.path(m) for m in self.members[:requests]]
        if route == "member work page":
            return [
                f"/work?{self.window()}&{urllib.parse.urlencode({'member': m})}"
                for m in self.members[:requests]
            ]
        if route in PAGES:
            return [f"{PAGES[route]}?{self.window()}"] * requests
        return [f"/api/reports/{route}?{self.window()}"] * requests

    def reports(self, route: str, index: int) -> list[tuple[str, dict[str, Any]]]:
        """The reports (name and arguments beside the settings) that request `index` of a route
        computes: a page's are those it runs, in its sort and size."""
        window = {"start": self.start, "end": self.end, "tz": TZ}
        items = make_paging(SPECS["items"], sort=ITEMS_SORT, limit=ITEMS_SHOWN)
        if route == "work page":
            return [("work", window), ("items", {**window, "paging": items})]
        if route == "member work page":
            cut = {**window, "members": [self.members[index]]}
            return [("work", cut), ("items", {**cut, "paging": items})]
        if route == "insights page":
            return [(name, window) for name in ("insights", "insights_projects", "insights_daily")]
        if route == "flags page":  # the flags, and the too-fast annotations (the 50 fastest)
            return [("flags", window), ("flagged_annotations", window)]
        if route == "pay page":
            return [("pay", window)]
        if route == "overview":
            start, end = dt.date.fromisoformat(self.start), dt.date.fromisoformat(self.end)
            length = (end - start).days + 1
            before = {
                "start": (start - dt.timedelta(days=length)).isoformat(),
                "end": (start - dt.timedelta(days=1)).isoformat(),
                "tz": TZ,
            }
            recent = {**window, "start": (end - dt.timedelta(days=RECENT_DAYS - 1)).isoformat()}
            return [
                ("members", window),
                ("reviewers", window),
                ("throughput", window),
                ("members", before),
                ("reviewers", before),
                ("members", recent),
                ("forecast", window),  # the Deadlines card (issue 16)
            ]
        if route == "member":
            return [("member", {**window, "member": self.members[index]})]
        return [(route, window)]

    def in_process(self, store: Store, route: str, settings: Settings, index: int) -> None:
        """The report(s) a route's request `index` computes, in-process (`reports`)."""
        for name, args in self.reports(route, index):
            report(store, name, settings=settings, **args)


@dataclass(frozen=True)
class RouteRun:
    """One route's in-process baseline and its timings at each concurrency."""

    route: str
    baseline: Timing
    timings: list[Timing]
    # The baseline on one thread (DuckDB only), for the throughput ceiling.
    single: Timing | None = None

    @property
    def ceiling(self) -> float | None:
        """The most c8/c1 can be on this machine: cores ÷ one request's speed-up from one
        thread to all of them."""
        if self.single is None:
            return None
        return (os.cpu_count() or 1) * self.baseline.p50_ms / self.single.p50_ms


def make_plan(db: Path | str, requests: int) -> Plan:
    """`requests` member reports over the last 30 days of the data, an owner's read token, and
    an owner of the run's own (random password) to sign in as for the page."""
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
        password, email = secrets.token_urlsafe(16), f"{BENCH_MEMBER}@bench.invalid"
        add_member(
            store, BENCH_MEMBER, name="HTTP benchmark", email=email, role="owner",
            password=password,
        )  # fmt: skip
        token = create_token(store, BENCH_MEMBER, name="bench", scope="read")[1]
    finally:
        store.close()
    members = [workers[i % len(workers)] for i in range(requests)]
    return Plan(members, start.isoformat(), end.isoformat(), token, password, email)


def _drop_bench_member(db: Path | str) -> None:
    """The run's owner goes, with its token, password and sessions."""
    store = connect(str(db))
    try:
        if store.get("members", id=BENCH_MEMBER):
            remove_member(store, BENCH_MEMBER)
    finally:
        store.close()


def _one_thread(db: Path | str, plan: Plan, route: str, requests: int) -> Timing | None:
    """`_in_process` with DuckDB held to one thread; None on another backend."""
    store = connect(str(db))
    try:
        duckdb = store.dialect == "duckdb"
    finally:
        store.close()
    return _in_process(db, plan, route, requests, one_thread=True) if duckdb else None


def _in_process(
    db: Path | str, plan: Plan, route: str, requests: int, *, one_thread: bool = False
) -> Timing:
    """The route's reports for the same questions, one after the other, on one open store
    (`one_thread`: the DuckDB database held to one thread)."""
    store = connect(str(db))
    try:
        if one_thread:
            store.rows("SET threads = 1")
        settings = load_settings(str(db))
        for index in range(min(WARMUP, requests)):
            plan.in_process(store, route, settings, index)
        latencies = []
        began = time.perf_counter()
        for index in range(requests):
            t0 = time.perf_counter()
            plan.in_process(store, route, settings, index)
            latencies.append(time.perf_counter() - t0)
        return Timing("in-process", latencies, time.perf_counter() - began)
    finally:
        store.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Client:
    """One keep-alive connection to the server, with an API token or a signed-in session's
    cookie (`sign_in`)."""

    def __init__(self, port: int, token: str = "", *, cookie: str = "") -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        self.headers = {"Cookie": cookie} if cookie else {"Authorization": f"Bearer {token}"}

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


def sign_in(port: int, plan: Plan) -> str:
    """The session cookie of a signed-in browser: GET /login for the form's CSRF token and the
    session cookie, then POST /login; the answer's cookie is the signed-in session."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", "/login")
        response = conn.getresponse()
        page = response.read().decode()
        cookie = _session_cookie(response)
        found = re.search(r'name="csrf" value="([^"]+)"', page)
        if found is None or cookie is None:
            raise RuntimeError("GET /login gave no CSRF token or session cookie")
        form = urllib.parse.urlencode(
            {"email": plan.email, "password": plan.password, "csrf": found.group(1)}
        )
        conn.request(
            "POST", "/login", body=form,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        )  # fmt: skip
        response = conn.getresponse()
        response.read()
        signed_in = _session_cookie(response)
        if response.status != 303 or signed_in is None:
            raise RuntimeError(f"POST /login: HTTP {response.status}, not signed in")
        return signed_in
    finally:
        conn.close()


def _session_cookie(response: http.client.HTTPResponse) -> str | None:
    for header in response.headers.get_all("Set-Cookie") or []:
        pair = header.split(";", 1)[0]
        if pair.startswith("labelpulse_session="):
            return pair
    return None


def _over_http(port: int, paths: list[str], concurrency: int, token: str, cookie: str) -> Timing:
    """Every path, `concurrency` at a time, each thread on its own connection."""
    latencies: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    next_index = iter(range(len(paths)))
    ready = threading.Barrier(concurrency + 1)

    def worker() -> None:
        client = Client(port, token, cookie=cookie)
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


def requests_from_env() -> int:
    return max(2, int(os.environ.get("LABELPULSE_BENCH_REQUESTS", "200")))


def routes_from_env() -> list[str]:
    chosen = [r.strip() for r in os.environ.get("LABELPULSE_BENCH_ROUTES", "").split(",")]
    chosen = [r for r in chosen if r]
    unknown = [r for r in chosen if r not in ROUTES]
    if unknown:
        sys.exit(f"LABELPULSE_BENCH_ROUTES: unknown {unknown}; routes: {', '.join(ROUTES)}")
    return chosen or list(ROUTES)


def route_requests(route: str, requests: int) -> int:
    """The member report gets `requests`; the heavier table reports and pages a fifth (at
    least 10)."""
    return requests if route == "member" else max(10, requests // 5)


def bench_http(
    db: Path | str, requests: int | None = None, routes: list[str] | None = None
) -> list[RouteRun]:
    """Each route's in-process baseline and HTTP timings per concurrency."""
    total = requests or requests_from_env()
    plan = make_plan(db, total)
    runs = []
    try:
        for route in routes or routes_from_env():
            count = route_requests(route, total)
            baseline = _in_process(db, plan, route, count)
            single = _one_thread(db, plan, route, count)
            server = Server(db)
            try:
                server.wait_ready()
                cookie = sign_in(server.port, plan) if route in PAGES else ""
                paths = plan.paths(route, count)
                warm = Client(server.port, plan.token, cookie=cookie)
                try:
                    for path in paths[:WARMUP]:
                        warm.get(path)
                finally:
                    warm.close()
                timings = [
                    _over_http(server.port, paths, c, plan.token, cookie) for c in CONCURRENCY
                ]
            finally:
                server.stop()
            runs.append(RouteRun(route, baseline, timings, single))
    finally:
        _drop_bench_member(db)
    return runs


def print_http(events: int, runs: list[RouteRun]) -> bool:
    """One line per route and concurrency (and the baseline); True when every target is met."""
    met = True
    for run in runs:
        base = run.baseline
        print(
            f"{events:>12,}  {run.route + ' in-proc':<26} {base.p50_ms:>9.1f} ms {'':>12} "
            f"{'':>7}  p95 {base.p95_ms:.1f} ms, {base.throughput:.1f} req/s "
            f"({len(base.latencies)} requests)",
            flush=True,
        )
        by_concurrency = {t.label: t for t in run.timings}
        for timing in run.timings:
            line = (
                f"{events:>12,}  {run.route + ' ' + timing.label:<26} {timing.p50_ms:>9.1f} ms "
                f"{base.p50_ms:>9.1f} ms {timing.p50_ms / base.p50_ms:>6.2f}x  "
                f"p95 {timing.p95_ms:.1f} ms, {timing.throughput:.1f} req/s"
            )
            if timing.label == "http c=1":
                target = P50_TARGETS_MS[run.route]
                ok = timing.p50_ms <= target
                met &= ok
                line += f"  p50 <= {target:.0f} ms {'met' if ok else 'not met'}"
            else:
                ratio = timing.throughput / by_concurrency["http c=1"].throughput
                ok = ratio >= THROUGHPUT_TARGET
                met &= ok
                line += (
                    f"  {ratio:.2f}x the req/s at c=1 (>= {THROUGHPUT_TARGET}x "
                    f"{'met' if ok else 'not met'})"
                )
                if run.ceiling is not None:
                    line += f"; ceiling on {os.cpu_count()} cores {run.ceiling:.2f}x"
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
    from benchmarks.reports import with_pay_and_plans

    if db.exists() and db.stat().st_mtime >= max(p.stat().st_mtime for p in inputs):
        with_pay_and_plans(db)
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
    with_pay_and_plans(db)
    return db


def main() -> None:
    requests = requests_from_env()
    routes = routes_from_env()
    print(
        f"labelpulse HTTP benchmark · {os.cpu_count()} cores · {requests} member reports, "
        f"{max(10, requests // 5)} of each other route"
    )
    print(f"{'size':>12}  {'what':<26} {'p50':>12} {'in-process':>12} {'ratio':>7}")
    met = True
    given = os.environ.get("LABELPULSE_BENCH_DB")
    for events in sizes_from_env():
        db: Path | str = given or _standalone_db(events)
        met &= print_http(events, bench_http(db, requests, routes))
        if given:
            break
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
