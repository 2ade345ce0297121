"""`task_firsts` follows the state on every backend: a task's first moves with its annotation,
and a task whose only submitted annotation is rejected is no longer done."""

from __future__ import annotations

import datetime as dt
from typing import Any

from labelpulse.ingest import ingest_records
from labelpulse.store import Store
from labelpulse.store.check import check_state
from tests.backends.test_state_check import event as state_event


def at(hour: int) -> int:
    """2026-03-02 at `hour` UTC, in microseconds."""
    return int(dt.datetime(2026, 3, 2, hour, tzinfo=dt.UTC).timestamp()) * 1_000_000


def event(
    record_id: str, kind: str, annotation: str, task: str, hour: int, **fields: Any
) -> dict[str, Any]:
    """`test_state_check`'s event, in the task given."""
    return state_event(record_id, kind, annotation, hour, task=task, **fields)


def firsts(store: Store) -> list[tuple[str, str, str, str | None, int]]:
    rows = store.rows(
        "SELECT project, task, annotation, author, first_us FROM task_firsts ORDER BY project, task"
    )
    found = [(r["project"], r["task"], r["annotation"], r["author"], r["first_us"]) for r in rows]
    assert check_state(store).agrees
    return found


def test_a_moved_annotation_leaves_its_task_to_the_next(backend_store: Store) -> None:
    ingest_records(
        backend_store,
        [
            event("e1", "annotation.submitted", "a1", "t1", 9),
            event("e2", "annotation.submitted", "a2", "t1", 10, actor="bob"),
        ],
    )
    assert firsts(backend_store) == [("p1", "t1", "a1", "ann", at(9))]
    # a1 is updated in another project's task: t1's first is now a2, and t2's is a1, done at
    # its latest completion (11:00).
    ingest_records(backend_store, [event("e3", "annotation.updated", "a1", "t2", 11, project="p2")])
    assert firsts(backend_store) == [
        ("p1", "t1", "a2", "bob", at(10)),
        ("p2", "t2", "a1", "ann", at(11)),
    ]


def test_a_rejected_first_gives_way_or_undoes_its_task(backend_store: Store) -> None:
    ingest_records(
        backend_store,
        [
            event("e1", "annotation.submitted", "a1", "t1", 9),
            event("e2", "annotation.submitted", "a3", "t3", 9),
            event("e3", "annotation.submitted", "a4", "t3", 10, actor="bob"),
            # A tie in time with a4: the annotation id breaks it.
            event("e4", "annotation.submitted", "a5", "t3", 10, actor="cyd"),
        ],
    )
    assert firsts(backend_store) == [
        ("p1", "t1", "a1", "ann", at(9)),
        ("p1", "t3", "a3", "ann", at(9)),
    ]
    # a1, t1's only submitted annotation, and a3, t3's first, are rejected: t1 is no longer
    # done, and t3's first is a4 (a4 < a5 at the same time).
    ingest_records(
        backend_store,
        [
            event("e5", "review.rejected", "a1", "t1", 11, actor="rev"),
            event("e6", "review.rejected", "a3", "t3", 11, actor="rev"),
        ],
    )
    assert firsts(backend_store) == [("p1", "t3", "a4", "bob", at(10))]
    # Accepted again, a3 is t3's first once more.
    ingest_records(backend_store, [event("e7", "review.accepted", "a3", "t3", 12, actor="rev")])
    assert firsts(backend_store) == [
        ("p1", "t3", "a3", "ann", at(9)),
    ]
