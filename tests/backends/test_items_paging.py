"""The items report's sort, search, pages and stream on every backend, as on DuckDB."""

from __future__ import annotations

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
