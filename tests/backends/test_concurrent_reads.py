"""A burst of concurrent report requests on a freshly started server, on every backend.

A fresh server has compiled no metric SQL yet, so the burst's first requests compile and run
their queries at once from many threads: no connection or Ibis handle of the store may be
shared between them. Every report route (by path and by query, several formats) answers 200,
with the body the same request gets when it is sent alone afterwards.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from labelpulse.access import add_membership, create_token
from labelpulse.config import Settings
from labelpulse.demo import generate
from labelpulse.ingest import ingest_records
from labelpulse.metrics import query as metric_query
from labelpulse.store import Store
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
        else:
            assert answer.content == expected.content, path
    submitted = alone[paths[0]].json()["annotations"]["submitted"]
    assert submitted > 0  # the comparison is not of empty reports


def test_a_value_read_before_a_write_never_outlives_it(backend_store: Store) -> None:
    """A reader takes the cache, a write happens meanwhile (another thread), the reader stores
    what it read: the next reader must not find it."""
    taken = backend_store.cache
    backend_store.put("secrets", {"name": "x", "value": "1"})
    taken["directory"] = "read before the write"
    assert "directory" not in backend_store.cache


def test_token_checks_meanwhile_writes_never_fail(backend_store: Store) -> None:
    """Reads of the cache while writes empty it (a POST's append, every few ms under load)."""
    records: list[dict[str, Any]] = organisation_records()
    ingest_records(backend_store, records)
    token = create_token(backend_store, "own", name="meanwhile", scope="read")[1]
    from labelpulse.access.tokens import check_token

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
