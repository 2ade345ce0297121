"""Reads at once, on every backend: they run side by side, and never see a cache older than a
write they follow.

A burst of concurrent report requests on a freshly started server: the burst's first requests
compile and run their queries at once from many threads, so no connection or Ibis handle of
the store may be shared between them. Every report route (by path and by query, several
formats) answers 200, with the body the same request gets when it is sent alone afterwards.

A slow read or a long write on one thread, short reads on another: the short reads answer
while the long one is still running (the test counts them; it never measures a time). Writes
and reads of the directory, tokens and sessions on different threads: a read that follows a
write sees it.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import queue
import threading
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import pytest

from labelpulse.access import add_membership, create_token, revoke_token
from labelpulse.access.policy import viewer_for
from labelpulse.access.sessions import end_session, session_viewer, start_session
from labelpulse.access.tokens import check_token
from labelpulse.config import Settings
from labelpulse.demo import generate
from labelpulse.ingest import ingest_records
from labelpulse.metrics import Directory
from labelpulse.metrics import query as metric_query
from labelpulse.store import Store
from labelpulse.store.cache import remembered
from labelpulse.web.app import create_app
from tests.web.conftest import MEMBERSHIPS, WINDOW, organisation_records
from tests.web.live import serving

BURST = 48
MEMBERS = ("ann", "ann2", "rev")


def report_paths() -> list[str]:
    """Every report route once per format (inline JSON, json, csv, xlsx), for a few members."""
    window = "&".join(f"{k}={v}" for k, v in WINDOW.items())
    routes: list[str] = []
    for member in MEMBERS:
        for path in ("report", "timeline", "comments"):
            routes.append(f"/api/members/{member}/{path}?{window}")
        for name in ("member", "timeline", "comments"):
            routes.append(f"/api/reports/{name}?member={member}&{window}")
    for name in ("members", "reviewers", "insights", "work", "items"):
        routes.append(f"/api/reports/{name}?{window}")
        routes.append(f"/api/reports/{name}?workspace=ws-vis&{window}")
    formats = itertools.cycle(("", "&format=json", "&format=csv", "", "&format=xlsx"))
    return [route + fmt for route, fmt in zip(routes, formats, strict=False)]


@pytest.fixture
def served_store(backend_store: Store) -> Iterator[tuple[str, str]]:
    """(base URL, owner's read token) of a server just started over the org and demo data."""
    records: list[dict[str, Any]] = organisation_records()
    records += generate(members=8, days=5, events=1500, seed=11, end=dt.date(2026, 3, 6))
    ingest_records(backend_store, records)
    for member, kind, target in MEMBERSHIPS:
        add_membership(backend_store, member, kind, target)
    token = create_token(backend_store, "own", name="burst", scope="read")[1]
    # As in a process just started: no metric SQL compiled yet.
    metric_query.COMPILED.clear()
    app = create_app(backend_store, Settings(db=backend_store.url, timezone="UTC"))
    with serving(app) as url:
        yield url, token


def test_a_burst_of_report_requests_on_a_fresh_server_all_succeed(
    served_store: tuple[str, str],
) -> None:
    url, token = served_store
    paths = report_paths()
    burst = [paths[i % len(paths)] for i in range(max(BURST, len(paths)))]
    answers: list[httpx2.Response | BaseException | None] = [None] * len(burst)
    start = threading.Barrier(len(burst))
    headers = {"Authorization": f"Bearer {token}"}

    def send(index: int) -> None:
        try:
            with httpx2.Client(base_url=url, headers=headers, timeout=120) as client:
                start.wait()
                answers[index] = client.get(burst[index])
        except BaseException as exc:  # reported below, with the path
            answers[index] = exc

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(burst))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    failed = [
        f"{path}: {f'{a.status_code} {a.text[:200]}' if isinstance(a, httpx2.Response) else a}"
        for path, a in zip(burst, answers, strict=True)
        if not isinstance(a, httpx2.Response) or a.status_code != 200
    ]
    assert not failed, f"{len(failed)} of {len(burst)} failed:\n" + "\n".join(failed)

    with httpx2.Client(base_url=url, headers=headers, timeout=120) as client:
        alone = {path: client.get(path) for path in paths}
    for path, answer in zip(burst, answers, strict=True):
        assert isinstance(answer, httpx2.Response)
        expected = alone[path]
        assert expected.status_code == 200, path
        if "format=xlsx" in path:  # a workbook carries its creation time
            assert answer.content[:2] == expected.content[:2] == b"PK", path
        elif answer.content[:2] == b"PK":  # a ZIP of CSVs: the same tables, made at its time
            assert _tables(answer.content) == _tables(expected.content), path
        else:
            assert answer.content == expected.content, path
    submitted = alone[paths[0]].json()["annotations"]["submitted"]
    assert submitted > 0  # the comparison is not of empty reports


def _tables(archive: bytes) -> dict[str, bytes]:
    """A ZIP's CSVs but its about.csv (which says when it was made)."""
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        return {n: opened.read(n) for n in opened.namelist() if n != "about.csv"}


def test_a_value_read_before_a_write_never_outlives_it(backend_store: Store) -> None:
    """A reader takes the cache, a write happens meanwhile (another thread), the reader stores
    what it read: the next reader must not find it."""
    taken = backend_store.cache
    backend_store.put("secrets", {"name": "x", "value": "1"})
    taken["directory"] = "read before the write"
    assert "directory" not in backend_store.cache


def test_a_value_loaded_across_a_write_is_not_kept(backend_store: Store) -> None:
    """`remembered`: a load that reads, then sees a write land (on another thread), then
    returns; what it read is not what the next reader finds."""

    def load() -> str:
        before = backend_store.get("secrets", name="x")
        writer = threading.Thread(
            target=backend_store.put, args=("secrets", {"name": "x", "value": "2"})
        )
        writer.start()
        writer.join()
        return str(before[0]["value"])

    backend_store.put("secrets", {"name": "x", "value": "1"})
    assert remembered(backend_store, "x", load) == "1"
    assert remembered(backend_store, "x", lambda: "read after the write") == "read after the write"


def test_token_checks_meanwhile_writes_never_fail(backend_store: Store) -> None:
    """Reads of the cache while writes empty it (a POST's append, every few ms under load)."""
    records: list[dict[str, Any]] = organisation_records()
    ingest_records(backend_store, records)
    token = create_token(backend_store, "own", name="meanwhile", scope="read")[1]

    stop = threading.Event()
    failures: list[BaseException] = []

    def check() -> None:
        while not stop.is_set():
            try:
                assert check_token(backend_store, token) is not None
            except BaseException as exc:  # reported below
                failures.append(exc)
                return

    threads = [threading.Thread(target=check) for _ in range(6)]
    for thread in threads:
        thread.start()
    try:
        for n in range(150):
            backend_store.put("secrets", {"name": f"w{n}", "value": "1"})
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not failures, repr(failures[0])


# A read that takes a while on each backend: work for DuckDB, a sleep where the engine has one.
SLOW_READ = {
    "duckdb": "SELECT count(*) AS n FROM range(100000000) t(i) WHERE i % 7 = 3",
    "postgres": "SELECT 1 AS n FROM pg_sleep(1)",
    "clickhouse": "SELECT sleep(1) AS n",
}
# Short reads answered while the long one ran: one at most when they wait for it (the one
# sent before it began), hundreds when they do not.
ANSWERED_MEANWHILE = 5


def short_reads_until(done: threading.Event, store: Store) -> list[int]:
    """Short reads (the number of stored state rows) one after another until `done` is set:
    what those that answered before it was set saw."""
    seen: list[int] = []
    while not done.is_set():
        count = int(store.rows("SELECT count(*) AS n FROM state")[0]["n"])
        if not done.is_set():
            seen.append(count)
    return seen


class Running:
    """`work` on a thread of its own; `done` is set when it ends, `finish` re-raises its error."""

    def __init__(self, work: Callable[[], object]) -> None:
        self.done = threading.Event()
        self.failures: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, args=(work,))
        self.thread.start()

    def _run(self, work: Callable[[], object]) -> None:
        try:
            work()
        except BaseException as exc:  # re-raised by finish()
            self.failures.append(exc)
        finally:
            self.done.set()

    def finish(self) -> None:
        self.thread.join()
        assert not self.failures, repr(self.failures[0])


def test_a_short_read_answers_while_a_slow_read_runs(backend_store: Store) -> None:
    ingest_records(backend_store, organisation_records())
    slow = Running(lambda: backend_store.rows(SLOW_READ[backend_store.dialect]))
    seen = short_reads_until(slow.done, backend_store)
    slow.finish()
    assert len(seen) >= ANSWERED_MEANWHILE


def test_a_short_read_answers_while_a_long_write_runs(backend_store: Store) -> None:
    """The write recomputes the state of 20k events in one transaction; reads meanwhile see the
    state whole (before or after, which are equal) on the backends with transactions."""
    records: list[dict[str, Any]] = organisation_records()
    records += generate(members=8, days=20, events=20_000, seed=5, end=dt.date(2026, 3, 6))
    ingest_records(backend_store, records)
    whole = int(backend_store.rows("SELECT count(*) AS n FROM state")[0]["n"])
    write = Running(backend_store.rebuild_state)
    seen = short_reads_until(write.done, backend_store)
    write.finish()
    assert len(seen) >= ANSWERED_MEANWHILE
    if backend_store.dialect != "clickhouse":  # no transactions there: see its docs
        assert set(seen) == {whole}


def test_a_read_after_a_write_on_another_thread_sees_it(backend_store: Store) -> None:
    """The main thread writes (a member renamed, a token revoked, a session ended); then a read
    on another thread must see it, while other threads read the same things all along and
    fill the caches with what they read, before, during and after each write."""
    ingest_records(backend_store, organisation_records())
    member = backend_store.get("members", id="ann")[0]
    rounds = 25
    tokens = [create_token(backend_store, "own", name=f"t{n}", scope="read") for n in range(rounds)]
    owner = viewer_for(Directory.load(backend_store), "own")
    sessions = [start_session(backend_store, owner) for _ in range(rounds)]
    stop = threading.Event()
    failures: list[BaseException] = []

    current = [0]  # the round under way: what its writes change is what the readers read

    def read_all_along() -> None:
        while not stop.is_set():
            try:
                n = current[0]
                Directory.load(backend_store)
                check_token(backend_store, tokens[n][1])
                session_viewer(backend_store, sessions[n])
            except BaseException as exc:  # reported below
                failures.append(exc)
                return

    asked: queue.Queue[int | None] = queue.Queue()
    answered: queue.Queue[tuple[str | None, bool, bool]] = queue.Queue()

    def read_after_each_write() -> None:
        while (n := asked.get()) is not None:
            answered.put(
                (
                    Directory.load(backend_store).member_name("ann"),
                    check_token(backend_store, tokens[n][1]) is None,
                    session_viewer(backend_store, sessions[n]) is None,
                )
            )

    readers = [threading.Thread(target=read_all_along) for _ in range(4)]
    checker = threading.Thread(target=read_after_each_write)
    for thread in [*readers, checker]:
        thread.start()
    try:
        for n in range(rounds):
            current[0] = n
            backend_store.put("members", {**member, "name": f"Ann {n}"})
            revoke_token(backend_store, tokens[n][0])
            end_session(backend_store, sessions[n])
            asked.put(n)
            assert answered.get(timeout=120) == (f"Ann {n}", True, True), f"round {n}"
    finally:
        asked.put(None)
        stop.set()
        for thread in [*readers, checker]:
            thread.join()
    assert not failures, repr(failures[0])
