"""DuckDB keeps `task_firsts` incrementally (`DuckDBStore._update_firsts`): after any batches,
in any order, it equals a rebuild, through the cases its shortcut must get right: a first that
moves to another task or project, is rejected, is completed again later, or ties in time."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelpulse.ingest import ingest_records
from labelpulse.store import connect
from labelpulse.store.check import check_state

KINDS = (
    "annotation.submitted",
    "annotation.submitted",
    "annotation.updated",
    "annotation.skipped",
    "annotation.deleted",
    "review.accepted",
    "review.rejected",
)


# Each annotation's author: its own events complete it (another member's would not count).
AUTHORS = {"a1": "ann", "a2": "bob", "a3": "ann", "a4": "bob"}


@st.composite
def event(draw: st.DrawFn, number: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(KINDS))
    annotation = draw(st.sampled_from(sorted(AUTHORS)))
    return {
        "id": f"e{number:03d}",
        "type": kind,
        # Later events later (a rejection is the latest action more often than not), three an
        # hour: ties in completion time are common.
        "time": f"2026-03-02T{8 + number // 3:02d}:00:00Z",
        "actor": "rev" if kind.startswith("review.") else AUTHORS[annotation],
        # Mostly one task, so that annotations share it; now and then one moves.
        "project": draw(st.sampled_from(("p1", "p1", "p1", "p2"))),
        "task": draw(st.sampled_from(("t1", "t1", "t1", "t2"))),
        "annotation": annotation,
        "duration": 10,
    }


@st.composite
def events(draw: st.DrawFn) -> list[dict[str, Any]]:
    return [draw(event(n)) for n in range(draw(st.integers(1, 24)))]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=events(),
    shuffle=st.booleans(),
    order=st.randoms(use_true_random=False),
    cuts=st.lists(st.integers(1, 24), max_size=6),
)
def test_task_firsts_equal_a_rebuild_after_every_batch(
    records: list[dict[str, Any]], shuffle: bool, order: Any, cuts: list[int]
) -> None:
    shuffled = list(records)
    if shuffle:  # else in time order, as most batches arrive
        order.shuffle(shuffled)
    with tempfile.TemporaryDirectory() as folder:
        store = connect(str(Path(folder) / "firsts.duckdb"))
        try:
            start = 0
            for cut in [*sorted(set(cuts)), len(shuffled)]:
                if cut <= start:
                    continue
                ingest_records(store, shuffled[start:cut])
                found = {t.table: t.differences for t in check_state(store).tables}
                assert found["task_firsts"] == 0, shuffled[:cut]
                start = cut
        finally:
            store.close()
