"""The items report's sort, search, pages and stream on every backend, as on DuckDB."""

from __future__ import annotations

import threading

from labelpulse.metrics.registry import SPECS
from labelpulse.store import Store
from tests.metrics.test_items import keys, paged, world


def test_items_sort_search_pages_and_stream_on_every_backend(backend_store: Store) -> None:
    world(backend_store)
    by_label = paged(backend_store, sort="label_time:desc")
    assert keys(by_label) == ["p1/t-b", "p9/T-C", "p2/x-9", "p3/t-a", "p1/t-a"]
    assert keys(paged(backend_store)) == ["p3/t-a", "p2/x-9", "p1/t-a", "p1/t-b", "p9/T-C"]
    assert keys(paged(backend_store, sort="frames:desc"))[:2] == ["p2/x-9", "p1/t-a"]
    second = paged(backend_store, sort="label_time:desc", limit=2, offset=2)
    assert second["rows"] == by_label["rows"][2:4]
    assert second["totals"] == by_label["totals"]
    assert second["page"]["total_rows"] == 5
    found = paged(backend_store, search="T-", sort="task:desc")
    assert keys(found) == ["p1/t-b", "p3/t-a", "p1/t-a", "p9/T-C"]
    assert found["page"]["total_rows"] == 4
    streamed = paged(backend_store, sort="label_time:desc", stream=True)
    assert list(streamed["rows"]) == by_label["rows"]
    for key in SPECS["items"].sort_keys:
        assert len(paged(backend_store, sort=f"{key}:desc", limit=3)["rows"]) == 3


def test_a_stream_is_read_on_by_whichever_thread_asks(backend_store: Store) -> None:
    """A streamed response is read batch by batch on the server's worker threads, each batch
    maybe on another one: the stream must hold nothing that only its first thread may release
    (chDB's connection lock did, and every later use of that connection hung)."""
    world(backend_store)
    sql = "SELECT task FROM events ORDER BY id"
    expected = [row["task"] for row in backend_store.rows(sql)]
    batches = backend_store.stream(sql, None, 1)
    seen: list[str] = []
    errors: list[BaseException] = []
    first_read, done = threading.Event(), threading.Event()

    def read_first() -> None:
        # The first batch on a thread that stays alive meanwhile (so that no later thread
        # can be given its identity), the rest on the test's own.
        try:
            seen.extend(row["task"] for row in next(batches))
        except BaseException as exc:  # a thread's error would not reach the test otherwise
            errors.append(exc)
        first_read.set()
        done.wait(30)

    first = threading.Thread(target=read_first)
    first.start()
    try:
        assert first_read.wait(30)
        for batch in batches:
            seen.extend(row["task"] for row in batch)
    finally:
        done.set()
        first.join()
    assert errors == []
    assert seen == expected
    # The connection went back whole: the next reads answer.
    assert [row["task"] for row in backend_store.rows(sql)] == expected
    for _ in range(10):
        assert backend_store.rows("SELECT 1 AS one") == [{"one": 1}]
