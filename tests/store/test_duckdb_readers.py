"""DuckDB reads run on a cursor per thread: in parallel, beside a write, and none left behind."""

from __future__ import annotations

import threading
from typing import Any

import duckdb
import pytest

from labelpulse.ingest import ingest_records
from labelpulse.store import Store
from tests.web.conftest import organisation_records


def in_thread(fn: Any) -> Any:
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(fn()))
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "the read did not finish"
    return out[0]


def test_a_read_does_not_wait_for_a_write(store: Store) -> None:
    ingest_records(store, organisation_records())
    with store._lock:  # type: ignore[attr-defined]  # as a write holds it, for its whole batch
        rows = in_thread(lambda: store.rows("SELECT count(*) AS n FROM events"))
        assert rows == [{"n": 9}]
        assert in_thread(store.schema_version) == store.schema_version()


def test_reads_see_writes_and_a_gone_threads_cursor_is_closed(store: Store) -> None:
    for n in range(5):
        store.put("secrets", {"name": f"s{n}", "value": str(n)})
        # Each read on a new thread (as the web server's come and go) sees the write before it.
        assert in_thread(lambda: store.get("secrets"))[-1] == {"name": f"s{n}", "value": str(n)}
    cursors = list(store._cursors)  # type: ignore[attr-defined]
    # This thread's (it opened the store) and the last gone thread's, closed when the next
    # thread makes one: the other four were.
    assert len(cursors) == 2
    store.close()
    for _, cursor in cursors:
        with pytest.raises(duckdb.Error):
            cursor.execute("SELECT 1")
