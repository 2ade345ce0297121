"""An items stream in the report's own order, read in parts, gives the rows of one query.

Parts are ranges of the order's keys (the project's name, then the task), each grouped by a
query of its own (`labelpulse.metrics.items`). Here every part is a few events, so that even
small organisations are cut into many, on irregular data too: tasks shared by projects,
annotations that move between projects and tasks, projects that share a name.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from labelpulse.ingest import ingest_records
from labelpulse.metrics import items, report
from labelpulse.metrics.registry import Paging
from labelpulse.store import Store, connect
from tests.metrics.org import project
from tests.metrics.test_items import keys, world
from tests.metrics.test_maintained import ACTORS, PROJECTS, WINDOWS, organisation

ORDERS = [
    Paging(),
    Paging(descending=True),
    Paging(search="T1"),
    Paging(descending=True, search="2"),
]
SCOPES: list[dict[str, Any]] = [{}, {"projects": PROJECTS[:2]}, {"members": list(ACTORS[:2])}]
NAMES = [project("p1", "Same"), project("p2", "same"), project("p3", "Äther")]


@contextmanager
def small_parts(events: int) -> Iterator[None]:
    """Parts of `events` events, their bounds chosen among every event."""
    kept = items.PART_EVENTS, items.SAMPLED_EVENTS
    items.PART_EVENTS, items.SAMPLED_EVENTS = events, 1_000_000
    try:
        yield
    finally:
        items.PART_EVENTS, items.SAMPLED_EVENTS = kept


def streamed(store: Store, paging: Paging, **asked: Any) -> dict[str, Any]:
    data = report(store, "items", paging=paging, **asked)
    return {**data, "rows": list(data["rows"])}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=organisation())
def test_a_stream_in_parts_gives_the_rows_of_one_query(records: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = connect(str(Path(folder) / "org.duckdb"))
        ingest_records(store, [*NAMES, *records])
        for window in WINDOWS:
            for scope in SCOPES:
                for paging in ORDERS:
                    whole = report(store, "items", paging=paging, **scope, **window)
                    with small_parts(3):
                        parts = streamed(
                            store,
                            Paging(paging.sort, paging.descending, search=paging.search,
                                   stream=True),
                            **scope,
                            **window,
                        )  # fmt: skip
                    assert parts == whole, (window, scope, paging)
        store.close()


@pytest.mark.parametrize("descending", [False, True])
def test_parts_follow_the_project_names_ties_and_all(store: Store, descending: bool) -> None:
    world(store)
    whole = report(
        store, "items", start="2026-03-01", end="2026-03-31", paging=Paging(descending=descending)
    )
    with small_parts(1):
        parts = streamed(
            store,
            Paging(descending=descending, stream=True),
            start="2026-03-01",
            end="2026-03-31",
        )
    assert keys(parts) == keys(whole) and parts == whole
