"""The DuckDB store on a real file: migrations, atomic batches, the derived state table."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest

import labelpulse.store.duckdb as duck
from labelpulse.errors import InvalidRecordsError, UsageError
from labelpulse.ingest import ingest_records
from labelpulse.store import Store, connect
from labelpulse.store.check import check_state, repair_state
from labelpulse.store.work import NONE_BEFORE


def event(record_id: str, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": record_id,
        "type": "annotation.submitted",
        "time": "2026-03-02T10:00:00Z",
        "actor": "ann",
        "project": "p1",
        "task": "t1",
        "annotation": "a1",
    }
    record.update(fields)
    return record


def snapshot(store: Store, table: str) -> list[tuple[Any, ...]]:
    return [tuple(r.values()) for r in store.rows(f"SELECT * FROM {table} ORDER BY ALL")]


def count(store: Store, table: str) -> int:
    return int(store.rows(f"SELECT count(*) AS n FROM {table}")[0]["n"])


def test_schema_version_is_the_number_of_migrations(store: Store) -> None:
    assert store.schema_version() == len(duck.MIGRATIONS)


def test_reopening_keeps_data_and_does_not_rerun_migrations(tmp_path: Path) -> None:
    path = str(tmp_path / "lp.duckdb")
    first = connect(path)
    ingest_records(first, [event("e1", duration=5)])
    first.close()
    # reopening: the migration (plain CREATE TABLE) would fail if it ran again
    again = connect(path)
    try:
        assert again.schema_version() == len(duck.MIGRATIONS)
        assert count(again, "events") == 1
        assert count(again, "schema_version") == 1
        assert snapshot(again, "state")[0][0] == "a1"
    finally:
        again.close()


def test_a_new_migration_runs_once_on_an_existing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = str(tmp_path / "lp.duckdb")
    old = connect(path)
    ingest_records(old, [event("e1")])
    old.close()
    monkeypatch.setattr(duck, "MIGRATIONS", (*duck.MIGRATIONS, "CREATE TABLE extra (x INTEGER)"))
    for _ in range(2):  # the second open must not run it again (CREATE TABLE would fail)
        store = connect(path)
        try:
            assert store.schema_version() == len(duck.MIGRATIONS)
            assert count(store, "extra") == 0
            assert count(store, "events") == 1
        finally:
            store.close()


def test_atomic_batch_with_a_conflict_stores_nothing(store: Store) -> None:
    ingest_records(store, [event("e1", duration=5)])
    events_before = snapshot(store, "events")
    state_before = snapshot(store, "state")
    batch = [
        event("e2", annotation="a2", task="t2", duration=7),
        {"kind": "member", "id": "ann", "name": "Ann", "role": "annotator"},
        event("e1", duration=6),  # same id, different content: a conflict
    ]
    with pytest.raises(InvalidRecordsError) as caught:
        ingest_records(store, batch)
    assert [d["position"] for d in caught.value.details] == [3]
    assert snapshot(store, "events") == events_before
    assert snapshot(store, "state") == state_before
    assert count(store, "events") == 1
    assert count(store, "members") == 0
    assert check_state(store).differences == 0


def test_atomic_batch_with_an_invalid_record_stores_nothing(store: Store) -> None:
    with pytest.raises(InvalidRecordsError):
        ingest_records(store, [event("e1"), event("e2", durration=3)])
    assert count(store, "events") == 0
    assert count(store, "state") == 0


def test_duplicates_are_stored_once(store: Store) -> None:
    first = ingest_records(store, [event("e1", duration=5)])
    again = ingest_records(store, [event("e1", duration=5), event("e2", annotation="a2")])
    assert (first.stored, first.duplicates) == (1, 0)
    assert (again.stored, again.duplicates) == (1, 1)
    assert count(store, "events") == 2


MIXED = [
    event("e5", type="review.rejected", actor="rev", time="2026-03-03T10:00:00Z", duration=4),
    event("e1", type="annotation.draft", duration=10, idle=2),
    event("e3", time="2026-03-02T11:00:00Z", duration=20),
    event("e7", type="annotation.updated", time="2026-03-04T10:00:00Z", duration=5),
    event("e8", annotation="a2", task="t2", actor="bo", type="annotation.skipped"),
    event("e9", annotation="a2", task="t2", actor="bo", time="2026-03-05T10:00:00Z"),
    event("e10", annotation="a3", task="t3", type="annotation.deleted"),
    event("e11", annotation="a4", task="t4", type="review.accepted", actor="rev", author="cy"),
    event("e12", annotation="a1", type="comment.created", actor="rev", text="ok"),
]


def test_check_state_is_zero_after_ingests_in_any_order(store: Store) -> None:
    # three batches, later events first
    ingest_records(store, MIXED[3:6])
    assert check_state(store).differences == 0
    ingest_records(store, MIXED[6:])
    ingest_records(store, MIXED[:3])
    assert check_state(store).differences == 0
    state = {r["annotation"]: r for r in store.rows("SELECT * FROM state")}
    # a1: last action `updated` (e7, 03-04), lead 10 + 20 + 5 = 35 s, active 33 s
    assert state["a1"]["author"] == "ann"
    assert state["a1"]["last_action"] == "updated"
    assert state["a1"]["lead_us"] == 35_000_000
    assert state["a1"]["active_us"] == 33_000_000
    assert state["a2"]["last_action"] == "submitted"
    assert state["a3"]["last_action"] == "deleted"
    assert state["a4"]["author"] == "cy"


def test_work_rows_of_an_older_file_gain_the_reviewing_times(tmp_path: Path) -> None:
    """Migration 8 on a file of version 7 (whose `work_events` lacks the `reviewing_*` columns)
    makes the table again, equal to a rebuild."""
    path = str(tmp_path / "old.duckdb")
    first = connect(path)
    ingest_records(first, [
        event("e1", duration=5),
        event("e2", type="review.viewed", actor="rev", time="2026-03-02T10:00:00Z", duration=3),
        event("e3", type="review.accepted", actor="rev", time="2026-03-02T11:00:00Z", duration=4),
    ])  # fmt: skip
    first.close()
    con = duckdb.connect(path)
    for column in ("reviewing_prev_us", "reviewing_next_us", "any_reviewing_prev_us",
                   "any_reviewing_next_us"):  # fmt: skip
        con.execute(f"ALTER TABLE work_events DROP COLUMN {column}")
    con.execute("UPDATE schema_version SET version = 7")
    con.close()
    store = connect(path)
    try:
        assert store.schema_version() == len(duck.MIGRATIONS)
        assert count(store, "work_events") == 3
        assert check_state(store).agrees
        rows = store.rows("SELECT id, reviewing_prev_us FROM work_events ORDER BY id")
        viewed = int(dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC).timestamp()) * 1_000_000
        # the submission is no review; the view is its pair's first review row, then the accept
        assert [row["reviewing_prev_us"] for row in rows] == [None, NONE_BEFORE, viewed]
    finally:
        store.close()


def test_work_rows_of_an_older_file_gain_the_moved_flag(tmp_path: Path) -> None:
    """Migration 9 on a file of version 8 (whose `work_events` lacks `moved`) makes the table
    again, equal to a rebuild: the row of an annotation whose state is in another task is
    flagged."""
    path = str(tmp_path / "old.duckdb")
    first = connect(path)
    ingest_records(first, [
        event("e1", duration=5),
        event("e2", type="annotation.updated", task="t2", time="2026-03-02T11:00:00Z"),
    ])  # fmt: skip
    first.close()
    con = duckdb.connect(path)
    con.execute("ALTER TABLE work_events DROP COLUMN moved")
    con.execute("UPDATE schema_version SET version = 8")
    con.close()
    store = connect(path)
    try:
        assert store.schema_version() == len(duck.MIGRATIONS)
        assert check_state(store).agrees
        rows = store.rows("SELECT id, task, annotation_task, moved FROM work_events ORDER BY id")
        # the annotation's state follows its latest event, into t2: its first row is moved
        assert [(r["id"], r["task"], r["annotation_task"], r["moved"]) for r in rows] == [
            ("e1", "t1", "t2", True),
            ("e2", "t2", "t2", False),
        ]
    finally:
        store.close()


def test_work_rows_of_a_task_continued_with_older_events_are_recomputed(store: Store) -> None:
    # Each batch a new annotation of the stored task t1, the second one older than its rows:
    # the third must still find (and recompute) the rows of both before it.
    ingest_records(store, [event("e1", time="2026-03-05T10:00:00Z")])
    ingest_records(store, [event("e2", annotation="a2", time="2026-03-01T10:00:00Z")])
    ingest_records(store, [event("e3", annotation="a3", time="2026-03-03T10:00:00Z")])
    assert check_state(store).differences == 0
    rows = store.rows("SELECT time_us, done_prev_us FROM work_events ORDER BY time_us")
    assert [r["done_prev_us"] for r in rows[1:]] == [r["time_us"] for r in rows[:-1]]
    tasks = store.rows("SELECT task, first_us FROM work_tasks")
    assert tasks == store.rows("SELECT task, min(time_us) AS first_us FROM events GROUP BY task")


def test_repair_state_gives_the_same_state(store: Store) -> None:
    ingest_records(store, MIXED[5:])
    ingest_records(store, MIXED[:5])
    before = snapshot(store, "state")
    repair_state(store)
    assert snapshot(store, "state") == before
    assert check_state(store).differences == 0


def test_check_state_sees_a_damaged_state(store: Store) -> None:
    ingest_records(store, MIXED)
    repair_state(store)
    con = store._con  # type: ignore[attr-defined]
    con.execute("UPDATE state SET lead_us = lead_us + 1 WHERE annotation = 'a1'")
    assert check_state(store).differences > 0
    repair_state(store)
    assert check_state(store).differences == 0


def test_directory_records_are_upserted(store: Store) -> None:
    ann = {"kind": "member", "id": "ann", "name": "Ann", "role": "annotator"}
    first = ingest_records(
        store,
        [
            ann,
            {"kind": "workspace", "id": "w1", "name": "Vision"},
            {"kind": "project", "id": "p1", "name": "Street", "workspace": "w1"},
            {"kind": "membership", "member": "ann", "project": "p1"},
        ],
    )
    assert (first.directory_stored, first.directory_unchanged) == (4, 0)
    again = ingest_records(
        store,
        [
            ann,  # identical: unchanged
            {**ann, "name": "Ann Smith", "role": "reviewer"},  # changed: replaces
            {"kind": "project", "id": "p1", "name": "Street scenes", "workspace": "w1"},
            {"kind": "membership", "member": "ann", "project": "p1"},  # a set: unchanged
            {"kind": "membership", "member": "ann", "workspace": "w1"},
        ],
    )
    assert (again.directory_stored, again.directory_unchanged) == (3, 2)
    assert store.rows("SELECT id, name, role FROM members") == [
        {"id": "ann", "name": "Ann Smith", "role": "reviewer"}
    ]
    assert store.rows("SELECT name FROM projects WHERE id = 'p1'") == [{"name": "Street scenes"}]
    assert count(store, "memberships") == 2


def test_directory_rename_shows_in_reports(store: Store) -> None:
    from labelpulse.config import Settings
    from labelpulse.metrics import report

    ingest_records(store, [event("e1")])

    def name() -> str:
        result = report(
            store,
            "member",
            start="2026-03-01",
            end="2026-03-31",
            tz="UTC",
            member="ann",
            settings=Settings(),
        )
        return str(result["member"]["name"])

    assert name() == "ann"
    ingest_records(store, [{"kind": "member", "id": "ann", "name": "Ann", "role": "annotator"}])
    assert name() == "Ann"
    ingest_records(store, [{"kind": "member", "id": "ann", "name": "Ann B", "role": "annotator"}])
    assert name() == "Ann B"


def test_get_in_reads_a_batch_of_keys_with_filters(store: Store) -> None:
    for n in range(5):
        store.put(
            "external_ids",
            {"source": "ls", "kind": "task", "external_id": str(n), "internal_id": f"t{n}"},
        )
    store.put(
        "external_ids", {"source": "cvat", "kind": "task", "external_id": "1", "internal_id": "x"}
    )
    rows = store.get_in(
        "external_ids", "external_id", ["1", "3", "9"], columns=("internal_id",), source="ls"
    )
    assert sorted(r["internal_id"] for r in rows) == ["t1", "t3"]
    assert store.get_in("external_ids", "external_id", []) == []
    with pytest.raises(UsageError):
        store.get_in("accounts; DROP TABLE events", "member", ["x"])


def test_a_database_url_is_printed_without_its_password() -> None:
    from labelpulse.store.base import redacted

    assert redacted("postgresql://lp:s3cret@db:5432/lp") == "postgresql://lp:***@db:5432/lp"
    assert redacted("clickhouse://default:pw@ch:8123/db") == "clickhouse://default:***@ch:8123/db"
    assert redacted("postgresql://lp@db/lp") == "postgresql://lp@db/lp"
    assert redacted("labelpulse.duckdb") == "labelpulse.duckdb"


def test_an_import_lets_the_log_grow_and_bounds_memory_then_puts_both_back(tmp_path: Path) -> None:
    store = connect(str(tmp_path / "import.duckdb"))
    assert isinstance(store, duck.DuckDBStore)

    def settings() -> tuple[Any, Any]:
        return (
            store.rows("SELECT current_setting('checkpoint_threshold') AS v")[0]["v"],
            store.rows("SELECT current_setting('memory_limit') AS v")[0]["v"],
        )

    usual = settings()
    with store.importing():
        inside = settings()
        ingest_records(store, [event("e1"), event("e2")])
    assert inside[0] != usual[0] and inside[1] != usual[1]
    assert settings() == usual
    assert check_state(store).agrees
    store.close()


def test_an_export_bounds_memory_then_puts_it_back(store: Store) -> None:
    def limit() -> Any:
        return store.rows("SELECT current_setting('memory_limit') AS v")[0]["v"]

    usual = limit()
    with store.exporting():
        inside = limit()
    assert inside != usual and limit() == usual
