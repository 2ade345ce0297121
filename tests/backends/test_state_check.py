"""`check_state` finds a damaged state table on every backend, and `repair_state` mends it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg

from labelpulse.ingest import ingest_records
from labelpulse.store import Store
from labelpulse.store.check import check_state, repair_state
from labelpulse.store.work import WORK_COLUMNS


def event(record_id: str, kind: str, annotation: str, hour: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": record_id,
        "type": kind,
        "time": f"2026-03-02T{hour:02d}:00:00Z",
        "actor": "ann",
        "project": "p1",
        "task": f"t-{annotation}",
        "annotation": annotation,
        "duration": 30,
        **fields,
    }


EVENTS = [
    event("e1", "annotation.submitted", "a1", 9),
    event("e2", "annotation.submitted", "a2", 10),
    event("e3", "review.accepted", "a2", 11, actor="rev", agreement=0.5),
    event("e4", "annotation.submitted", "a3", 12),
]


def _duckdb(store: Store) -> None:
    con = store._con  # type: ignore[attr-defined]
    con.execute("UPDATE state SET lead_us = lead_us + 1 WHERE annotation = 'a1'")
    con.execute("DELETE FROM review_actions WHERE annotation = 'a2'")
    con.execute("UPDATE work_events SET kind = 'edit' WHERE annotation = 'a3'")
    con.execute("DELETE FROM task_firsts WHERE annotation = 'a3'")


def _postgres(store: Store) -> None:
    with psycopg.connect(store.url, autocommit=True) as con:
        con.execute("UPDATE state SET lead_us = lead_us + 1 WHERE annotation = 'a1'")
        con.execute("DELETE FROM review_actions WHERE annotation = 'a2'")
        con.execute("UPDATE work_events SET kind = 'edit' WHERE annotation = 'a3'")
        con.execute("DELETE FROM task_firsts WHERE annotation = 'a3'")


def _clickhouse(store: Store) -> None:
    con = store._con  # type: ignore[attr-defined]
    columns = "annotation, project, task, author, last_action, completed_us, lead_us, active_us"
    con.execute(
        f"INSERT INTO state ({columns}, _version) SELECT annotation, project, task, author, "
        "last_action, completed_us, lead_us + 1, active_us, _version + 1 FROM state "
        "WHERE annotation = 'a1'"
    )
    reviews = "annotation, author, annotation_project, project, time_us, type, agreement, event"
    con.execute(
        f"INSERT INTO review_actions ({reviews}, _version, _deleted) SELECT {reviews}, "
        "_version + 1, 1 FROM review_actions WHERE annotation = 'a2'"
    )
    work = ", ".join(c.name for c in WORK_COLUMNS)
    con.execute(
        f"INSERT INTO work_events ({work}, _version) SELECT * REPLACE ('edit' AS kind), "
        "_version + 1 FROM work_events WHERE annotation = 'a3'"
    )
    firsts = "project, task, annotation, author, first_us"
    con.execute(
        f"INSERT INTO task_firsts ({firsts}, _version, _deleted) SELECT {firsts}, "
        "_version + 1, 1 FROM task_firsts WHERE annotation = 'a3'"
    )


# A changed state row of a1, a lost review action of a2, a changed work row of a3 and a lost
# first of a3's task, as each backend can be damaged.
DAMAGE: dict[str, Callable[[Store], None]] = {
    "duckdb": _duckdb,
    "postgres": _postgres,
    "clickhouse": _clickhouse,
}


def test_a_damaged_state_is_found_and_repaired(backend_store: Store) -> None:
    ingest_records(backend_store, EVENTS)
    assert check_state(backend_store).agrees
    DAMAGE[backend_store.dialect](backend_store)
    found = check_state(backend_store)
    assert not found.agrees
    by_table = {t.table: t for t in found.tables}
    state, reviews = by_table["state"], by_table["review_actions"]
    work, firsts = by_table["work_events"], by_table["task_firsts"]
    assert (state.stored_only, state.rebuilt_only, state.examples) == (1, 1, ("a1",))
    assert (reviews.stored_only, reviews.rebuilt_only, reviews.examples) == (0, 1, ("a2",))
    assert (work.stored_only, work.rebuilt_only, work.examples) == (1, 1, ("a3",))
    assert (firsts.stored_only, firsts.rebuilt_only, firsts.examples) == (0, 1, ("a3",))
    assert found.differences == 6
    repair_state(backend_store)
    assert check_state(backend_store).agrees
    assert check_state(backend_store).as_dict()["tables"] == [
        {"table": t, "differences": 0, "stored_only": 0, "rebuilt_only": 0, "examples": []}
        for t in ("state", "review_actions", "work_events", "task_firsts")
    ]
