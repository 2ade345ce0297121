"""Per-item figures under a member cut (the item's whole story) on every backend, as on DuckDB."""

from __future__ import annotations

from labelpulse.metrics.paging import make_paging
from labelpulse.metrics.registry import SPECS
from labelpulse.store import Store
from tests.metrics.org import run
from tests.metrics.test_items_story import by_item, figures, items_for, world


def test_items_a_member_chose_carry_everyones_events_on_every_backend(
    backend_store: Store,
) -> None:
    world(backend_store)
    ann = items_for(backend_store, "ann")
    assert list(by_item(ann)) == ["p1/t1"]
    assert figures(by_item(ann)["p1/t1"]) == (90.0, 20.0, 1, 5)
    rev = items_for(backend_store, "rev")
    assert figures(by_item(rev)["p1/t1"]) == (90.0, 20.0, 1, 5)
    assert list(by_item(items_for(backend_store, "mgr2"))) == ["p2/d1"]
    bob = run(backend_store, "items", members=["bob"])
    assert list(by_item(bob)) == ["p1/t1", "p1/t2"]
    assert bob["totals"]["annotations"] == 6 and bob["totals"]["rejected"] == 1
    page = run(
        backend_store,
        "items",
        members=["bob"],
        paging=make_paging(SPECS["items"], sort="rejected:desc", limit=1, offset=1),
    )
    assert [r["task"] for r in page["rows"]] == ["t2"] and page["page"]["total_rows"] == 2
    streamed = run(
        backend_store, "items", members=["bob"], paging=make_paging(SPECS["items"], stream=True)
    )
    assert list(streamed["rows"]) == bob["rows"]
