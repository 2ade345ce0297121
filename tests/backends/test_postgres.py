"""The PostgreSQL store on a real server: COPY ingest, migrations, several writing processes."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import random
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pyarrow as pa
import pytest

import labelpulse.store.postgres.append as pg_append
import labelpulse.store.postgres.store as pg_store
from labelpulse import demo
from labelpulse.errors import InvalidRecordsError, StoreError
from labelpulse.events import EVENT_SCHEMA
from labelpulse.ingest import import_file, ingest_records
from labelpulse.metrics import REPORTS, report
from labelpulse.store import Store, connect
from labelpulse.store.base import AppendOutcome, ValidatedBatch, redacted
from labelpulse.store.check import check_state, repair_state
from labelpulse.store.columns import names
from labelpulse.store.postgres.append import IMPORT_LOCK, Copied, copy_events, finish
from labelpulse.store.postgres.connections import pyformat
from labelpulse.store.postgres.schema import MIGRATIONS, REPORT_INDEXES
from labelpulse.store.work import WORK_COLUMNS
from labelpulse.validation import Validator, encode_records
from tests.backends.postgres_server import PostgresServer, fresh_database

COLUMNS = ", ".join(EVENT_SCHEMA.names)
# The columns migration 7 adds to `work_events`.
REVIEWING = (
    "reviewing_prev_us",
    "reviewing_next_us",
    "any_reviewing_prev_us",
    "any_reviewing_next_us",
)
START, END = dt.date(2026, 3, 1), dt.date(2026, 3, 6)
MEMBERS = ("ann-01", "ann-02", "rev-01", "mgr-01")


@pytest.fixture
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from fresh_database(request, tmp_path)


@pytest.fixture
def pg(url: str) -> Iterator[Store]:
    store = connect(url)
    yield store
    store.close()


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


def stored_events(store: Store) -> pa.Table:
    return store.query(f"SELECT {COLUMNS} FROM events ORDER BY id").cast(EVENT_SCHEMA)


def organisation(events: int = 1500, seed: int = 3) -> list[dict[str, Any]]:
    return list(demo.generate(members=8, days=5, events=events, seed=seed, end=END))


def figures(store: Store) -> dict[str, Any]:
    def one(name: str, member: str | None = None) -> dict[str, Any]:
        return report(
            store, name, start=str(START), end=str(END), tz="Europe/Berlin", member=member
        )

    out: dict[str, Any] = {}
    for name in REPORTS:
        if name in ("member", "timeline", "comments"):
            for member in MEMBERS:
                out[f"{name}:{member}"] = one(name, member)
        else:
            out[name] = one(name)
    return out


def state_rows(store: Store) -> list[tuple[Any, ...]]:
    rows = store.rows(
        "SELECT annotation, project, task, author, last_action, completed_us, lead_us, active_us "
        "FROM state ORDER BY annotation"
    )
    return [tuple(row.values()) for row in rows]


# -- schema -----------------------------------------------------------------------------------


def test_an_empty_database_is_migrated_to_the_latest_version(pg: Store, url: str) -> None:
    assert pg.schema_version() == len(MIGRATIONS)
    with psycopg.connect(url) as con:
        tables = {
            r[0] for r in con.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
        indexes = {
            r[0]
            for r in con.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
        }
    assert {"events", "state", "review_actions", "members", "tokens", "external_ids"} <= tables
    assert {
        "events_pkey",
        "events_annotation",
        "events_actor_time",
        "state_pkey",
        "state_author_completed",
        "review_actions_annotation",
        "review_actions_author_time",
        "work_events_task",
        "work_events_time",
    } <= indexes


def test_reopening_runs_no_migration_again_and_a_new_one_once(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = connect(url)
    ingest_records(first, [event("e1", duration=5)])
    first.close()
    monkeypatch.setattr(pg_store, "MIGRATIONS", (*MIGRATIONS, "CREATE TABLE extra (x INTEGER)"))
    for _ in range(2):  # the second open must not run it again (CREATE TABLE would fail)
        store = connect(url)
        try:
            assert store.schema_version() == len(MIGRATIONS) + 1
            assert store.rows("SELECT count(*) AS n FROM extra") == [{"n": 0}]
            assert store.rows("SELECT count(*) AS n FROM events") == [{"n": 1}]
        finally:
            store.close()


@pytest.mark.parametrize(
    ("columns", "version"),
    [(REVIEWING, 6), (("moved",), 7)],
    ids=["reviewing-times", "moved-flag"],
)
def test_work_rows_of_an_older_database_gain_the_new_columns(
    url: str, columns: tuple[str, ...], version: int
) -> None:
    """Migration 7 on a database of version 6 (whose `work_events` lacks the `reviewing_*`
    columns), or 8 on one of version 7 (lacking `moved`), makes the table again: equal to a
    rebuild, and its indexes back."""
    first = connect(url)
    ingest_records(first, organisation(events=300))
    first.close()
    with psycopg.connect(url, autocommit=True) as con:
        for column in columns:
            con.execute(f"ALTER TABLE work_events DROP COLUMN {column}")
        con.execute(f"UPDATE schema_version SET version = {version}")
    store = connect(url)
    try:
        assert store.schema_version() == len(MIGRATIONS)
        assert store.rows("SELECT count(*) AS n FROM work_events") == [{"n": 300}]
        assert check_state(store).agrees
        indexes = store.rows("SELECT indexname FROM pg_indexes WHERE tablename = 'work_events'")
        assert {row["indexname"] for row in indexes} == {"work_events_task", "work_events_time"}
    finally:
        store.close()


def test_a_database_holding_events_gains_its_work_rows_from_the_log(url: str) -> None:
    """Migration 6 on a database of version 5 fills `work_events` from the stored events."""
    first = connect(url)
    ingest_records(first, organisation(events=300))
    first.close()
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("DROP TABLE work_events")
        con.execute("UPDATE schema_version SET version = 5")
    store = connect(url)
    try:
        assert store.schema_version() == len(MIGRATIONS)
        assert store.rows("SELECT count(*) AS n FROM work_events") == [{"n": 300}]
        assert check_state(store).agrees
    finally:
        store.close()


def test_a_failed_migration_is_a_store_error_and_leaves_the_version(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect(url).close()
    monkeypatch.setattr(pg_store, "MIGRATIONS", (*MIGRATIONS, "CREATE TABLE events (x INTEGER)"))
    with pytest.raises(StoreError, match=f"schema version {len(MIGRATIONS) + 1}"):
        connect(url)
    monkeypatch.undo()
    store = connect(url)
    assert store.schema_version() == len(MIGRATIONS)
    store.close()


def test_an_unreachable_server_is_a_store_error_without_the_password() -> None:
    with pytest.raises(StoreError) as caught:
        connect("postgresql://lp:s3cret@127.0.0.1:9/nothing?connect_timeout=2")
    assert "s3cret" not in str(caught.value)
    assert "lp:***@127.0.0.1:9" in str(caught.value)


# -- COPY ingest ------------------------------------------------------------------------------

AWKWARD = [
    event("e1", text="", meta={"a": [1, "x,y"]}, agreement=0.1 + 0.2, idle=1.5, duration=3.25),
    event("e2", type="comment.created", text='say "hi",\nthen\\leave ✓', agreement=1e-7),
    event("e3", annotation="a2", task="t2", regions=0, frames=1, model_assisted=True),
    event("e4", annotation="a3", author="bob", work_type="edit", marked_null=True),
    event("e5", type="review.fixed_and_accepted", actor="rev", agreement=0.0),
]


def test_copy_keeps_every_value_exactly(pg: Store, tmp_path: Path) -> None:
    reference = connect(str(tmp_path / "reference.duckdb"))
    for store in (pg, reference):
        ingest_records(store, AWKWARD)
    assert stored_events(pg).equals(stored_events(reference))
    assert state_rows(pg) == state_rows(reference)
    assert pg.rows("SELECT text FROM events WHERE id IN ('e1', 'e3') ORDER BY id") == [
        {"text": ""},
        {"text": None},
    ]
    # Stored exactly: the same records again are duplicates, not conflicts.
    again = ingest_records(pg, AWKWARD)
    assert (again.stored, again.duplicates) == (0, len(AWKWARD))
    reference.close()


def test_duplicates_and_conflicts_are_counted_as_duckdb_counts_them(
    pg: Store, tmp_path: Path
) -> None:
    reference = connect(str(tmp_path / "reference.duckdb"))
    first = [event("e1", duration=5), event("e2", annotation="a2", task="t2")]
    second = [
        event("e3", annotation="a2", task="t2", type="annotation.updated"),
        event("e1", duration=5),  # stored already, identical: a duplicate
        event("e2", annotation="a2", task="t2", duration=9),  # stored, different: a conflict
        event("e3", annotation="a2", task="t2", type="annotation.updated"),  # repeated in batch
        event("e4", duration=1),
        event("e4", duration=2),  # repeated in the batch with other content: a conflict
    ]
    outcomes = []
    for store in (pg, reference):
        for batch in (first, second):
            validated = Validator().validate_lines(encode_records(batch), range(1, len(batch) + 1))
            outcomes.append(store.append(validated.events, validated.positions, []))
    assert outcomes[:2] == outcomes[2:]
    assert (outcomes[1].stored, outcomes[1].duplicates) == (2, 2)
    assert sorted(e.as_dict()["position"] for e in outcomes[1].conflicts) == [3, 6]
    assert stored_events(pg).equals(stored_events(reference))
    assert state_rows(pg) == state_rows(reference)
    assert check_state(pg).differences == 0
    reference.close()


def work_rows(store: Store) -> list[dict[str, Any]]:
    return store.rows(f"SELECT {names(WORK_COLUMNS)} FROM work_events ORDER BY id")


def test_later_batches_recompute_the_work_rows_of_tasks_stored_before(
    pg: Store, tmp_path: Path
) -> None:
    """Batches that add an annotation to a stored task, an event earlier than the stored ones
    to a stored annotation, and a review of an annotation whose author a batch before set:
    the rows of those tasks are computed again with the stored ones, as DuckDB computes them,
    on the COPY path and on the careful one (a stored id in the batch), and those of the
    tasks the batch's annotations share with them."""
    reference = connect(str(tmp_path / "reference.duckdb"))
    batches = [
        [
            event("e1", time="2026-03-02T10:00:00Z"),
            event("e2", annotation="a2", actor="bob", time="2026-03-02T12:00:00Z"),
            event("e3", task="t2", annotation="a3", time="2026-03-02T10:00:00Z", frames=5),
        ],
        [
            # bob's second annotation of t1, before his stored one: its labeling_prev_us moves
            event("e4", annotation="a4", actor="bob", time="2026-03-02T11:00:00Z"),
            event("e5", type="review.accepted", actor="rev", time="2026-03-02T13:00:00Z"),
            # an edit of a3 earlier than its submission, with the task's frames
            event(
                "e6",
                type="annotation.updated",
                task="t2",
                annotation="a3",
                actor="bob",
                time="2026-03-02T09:00:00Z",
                frames=7,
            ),
        ],
        [
            event("e1", time="2026-03-02T10:00:00Z"),  # stored already: the careful path
            event("e7", type="annotation.updated", time="2026-03-02T10:30:00Z", frames=3),
            event("e8", type="review.rejected", actor="rev", task="t2", annotation="a3"),
            # a new annotation in t1 and in a new task, and another one in that task: both
            # tasks are computed again, whole
            event("e9", annotation="a6", actor="cat", time="2026-03-02T14:00:00Z"),
            event("e10", annotation="a6", actor="cat", task="t4", type="annotation.updated"),
            event("e11", annotation="a7", actor="dan", task="t4", frames=2),
        ],
    ]
    for store in (pg, reference):
        for records in batches:
            validated = Validator().validate_lines(
                encode_records(records), range(1, len(records) + 1)
            )
            store.append(validated.events, validated.positions, [])
    assert len(work_rows(pg)) == 11
    assert work_rows(pg) == work_rows(reference)
    assert check_state(pg).agrees
    reference.close()


def test_an_atomic_batch_with_a_conflict_stores_nothing(pg: Store) -> None:
    ingest_records(pg, [event("e1", duration=5)])
    before = (stored_events(pg), state_rows(pg))
    batch = [
        event("e2", annotation="a2", task="t2", duration=7),
        {"kind": "member", "id": "ann", "name": "Ann", "role": "annotator"},
        event("e1", duration=6),
    ]
    with pytest.raises(InvalidRecordsError) as caught:
        ingest_records(pg, batch)
    assert [d["position"] for d in caught.value.details] == [3]
    assert "conflicts with an event already stored" in caught.value.details[0]["message"]
    assert stored_events(pg).equals(before[0])
    assert state_rows(pg) == before[1]
    assert pg.get("members") == []


def test_a_nul_character_is_refused_with_the_record_named(pg: Store) -> None:
    with pytest.raises(InvalidRecordsError) as caught:
        ingest_records(pg, [event("e1"), event("e2", text="a\u0000b")])
    assert [(d["position"], d["id"], d["field"]) for d in caught.value.details] == [
        (2, "e2", "text")
    ]
    assert pg.rows("SELECT count(*) AS n FROM events") == [{"n": 0}]


def test_directory_records_are_upserted(pg: Store) -> None:
    ann = {"kind": "member", "id": "ann", "name": "Ann", "role": "annotator"}
    project = {"kind": "project", "id": "p1", "name": "Street", "workspace": "w1"}
    first = ingest_records(
        pg, [ann, project, {"kind": "membership", "member": "ann", "project": "p1"}]
    )
    assert (first.directory_stored, first.directory_unchanged) == (3, 0)
    again = ingest_records(
        pg,
        [
            ann,
            {**ann, "name": "Ann B"},
            {**project, "workspace": None},
            {"kind": "membership", "member": "ann", "project": "p1"},
        ],
    )
    assert (again.directory_stored, again.directory_unchanged) == (2, 2)
    assert pg.get("members") == [{"id": "ann", "name": "Ann B", "email": None, "role": "annotator"}]
    assert pg.get("projects") == [
        {"id": "p1", "name": "Street", "workspace": None, "tasks": None, "deadline": None}
    ]


# -- reading ----------------------------------------------------------------------------------


def test_rows_take_named_placeholders_and_literal_percent_signs(pg: Store) -> None:
    ingest_records(pg, [event("e1", duration=2), event("e2", annotation="a2", duration=3)])
    rows = pg.rows(
        "SELECT count(*) AS n, sum(duration_us) AS total, avg(duration_us) AS mean, "
        "$label AS label FROM events WHERE type LIKE 'annotation.%' AND time_us >= $since",
        {"since": 0, "label": "x"},
    )
    assert rows == [{"n": 2, "total": 5_000_000, "mean": 2_500_000.0, "label": "x"}]
    assert isinstance(rows[0]["total"], int) and isinstance(rows[0]["mean"], float)
    assert pyformat("SELECT '%' || $a, $b_2") == "SELECT '%%' || %(a)s, %(b_2)s"
    table = pg.query("SELECT id, time_us, model_assisted, agreement FROM events ORDER BY id")
    assert table.schema.types == [pa.string(), pa.int64(), pa.bool_(), pa.float64()]
    assert table.column("id").to_pylist() == ["e1", "e2"]


def test_record_tables_put_get_and_remove(pg: Store) -> None:
    pg.put("secrets", {"name": "session", "value": "a"})
    pg.put("secrets", {"name": "session", "value": "b"})
    pg.put_many(
        "external_ids",
        [
            {"source": "ls", "kind": "task", "external_id": str(n), "internal_id": f"t{n}"}
            for n in range(5)
        ],
    )
    assert pg.get("secrets") == [{"name": "session", "value": "b"}]
    found = pg.get_in(
        "external_ids", "external_id", ["1", "3", "9"], columns=["internal_id"], source="ls"
    )
    assert sorted(r["internal_id"] for r in found) == ["t1", "t3"]
    assert pg.remove("external_ids", source="ls", kind="task") == 5
    assert pg.get("external_ids") == []


def test_the_cache_is_emptied_by_a_write_of_another_process(pg: Store, url: str) -> None:
    other = connect(url)  # another store object: as another server process would hold
    try:
        pg.cache["directory"] = "loaded"
        assert pg.cache == {"directory": "loaded"}
        other.put("secrets", {"name": "s", "value": "v"})
        assert pg.cache == {}
    finally:
        other.close()


def test_check_state_sees_a_damaged_state(pg: Store, url: str) -> None:
    ingest_records(pg, organisation(events=300))
    assert check_state(pg).differences == 0
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(
            "UPDATE state SET lead_us = lead_us + 1 "
            "WHERE annotation = (SELECT min(annotation) FROM state)"
        )
        con.execute(
            "DELETE FROM review_actions WHERE ctid = (SELECT ctid FROM review_actions LIMIT 1)"
        )
    assert check_state(pg).differences == 3  # one state row twice (stored, rebuilt), one review
    repair_state(pg)
    assert check_state(pg).differences == 0


# -- several writers --------------------------------------------------------------------------


def _writer(
    url: str, batches: list[list[dict[str, Any]]], pipelined: bool, start: Any, results: Any
) -> None:
    """One process: open the store (migrating it, maybe) at once with the others, then store
    its batches one `append` at a time, or (`pipelined`) as an import does, two in flight."""
    start.wait()
    stored = duplicates = 0
    conflicts: list[tuple[str, bool]] = []
    try:
        store = connect(url)
        try:
            handed = [validated(batch, first=0) for batch in batches]
            outcomes = (
                store.append_batches(handed)
                if pipelined
                else (store.append(*batch) for batch in handed)
            )
            for batch, outcome in zip(batches, outcomes, strict=True):
                stored += outcome.stored
                duplicates += outcome.duplicates
                for err in outcome.conflicts:
                    variant = batch[err.position].get("text") == VARIANT
                    conflicts.append((str(err.record_id), variant))
        finally:
            store.close()
    except Exception as exc:  # told to the test, which fails with it
        results.put(repr(exc))
        return
    results.put((stored, duplicates, conflicts))


VARIANT = "second version"


def _conflicts(
    plans: list[list[list[dict[str, Any]]]], kept: dict[str, bool]
) -> list[tuple[str, bool]]:
    """The records that must come back as conflicts: a later copy of an id in its batch that
    differs from the first copy there, or a first copy that differs from the stored event (the
    version stored first, by whichever process)."""
    found: list[tuple[str, bool]] = []
    for plan in plans:
        for batch in plan[1:]:
            first: dict[str, bool] = {}
            for record in batch:
                variant = record.get("text") == VARIANT
                against = first[record["id"]] if record["id"] in first else kept[record["id"]]
                first.setdefault(record["id"], variant)
                if variant != against:
                    found.append((record["id"], variant))
    return found


def test_several_processes_writing_overlapping_batches(url: str, tmp_path: Path) -> None:
    """Four processes, started at once on a new database, store shuffled, overlapping
    batches of one organisation's events, some of them in two versions (a conflict); two
    append one batch at a time, two store theirs as an import does, two in flight. Every id
    is stored once, the conflicts are exactly the records that differ from the stored event
    (or from an earlier copy in their batch), the state equals a rebuild, and the figures are
    DuckDB's for the events kept."""
    records = organisation()
    directory = [r for r in records if "kind" in r]
    events = [r for r in records if "kind" not in r]
    rng = random.Random(5)
    variants = [{**r, "text": VARIANT} for r in rng.sample(events, 60)]
    writers = 4
    plans: list[list[list[dict[str, Any]]]] = []
    for _ in range(writers):
        mine = rng.sample(events, len(events) * 2 // 3) + rng.sample(variants, 20)
        rng.shuffle(mine)
        size = len(mine) // 5 + 1
        plans.append([directory] + [mine[i : i + size] for i in range(0, len(mine), size)])
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(writers)
    results = context.Queue()
    processes = [
        context.Process(target=_writer, args=(url, plan, number % 2 == 1, start, results))
        for number, plan in enumerate(plans)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=240) for _ in processes]
    assert not [o for o in outcomes if isinstance(o, str)], outcomes
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0

    store = connect(url)
    try:
        kept = {
            row["id"]: row["text"] == VARIANT for row in store.rows("SELECT id, text FROM events")
        }
        sent = [(r["id"], r.get("text") == VARIANT) for p in plans for b in p[1:] for r in b]
        ids = {record_id for record_id, _ in sent}
        assert set(kept) == ids  # each id once (the primary key says so), none lost
        conflicts = sorted(c for _, _, found in outcomes for c in found)
        assert sum(stored for stored, _, _ in outcomes) == len(ids)
        assert conflicts == sorted(_conflicts(plans, kept))
        assert sum(dups for _, dups, _ in outcomes) == len(sent) - len(conflicts) - len(ids)
        assert store.schema_version() == len(MIGRATIONS)
        assert check_state(store).differences == 0

        reference = connect(str(tmp_path / "reference.duckdb"))
        kept_events = stored_events(store)
        order = list(range(kept_events.num_rows))
        rng.shuffle(order)
        ingest_records(reference, directory)
        for part in range(0, len(order), 500):  # in another order and other batches
            taken = kept_events.take(order[part : part + 500])
            reference.append(taken, range(taken.num_rows), [])
        assert state_rows(store) == state_rows(reference)
        assert figures(store) == figures(reference)
        reference.close()
    finally:
        store.close()


# -- imports into an empty database ------------------------------------------------------------


def write_ndjson(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def report_indexes(store: Store) -> set[str]:
    rows = store.rows("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
    return {row["indexname"] for row in rows} & set(REPORT_INDEXES)


def watch_indexes(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[set[str]]:
    """The report indexes present as each batch is handed to the store (the store's own
    `append_batches` stores them; only what it finds is noted)."""
    seen: list[set[str]] = []
    append_batches = store.append_batches

    def noting(batches: Iterable[ValidatedBatch]) -> Iterator[AppendOutcome]:
        def noted() -> Iterator[ValidatedBatch]:
            for batch in batches:
                seen.append(report_indexes(store))
                yield batch

        return append_batches(noted())

    monkeypatch.setattr(store, "append_batches", noting)
    return seen


def test_an_import_into_an_empty_database_builds_the_report_indexes_at_its_end(
    pg: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches go in without the report indexes; at the end they are all there, the state
    equals a rebuild, and the figures are those of the same file imported into DuckDB."""
    source = write_ndjson(tmp_path / "org.ndjson", organisation())
    seen = watch_indexes(pg, monkeypatch)
    told: list[str] = []
    summary = import_file(pg, source, batch_size=400, status=told.append)
    assert len(seen) > 3 and all(found == set() for found in seen)
    assert report_indexes(pg) == set(REPORT_INDEXES)
    assert told == ["Building the report indexes"]
    assert check_state(pg).differences == 0

    reference = connect(str(tmp_path / "reference.duckdb"))
    try:
        assert summary.as_dict() == import_file(reference, source, batch_size=400).as_dict()
        assert state_rows(pg) == state_rows(reference)
        assert figures(pg) == figures(reference)
    finally:
        reference.close()


def test_an_import_into_a_database_holding_events_keeps_its_indexes(
    pg: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = organisation()
    events = [r for r in records if "kind" not in r]
    ingest_records(pg, [r for r in records if "kind" in r] + events[:10])
    seen = watch_indexes(pg, monkeypatch)
    # The rest, and the first ten again: duplicates found after the primary key refused them.
    told: list[str] = []
    rest = write_ndjson(tmp_path / "rest.ndjson", events)
    summary = import_file(pg, rest, batch_size=400, status=told.append)
    assert len(seen) > 3 and all(found == set(REPORT_INDEXES) for found in seen)
    assert told == []
    assert (summary.stored, summary.duplicates) == (len(events) - 10, 10)
    assert check_state(pg).differences == 0


def test_an_import_that_fails_on_the_way_still_builds_the_indexes(
    pg: Store, tmp_path: Path
) -> None:
    """A batch PostgreSQL refuses ends the import with the record named; the batches before
    it stay stored, and the report indexes are built all the same."""
    records = organisation()
    bad = next(i for i, r in enumerate(records) if i > 900 and "kind" not in r)
    records[bad] = {**records[bad], "text": "a\u0000b"}
    with pytest.raises(InvalidRecordsError) as caught:
        import_file(pg, write_ndjson(tmp_path / "org.ndjson", records), batch_size=400)
    assert [d["field"] for d in caught.value.details] == ["text"]
    assert caught.value.details[0]["position"] == bad + 1
    # Every batch before the refused one, and none after it (it was in flight meanwhile).
    before = sum("kind" not in r for r in records[: bad // 400 * 400])
    assert pg.rows("SELECT count(*) AS n FROM events")[0]["n"] == before
    assert report_indexes(pg) == set(REPORT_INDEXES)
    assert check_state(pg).differences == 0


def test_indexes_an_import_left_unbuilt_are_built_when_a_store_opens(pg: Store, url: str) -> None:
    """An import that died before its end left no report index; the next store opened
    builds them, unless another import holds the import lock (it will build them itself)."""
    ingest_records(pg, organisation(events=200))
    with psycopg.connect(url, autocommit=True) as con:
        for name in REPORT_INDEXES:
            con.execute(f"DROP INDEX {name}")
        con.execute("SELECT pg_advisory_lock(%s)", [IMPORT_LOCK])
        while_importing = connect(url)
        assert report_indexes(while_importing) == set()
        while_importing.close()
        con.execute("SELECT pg_advisory_unlock(%s)", [IMPORT_LOCK])
    reopened = connect(url)
    try:
        assert report_indexes(reopened) == set(REPORT_INDEXES)
    finally:
        reopened.close()


# -- two batches in flight --------------------------------------------------------------------


def validated(records: list[dict[str, Any]], first: int = 1) -> ValidatedBatch:
    lines = encode_records(records)
    checked = Validator().validate_lines(lines, range(first, first + len(lines)))
    assert not checked.rejects
    return checked.events, checked.positions, checked.directory


def parts(records: list[dict[str, Any]], size: int) -> list[ValidatedBatch]:
    return [validated(records[i : i + size], i + 1) for i in range(0, len(records), size)]


def test_a_batch_repeating_ids_of_the_one_in_flight_before_it(pg: Store, tmp_path: Path) -> None:
    """Ids of one batch sent again, as they are and changed, at the start of the next: that
    batch's COPY waits for the one before it to commit, then takes the careful way. Counts,
    state and figures are DuckDB's for the same file."""
    events = [r for r in organisation() if "kind" not in r]
    again = events[:30] + [{**r, "text": VARIANT} for r in events[30:40]]
    records = events[:400] + again + events[400:]
    source = write_ndjson(tmp_path / "again.ndjson", records)
    summary = import_file(pg, source, batch_size=400)
    assert (summary.duplicates, summary.conflicts) == (30, 10)
    assert check_state(pg).differences == 0
    reference = connect(str(tmp_path / "reference.duckdb"))
    try:
        assert summary.as_dict() == import_file(reference, source, batch_size=400).as_dict()
        assert state_rows(pg) == state_rows(reference)
    finally:
        reference.close()


def test_closing_the_outcomes_early_stores_no_more(pg: Store) -> None:
    """The batch in flight behind the last outcome taken is rolled back."""
    events = [r for r in organisation() if "kind" not in r][:900]
    outcomes = pg.append_batches(iter(parts(events, 300)))
    first = next(outcomes)
    outcomes.close()  # type: ignore[attr-defined]
    assert first.stored == 300
    assert pg.rows("SELECT count(*) AS n FROM events")[0]["n"] == 300
    assert check_state(pg).differences == 0


def test_a_failing_source_stores_the_batches_read_before_it(pg: Store) -> None:
    events = [r for r in organisation() if "kind" not in r][:600]

    def source() -> Iterator[ValidatedBatch]:
        yield from parts(events, 300)
        raise OSError("the disk went away")

    outcomes: list[AppendOutcome] = []
    with pytest.raises(OSError, match="went away"):
        outcomes.extend(pg.append_batches(source()))
    assert [o.stored for o in outcomes] == [300, 300]
    assert pg.rows("SELECT count(*) AS n FROM events")[0]["n"] == 600


def test_a_batch_failing_under_the_lock_rolls_back_the_one_behind_it(
    pg: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first batch fails after the second has COPYed its events: the second is rolled
    back, the first one's error is raised, and nothing of either is stored."""
    events = [r for r in organisation() if "kind" not in r][:600]
    finish = pg_append.finish
    second_copied = threading.Event()
    copy_events = pg_append.copy_events

    def noting_copy(con: Any, engine: Any, table: pa.Table, positions: Any) -> Any:
        copied = copy_events(con, engine, table, positions)
        if positions[0] > 1:
            second_copied.set()
        return copied

    def failing_finish(con: Any, engine: Any, copied: Any, *args: Any, **kwargs: Any) -> Any:
        if copied.batch.column("pos")[0].as_py() == 1:
            assert second_copied.wait(30)
            raise psycopg.errors.DiskFull("no room")
        return finish(con, engine, copied, *args, **kwargs)

    monkeypatch.setattr(pg_append, "copy_events", noting_copy)
    monkeypatch.setattr(pg_append, "finish", failing_finish)
    with pytest.raises(StoreError, match="no room"):
        list(pg.append_batches(iter(parts(events, 300))))
    assert second_copied.is_set()
    assert pg.rows("SELECT count(*) AS n FROM events")[0]["n"] == 0
    assert pg.rows("SELECT count(*) AS n FROM state")[0]["n"] == 0


@pytest.mark.parametrize("way", ["append", "append_batches"])
def test_a_batch_aborted_in_a_deadlock_is_stored_again(
    pg: Store, url: str, way: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Another writer holds the batch's last id, uncommitted, and then inserts its first
    after the batch's COPY did: PostgreSQL aborts the batch (its deadlock timeout runs out
    first), the other writer commits, and the batch is stored again, both ids duplicates."""
    events = [r for r in organisation() if "kind" not in r][:300]
    events[0]["annotation"], events[-1]["annotation"] = "solo-first", "solo-last"
    done: list[AppendOutcome] = []
    failed: list[BaseException] = []

    def store() -> None:
        try:
            if way == "append":
                done.append(pg.append(*validated(events)))
            else:
                done.extend(pg.append_batches([validated(events)]))
        except BaseException as exc:
            failed.append(exc)

    other = psycopg.connect(url, autocommit=True)
    engine = duckdb.connect()
    try:
        other.execute("SET deadlock_timeout = '60s'")
        with other.transaction():
            last_events, last_positions, _ = validated(events[-1:])
            last = copy_events(other, engine, last_events, last_positions)
            writer = threading.Thread(target=store)
            writer.start()
            waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'transactionid'"
            deadline = time.monotonic() + 30
            while other.execute(waiting).fetchone() != (1,):
                assert time.monotonic() < deadline, "the batch never waited for the other writer"
                time.sleep(0.05)
            first_events, first_positions, _ = validated(events[:1])
            first = copy_events(other, engine, first_events, first_positions)
            both = pa.concat_tables([last.batch, first.batch])
            finish(other, engine, Copied(both, copied=True, state=None), [], atomic=False)
        writer.join(timeout=60)
    finally:
        other.close()
        engine.close()
    assert not failed, failed
    assert [(o.stored, o.duplicates) for o in done] == [(298, 2)]
    assert pg.rows("SELECT count(*) AS n FROM events")[0]["n"] == 300
    assert check_state(pg).differences == 0
    assert "deadlocked" in caplog.text


# -- the test server --------------------------------------------------------------------------


def test_the_test_server_stops_whole_and_leaves_nothing() -> None:
    server = PostgresServer()
    server.start()
    process = server._process
    assert process is not None
    name = server.create_database()
    with psycopg.connect(server.url(name)) as con:
        assert con.execute("SELECT 1").fetchone() == (1,)
    server.stop()
    assert process.poll() is not None
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)  # no process of its group is left
    assert not server.root.exists()


def test_redacted_hides_only_the_password() -> None:
    assert redacted("postgresql://u:pw@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert redacted("postgresql://u@h/db") == "postgresql://u@h/db"
