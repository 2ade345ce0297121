"""The ClickHouse store (on chDB): idempotent ingest, exact medians, conflicts, the state, and
the same figures as DuckDB's; the clickhouse-connect connection through a stand-in client."""

from __future__ import annotations

import datetime as dt
import random
import statistics
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest

from labelpulse import demo
from labelpulse.errors import InvalidRecordsError, StoreError, UsageError
from labelpulse.ingest import ingest_records
from labelpulse.metrics import REPORTS, report
from labelpulse.metrics.query import Params, compiled
from labelpulse.metrics.scope import local_day, make_window
from labelpulse.store import Store, connect
from labelpulse.store.check import check_state, repair_state
from labelpulse.store.clickhouse import ClickHouseStore, append
from labelpulse.store.clickhouse.connection import (
    bind,
    clickhouse_type,
    parameter_text,
    parse_url,
)
from labelpulse.store.clickhouse.schema import (
    MIGRATIONS,
    REVIEWING_MIGRATION,
    STORED_KEYS_MIGRATION,
    WORK_MIGRATION,
)
from tests.backends import clickhouse_server
from tests.report_arguments import ScopeArguments, WindowArguments

TABLES = ("events", "state", "review_actions", "work_events")


@pytest.fixture
def ch(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ClickHouseStore]:
    urls = clickhouse_server.fresh_database(request, tmp_path)
    store = connect(next(urls))
    assert isinstance(store, ClickHouseStore)
    yield store
    store.close()
    for _ in urls:
        pass


@pytest.fixture
def duck(tmp_path: Path) -> Iterator[Store]:
    store = connect(str(tmp_path / "reference.duckdb"))
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


def count(store: Store, table: str) -> int:
    return int(store.rows(f"SELECT count() AS n FROM {table}")[0]["n"])


def stored_rows(store: ClickHouseStore, table: str) -> int:
    """Rows on disk, superseded versions and tombstones included (no FINAL)."""
    return int(store.rows(f"SELECT count() AS n FROM {table} SETTINGS final = 0")[0]["n"])


def snapshot(store: Store, table: str) -> list[dict[str, Any]]:
    return store.rows(f"SELECT * FROM {table} ORDER BY ALL")


DEMO_END = dt.date(2026, 4, 5)
# Europe/Berlin moves to summer time on 2026-03-29, America/New_York on 2026-03-08.
WINDOWS: list[WindowArguments] = [
    {"start": "2026-03-01", "end": "2026-04-05", "tz": "Europe/Berlin"},
    {"start": "2026-03-01", "end": "2026-04-05", "tz": "America/New_York"},
]


def demo_records(events: int = 4_000, seed: int = 3) -> list[dict[str, Any]]:
    return list(demo.generate(members=8, days=40, events=events, seed=seed, end=DEMO_END))


def figures(store: Store, window: WindowArguments, members: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in REPORTS:
        if name in ("member", "timeline", "comments"):
            for member in members:
                out[f"{name}:{member}"] = report(store, name, member=member, **window)
        else:
            out[name] = report(store, name, **window)
    return out


def member_ids(store: Store) -> list[str]:
    return [r["id"] for r in store.rows("SELECT id FROM members ORDER BY id")]


# -- idempotent ingest -------------------------------------------------------------------------
def test_the_same_batch_twice_never_counts_twice(ch: ClickHouseStore, duck: Store) -> None:
    records = demo_records()
    ingest_records(duck, records)
    first = ingest_records(ch, records)
    again = ingest_records(ch, records)
    assert again.stored == 0 and again.duplicates == first.stored
    counts = {table: count(ch, table) for table in TABLES}
    assert counts == {table: count(duck, table) for table in TABLES}
    # Nothing was written twice, even before a merge.
    assert stored_rows(ch, "events") == counts["events"]
    window = WINDOWS[0]
    expected = figures(duck, window, member_ids(duck))
    assert figures(ch, window, member_ids(ch)) == expected
    ch.optimize()
    assert {table: stored_rows(ch, table) for table in TABLES} == counts
    assert figures(ch, window, member_ids(ch)) == expected


def test_overlapping_batches_in_any_order_give_the_same_figures(
    ch: ClickHouseStore, duck: Store
) -> None:
    records = demo_records(seed=11)
    ingest_records(duck, records)
    directory = [r for r in records if "kind" in r]
    events = [r for r in records if "kind" not in r]
    ingest_records(ch, directory)
    # windows of 700 events every 500: each overlaps the next by 200; the later ones first
    starts = list(range(0, len(events), 500))
    random.Random(5).shuffle(starts)
    duplicates = 0
    for start in starts:
        outcome = ingest_records(ch, events[start : start + 700])
        duplicates += outcome.duplicates
        assert check_state(ch).differences == 0
    assert count(ch, "events") == len(events)
    assert duplicates == sum(min(700, len(events) - s) for s in starts) - len(events)
    expected = {tz["tz"]: figures(duck, tz, member_ids(duck)) for tz in WINDOWS}
    assert {tz["tz"]: figures(ch, tz, member_ids(ch)) for tz in WINDOWS} == expected
    ch.optimize()
    assert check_state(ch).differences == 0
    assert {tz["tz"]: figures(ch, tz, member_ids(ch)) for tz in WINDOWS} == expected


def test_rows_two_racing_writers_both_stored_collapse(ch: ClickHouseStore) -> None:
    """Two processes that check the same new batch at once both insert it: the event log and
    the state hold each row twice on disk until a merge, yet every read sees it once."""
    ingest_records(ch, demo_records(events=800))
    before = {table: count(ch, table) for table in TABLES}
    window = WINDOWS[0]
    expected = figures(ch, window, member_ids(ch))
    ch._con.execute("INSERT INTO events SELECT * FROM events")
    for table, columns in (("state", "*"), ("review_actions", "*")):
        ch._con.execute(
            f"INSERT INTO {table} ({columns_of(ch, table)}, _version, _deleted) "
            f"SELECT {columns}, _version, _deleted FROM {table}"
        )
    assert stored_rows(ch, "events") == 2 * before["events"]
    assert {table: count(ch, table) for table in TABLES} == before
    ch.cache.clear()
    assert figures(ch, window, member_ids(ch)) == expected
    assert check_state(ch).differences == 0
    ch.optimize()
    assert stored_rows(ch, "events") == before["events"]


def columns_of(store: Store, table: str) -> str:
    return ", ".join(store.query(f"SELECT * FROM {table} LIMIT 0").column_names)


# -- conflicts and atomic batches --------------------------------------------------------------
def test_conflicts_are_reported_as_duckdb_reports_them(ch: ClickHouseStore, duck: Store) -> None:
    first = [event("e1", duration=5), event("e2", annotation="a2", task="t2")]
    batch = [
        event("e1", duration=6),  # conflicts with the stored e1
        event("e2", annotation="a2", task="t2"),  # a duplicate of the stored e2
        event("e3", annotation="a3", task="t3"),
        event("e3", annotation="a3", task="t3"),  # a duplicate within the batch
        event("e3", annotation="a3", task="t3", duration=9),  # conflicts within the batch
    ]
    results = []
    for store in (duck, ch):
        ingest_records(store, first)
        outcome = store.append(*_validated(batch))
        results.append(
            (
                outcome.stored,
                outcome.duplicates,
                sorted((c.position, c.record_id, c.rule) for c in outcome.conflicts),
            )
        )
    assert results[0] == results[1]
    assert results[1][:2] == (1, 2)
    assert snapshot(ch, "events") == snapshot(duck, "events")
    assert snapshot(ch, "state") == snapshot(duck, "state")


def _validated(records: list[dict[str, Any]]) -> tuple[Any, list[int], list[Any]]:
    from labelpulse.validation import Validator, encode_records

    checked = Validator().validate_lines(encode_records(records), list(range(len(records))))
    return checked.events, checked.positions, checked.directory


def test_an_atomic_batch_with_a_conflict_writes_nothing(ch: ClickHouseStore) -> None:
    ingest_records(ch, [event("e1", duration=5)])
    before = {table: snapshot(ch, table) for table in (*TABLES, "members")}
    batch = [
        event("e2", annotation="a2", task="t2", duration=7),
        {"kind": "member", "id": "ann", "name": "Ann", "role": "annotator"},
        event("e1", duration=6),
    ]
    with pytest.raises(InvalidRecordsError) as caught:
        ingest_records(ch, batch)
    assert [d["position"] for d in caught.value.details] == [3]
    assert {table: snapshot(ch, table) for table in before} == before
    assert ch.rows("SHOW TABLES LIKE '\\_lp\\_%'") == []  # the scratch tables are gone


# -- the stored-key checks ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("column", "table", "lookup"),
    [
        ("id", "events", append.stored_ids_sql),
        ("annotation", "state", append.known_annotations_sql),
        ("task", "work_events", append.known_tasks_sql),
    ],
)
def test_a_stored_key_check_reads_only_the_keys_of_the_batch(
    ch: ClickHouseStore, column: str, table: str, lookup: Callable[[str], str]
) -> None:
    """A batch's checks of which of its ids are stored and which of its annotations have a state
    row, and which of its tasks have work rows, look up each of its keys (`event_ids`,
    `annotation_ids`, `task_ids`: key-value tables): they read as
    many rows as the batch has keys, not a column of the log. The same query as a scan hits the
    row limit the lookup stays under, so a check that scans again fails here."""
    ingest_records(ch, demo_records(events=3_000))
    stored = [
        r["k"] for r in ch.rows(f"SELECT DISTINCT {column} AS k FROM {table} ORDER BY k LIMIT 5")
    ]
    keys = [*stored, "new-1", "new-2"]
    con = ch._con
    con.execute(f"CREATE TABLE probe ({column} String) ENGINE = Memory")
    con.insert("probe", pa.table({column: keys}))
    sql = lookup("probe")
    plan = con.arrow(f"EXPLAIN actions = 1 {sql}").column(0).to_pylist()
    assert "ReadType: GetKeys" in [line.strip() for line in plan]
    # The probe's own rows count too: the limit is the batch twice, far below the stored keys.
    assert count(ch, table) > 100 * len(keys)
    limit = f" SETTINGS max_rows_to_read = {2 * len(keys)}, read_overflow_mode = 'throw'"
    found = con.arrow(sql + limit)
    assert sorted(found.column(column).to_pylist()) == sorted(stored)
    scan = sql.replace(f"WHERE {column} IN", f"WHERE concat({column}, '') IN")
    with pytest.raises(StoreError, match="max rows"):
        con.arrow(scan + limit)


def _made_before(
    url: str, records: list[dict[str, Any]], migration: tuple[str, ...], tables: tuple[str, ...]
) -> None:
    """A database at `url` holding `records` as it was before `migration`: its `tables` gone
    and its schema version the one before."""
    store = connect(url)
    assert isinstance(store, ClickHouseStore)
    ingest_records(store, records)
    for table in tables:
        store._con.execute(f"DROP TABLE {table} SYNC")
    store._con.execute("TRUNCATE TABLE schema_version")
    store._con.execute(f"INSERT INTO schema_version VALUES ({MIGRATIONS.index(migration)})")
    store.close()


def test_an_older_database_gets_its_stored_ids_from_the_log(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """A database made before `event_ids` and `annotation_ids` existed gets them filled by the
    migration: the events it holds are still found as duplicates, its annotations as known."""
    urls = clickhouse_server.fresh_database(request, tmp_path)
    url = next(urls)
    records = demo_records(events=1_500)
    _made_before(url, records, STORED_KEYS_MIGRATION, ("event_ids", "annotation_ids"))
    store = connect(url)
    try:
        assert store.schema_version() == len(MIGRATIONS)
        events = count(store, "events")
        assert count(store, "event_ids") == events
        assert count(store, "annotation_ids") == count(store, "state")
        outcome = ingest_records(store, records)
        assert (outcome.stored, outcome.duplicates) == (0, events)
        annotation = store.rows("SELECT annotation FROM state ORDER BY annotation LIMIT 1")[0]
        later = event("late-1", annotation=annotation["annotation"], time="2026-04-04T12:00:00Z")
        ingest_records(store, [later])
        assert check_state(store).differences == 0
    finally:
        store.close()
        for _ in urls:
            pass


def test_a_batch_reads_only_the_granules_of_its_tasks_work_rows(ch: ClickHouseStore) -> None:
    """The stored work rows of a batch's known tasks are read from the earliest of their first
    rows on (the sort key) and through the bloom filter on `task`: a granule or two of
    `work_events` (sorted by time, where a task's rows sit close), not the table. The same
    lookup as a scan hits the row limit the lookup stays under."""
    ingest_records(ch, demo_records(events=40_000, seed=5))
    ch.optimize()  # one part: the limit counts its granules
    con = ch._con
    granule = 8192
    assert count(ch, "work_events") > 4 * granule
    # The latest tasks, as a batch of the next events would touch them; no annotation of theirs
    # is recomputed, so every stored row of theirs is kept.
    con.execute("CREATE TABLE probe (task String, annotation String) ENGINE = Memory")
    con.execute(
        "INSERT INTO probe SELECT task, '' FROM work_events GROUP BY task "
        "ORDER BY max(time_us) DESC LIMIT 20"
    )
    con.execute(f"CREATE TABLE known ENGINE = Memory AS {append.known_tasks_sql('probe')}")
    lo = ch.rows("SELECT min(first_us) AS lo FROM known")[0]["lo"]
    sql = append.kept_work_sql("probe", "known", lo)
    expected = count(ch, "work_events WHERE task IN (SELECT task FROM probe)")
    limit = f" SETTINGS max_rows_to_read = {2 * granule}, read_overflow_mode = 'throw'"
    assert con.arrow(sql + limit).num_rows == expected > 0
    scan = "SELECT * FROM work_events WHERE concat(task, '') IN (SELECT task FROM known)"
    with pytest.raises(StoreError, match="max rows"):
        con.arrow(scan + limit)


def test_an_older_database_gets_its_work_rows_from_the_log(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """A database made before `work_events` existed gets it, and `task_ids`, filled by the
    migration: the rows equal a rebuild, and later batches keep them so."""
    urls = clickhouse_server.fresh_database(request, tmp_path)
    url = next(urls)
    _made_before(url, demo_records(events=1_500), WORK_MIGRATION, ("work_events", "task_ids"))
    store = connect(url)
    try:
        assert store.schema_version() == len(MIGRATIONS)
        assert count(store, "work_events") == count(store, "events")
        tasks = store.rows("SELECT uniqExact(task) AS n FROM events")[0]["n"]
        assert count(store, "task_ids") == tasks
        assert check_state(store).differences == 0
        known = store.rows("SELECT task, annotation FROM state ORDER BY annotation LIMIT 1")[0]
        # a new annotation of a stored task (its other rows kept), and a stored one's edit
        later = [
            event("late-1", time="2026-04-04T12:00:00Z", task=known["task"], annotation="new"),
            event("late-2", time="2026-04-04T13:00:00Z", actor="new", **known),
        ]
        ingest_records(store, later)
        assert check_state(store).differences == 0
    finally:
        store.close()
        for _ in urls:
            pass


@pytest.mark.parametrize(
    ("columns", "version"),
    [
        (("reviewing_prev_us", "reviewing_next_us", "any_reviewing_prev_us",
          "any_reviewing_next_us"), MIGRATIONS.index(REVIEWING_MIGRATION)),
        (("moved",), len(MIGRATIONS) - 1 - MIGRATIONS[::-1].index(REVIEWING_MIGRATION)),
    ],
    ids=["reviewing-times", "moved-flag"],
)  # fmt: skip
def test_an_older_database_gets_the_new_work_columns(
    request: pytest.FixtureRequest, tmp_path: Path, columns: tuple[str, ...], version: int
) -> None:
    """A database whose `work_events` lacks the `reviewing_*` columns (version 7) or `moved`
    (version 8) gets the table made again by the migrations, equal to a rebuild."""
    urls = clickhouse_server.fresh_database(request, tmp_path)
    url = next(urls)
    _made_before(url, demo_records(events=1_500), REVIEWING_MIGRATION, ())
    old = connect(url)
    assert isinstance(old, ClickHouseStore)
    for column in columns:
        old._con.execute(f"ALTER TABLE work_events DROP COLUMN {column}")
    old._con.execute("TRUNCATE TABLE schema_version")
    old._con.execute(f"INSERT INTO schema_version VALUES ({version})")
    old.close()
    store = connect(url)
    try:
        assert store.schema_version() == len(MIGRATIONS)
        assert count(store, "work_events") == count(store, "events")
        assert check_state(store).differences == 0
    finally:
        store.close()
        for _ in urls:
            pass


# -- the state table ---------------------------------------------------------------------------
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
    # an earlier event by another actor arrives late: a1's author becomes "zed" and a1 moves
    event("e0", type="annotation.draft", actor="zed", time="2026-03-01T09:00:00Z"),
    event("e13", type="review.accepted", actor="rev", time="2026-03-06T10:00:00Z", project="p2"),
]


def test_the_state_equals_a_rebuild_when_authors_change(ch: ClickHouseStore, duck: Store) -> None:
    for store in (duck, ch):
        ingest_records(store, MIXED[3:6])
        ingest_records(store, MIXED[:3])
        ingest_records(store, MIXED[6:9])
        assert check_state(store).differences == 0
        ingest_records(store, MIXED[9:])
        assert check_state(store).differences == 0
    assert snapshot(ch, "state") == snapshot(duck, "state")
    assert snapshot(ch, "work_events") == snapshot(duck, "work_events")
    reviews = "annotation, author, annotation_project, project, time_us, type, agreement"
    assert ch.rows(f"SELECT {reviews} FROM review_actions ORDER BY ALL") == duck.rows(
        f"SELECT {reviews} FROM review_actions ORDER BY ALL"
    )
    state = {r["annotation"]: r for r in ch.rows("SELECT * FROM state")}
    assert state["a1"]["author"] == "zed" and state["a1"]["project"] == "p2"
    before = snapshot(ch, "state")
    repair_state(ch)
    assert snapshot(ch, "state") == before
    assert check_state(ch).differences == 0


def test_check_state_sees_a_damaged_state(ch: ClickHouseStore) -> None:
    ingest_records(ch, MIXED)
    columns = "annotation, project, task, author, last_action, completed_us, lead_us, active_us"
    ch._con.execute(
        f"INSERT INTO state ({columns}, _version) SELECT annotation, project, task, author, "
        "last_action, completed_us, lead_us + 1, active_us, _version + 1 FROM state "
        "WHERE annotation = 'a1'"
    )
    ch._con.execute(
        "INSERT INTO review_actions (annotation, author, annotation_project, project, time_us, "
        "type, agreement, event) VALUES ('a9', 'x', 'p1', 'p1', 0, 'review.accepted', NULL, 'e99')"
    )
    assert check_state(ch).differences == 3  # a1 as stored and as rebuilt, and the stray review
    repair_state(ch)
    assert check_state(ch).differences == 0


def test_a_stray_work_row_is_found_and_repaired(ch: ClickHouseStore) -> None:
    """A stored work row no event has (a rebuild writes no row of its key) gets a tombstone from
    `rebuild_state`, which finds it as a row older than the rebuild."""
    ingest_records(ch, MIXED)
    ch._con.execute(
        "INSERT INTO work_events (id, time_us, actor, project, task, annotation, type, "
        "active_us, duration_us, regions_added, regions_removed, regions_updated, "
        "model_assisted, marked_null) VALUES "
        "('e99', 0, 'ann', 'p1', 't1', 'a1', 'annotation.submitted', 1, 1, 0, 0, 0, 0, 0)"
    )
    assert check_state(ch).differences == 1
    repair_state(ch)
    assert check_state(ch).differences == 0
    assert count(ch, "work_events") == count(ch, "events")


# -- exact medians -----------------------------------------------------------------------------
def test_medians_are_exact_and_interpolated_with_even_counts(
    ch: ClickHouseStore, duck: Store
) -> None:
    leads = [1, 2, 3, 10, 7.5, 100]  # seconds: two, four and six annotations on three days
    records = [
        event(
            f"e{i}",
            annotation=f"a{i}",
            task=f"t{i}",
            duration=lead,
            time=f"2026-03-0{2 + (i < 2) + (i < 4)}T10:00:00Z",
        )
        for i, lead in enumerate(leads)
    ]
    for store in (duck, ch):
        ingest_records(store, records)
    window: WindowArguments = {"start": "2026-03-01", "end": "2026-03-05", "tz": "UTC"}
    got = report(ch, "member", member="ann", **window)
    assert got == report(duck, "member", member="ann", **window)
    assert got["annotations"]["median_time"] == statistics.median(leads) == 5.25
    medians = {d["date"]: d["median_time"] for d in got["daily"] if d["submitted"]}
    assert medians == {"2026-03-02": 53.75, "2026-03-03": 6.5, "2026-03-04": 1.5}


def test_quantile_exact_exclusive_at_one_half_is_the_interpolated_median(
    ch: ClickHouseStore,
) -> None:
    """What Ibis compiles `median` to on ClickHouse, against Python's median, on even counts."""
    rng = random.Random(2)
    for size in (2, 4, 6, 10, 100, 1000, 3, 7):
        values = [rng.randrange(-(10**12), 10**12) for _ in range(size)]
        got = ch.rows(
            "SELECT quantileExactExclusive(0.5)(x) AS m FROM (SELECT arrayJoin($v) AS x)",
            {"v": values},
        )[0]["m"]
        assert got == statistics.median(values)
        assert ch.rows("SELECT median(x) AS m FROM (SELECT arrayJoin($v) AS x)", {"v": values})


# -- the same figures as DuckDB ----------------------------------------------------------------
def test_every_report_equals_duckdb_on_the_demo_organisation_across_dst(
    ch: ClickHouseStore, duck: Store
) -> None:
    records = demo_records(events=6_000, seed=8)
    for store in (duck, ch):
        ingest_records(store, records[: len(records) // 2])
        ingest_records(store, records[len(records) // 2 :])
    members = member_ids(duck)
    assert member_ids(ch) == members
    assert snapshot(ch, "work_events") == snapshot(duck, "work_events")
    for window in WINDOWS:
        expected = figures(duck, window, members)
        assert figures(ch, window, members) == expected, window["tz"]
        for member in members:  # scoped to a project and a member list too
            scope: ScopeArguments = {"projects": ["p1"], "members": [member, members[0]]}
            assert report(ch, "members", **scope, **window) == report(
                duck, "members", **scope, **window
            )


# -- record tables -----------------------------------------------------------------------------
# Instants one microsecond either side of DST changes, and zones with odd offsets.
DST_EDGES = {
    "Europe/Berlin": ["2026-03-29T00:59:59.999999Z", "2026-03-29T01:00:00Z",
                      "2026-10-24T21:59:59.999999Z", "2026-10-24T22:00:00Z"],
    "America/New_York": ["2026-03-08T06:59:59.999999Z", "2026-03-08T07:00:00Z",
                         "2026-11-01T03:59:59.999999Z", "2026-11-01T04:00:00Z",
                         "2026-11-01T05:00:00Z"],
    "Asia/Kathmandu": ["2026-03-01T18:14:59.999999Z", "2026-03-01T18:15:00Z"],
    "Australia/Lord_Howe": ["2026-04-04T14:59:59Z", "2026-04-05T13:29:59Z",
                            "2026-04-05T13:30:00Z"],
}  # fmt: skip


@pytest.mark.parametrize("zone", sorted(DST_EDGES))
def test_local_days_are_clickhouse_own_time_zone_dates(
    ch: ClickHouseStore, duck: Store, zone: str
) -> None:
    """ClickHouse buckets days by its own `toDate32(time, zone)`; the dates are Python's
    zoneinfo dates, and the day numbers DuckDB computes from the window's offsets."""
    times = [dt.datetime.fromisoformat(t) for t in DST_EDGES[zone]]
    window = make_window(min(times).date() - dt.timedelta(days=1), max(times).date(), zone)

    def build(backend: Any, p: Params) -> Any:
        events = backend.table("events")
        return events.select(events.id, day=local_day(events.time_us, window, p)).order_by("id")

    expected = [
        (f"e{i}", (t.astimezone(ZoneInfo(zone)).date() - dt.date(1970, 1, 1)).days)
        for i, t in enumerate(times)
    ]
    for store in (ch, duck):
        ingest_records(store, [event(f"e{i}", time=t) for i, t in enumerate(DST_EDGES[zone])])
        query = compiled(store, ("local days", zone, window.shape), build)
        assert ("toDate32(" in query.sql) == (store is ch)
        days = query.run(store, {**window.values()})
        assert [(row["id"], row["day"]) for row in days] == expected, store.dialect


def test_record_tables_put_replace_and_remove_at_once(ch: ClickHouseStore) -> None:
    token = {
        "id": "t1",
        "member": "ann",
        "name": "ci",
        "scope": "read",
        "secret_hash": "h",
        "created_us": 5,
        "revoked_us": None,
    }
    ch.put("tokens", token)
    ch.put("tokens", {**token, "revoked_us": 9})
    assert ch.get("tokens") == [{**token, "revoked_us": 9}]
    ch.put("tokens", {"id": "t1", "name": "ci-2"})  # the other columns keep their values
    assert ch.get("tokens", id="t1") == [{**token, "revoked_us": 9, "name": "ci-2"}]
    with pytest.raises(UsageError):
        ch.put("tokens", {"id": "t2", "name": "incomplete"})
    ch.put_many("memberships", [{"member": "ann", "target_kind": "project", "target": "p1"}] * 2)
    assert count(ch, "memberships") == 1
    assert ch.remove("memberships", member="ann") == 1
    assert ch.remove("memberships", member="ann") == 0
    assert ch.get("memberships") == []
    ch.put("memberships", {"member": "ann", "target_kind": "project", "target": "p1"})
    assert count(ch, "memberships") == 1  # back after its tombstone
    assert ch.get("tokens", revoked_us=None) == []  # as in SQL: `= NULL` matches nothing
    ch.optimize()
    assert count(ch, "memberships") == 1 and len(ch.get("tokens")) == 1


def test_every_write_empties_the_cache(ch: ClickHouseStore) -> None:
    for write in (
        lambda: ch.put("secrets", {"name": "s", "value": "v"}),
        lambda: ch.remove("secrets", name="s"),
        lambda: ingest_records(ch, [event("e1")]),
        lambda: repair_state(ch),
    ):
        ch.cache["directory"] = object()
        write()
        assert ch.cache == {}


# -- parameters and connections ----------------------------------------------------------------
def test_parameters_are_bound_as_values_never_as_sql(ch: ClickHouseStore) -> None:
    tricky = "it's a \\ back\tslash\nnewline'); DROP TABLE events; --"
    row = ch.rows(
        "SELECT $s AS s, $i AS i, $f AS f, $b AS b, $l AS l, $n AS n, '$s' AS literal",
        {"s": tricky, "i": -(2**62), "f": 0.1, "b": True, "l": ["a'", "b\\", None], "n": None},
    )
    assert row == [
        {
            "s": tricky,
            "i": -(2**62),
            "f": 0.1,
            "b": True,
            "l": ["a'", "b\\", None],
            "n": None,
            "literal": "$s",
        }
    ]
    assert count(ch, "events") == 0
    with pytest.raises(UsageError):
        ch.rows("SELECT $missing AS x")


def test_parameter_text_is_what_clickhouse_connect_sends() -> None:
    from clickhouse_connect.driver.binding import format_bind_value

    from labelpulse.store.clickhouse.connection import normalized

    for value in ("plain", "it's\\\t\n`", "", 7, -3, 0.25, None, ["a", "b'"], [1, 2], [("a", "b")]):
        assert parameter_text(normalized(value)) == format_bind_value(normalized(value)), value
    assert clickhouse_type([("a", "b")]) == "Array(Tuple(String, String))"
    assert bind("SELECT $a, '$a', \"$a\"", {"a": 1}) == ("SELECT {a:Int64}, '$a', \"$a\"", {"a": 1})


def test_urls_name_a_server_or_a_chdb_directory() -> None:
    server = parse_url("clickhouses://bob:p%40ss@ch.example:8443/analytics?max_threads=4")
    assert (server.kind, server.host, server.port, server.username, server.password) == (
        "server",
        "ch.example",
        8443,
        "bob",
        "p@ss",
    )
    assert (server.database, server.secure, server.settings) == (
        "analytics",
        True,
        {"max_threads": "4"},
    )
    assert parse_url("clickhouse://localhost").database == "labelpulse"
    local = parse_url("chdb:///var/lib/lp?database=team_a")
    assert (local.kind, local.path, local.database) == ("chdb", "/var/lib/lp", "team_a")
    for bad in ("chdb://", "chdb:///x?database=a;b", "clickhouse://h/db?bad-name=1"):
        with pytest.raises(UsageError):
            parse_url(bad)


class StandInClient:
    """clickhouse-connect's client as the store uses it, run on chDB: each query's parameters
    go through clickhouse-connect's own binding, as they would over HTTP."""

    def __init__(self, chdb_path: str, **kwargs: Any) -> None:
        import chdb

        self.kwargs = kwargs
        self.database = ""
        self._con = chdb.connect(chdb_path)  # type: ignore[no-untyped-call]  # chdb: untyped
        for name, value in kwargs["settings"].items():
            self._con.query(f"SET {name} = '{value}'")

    def _run(self, sql: str, parameters: dict[str, Any] | None, fmt: str) -> Any:
        from clickhouse_connect.driver.binding import bind_query

        if self.database:
            self._con.query(f"USE {self.database}")
        query, params = bind_query(sql, parameters)  # as sent over HTTP: param_NAME=text
        values = {name.removeprefix("param_"): text for name, text in params.items()}
        return self._con.query(str(query), fmt, params=values)

    def command(self, sql: str, parameters: dict[str, Any] | None = None) -> None:
        self._run(sql, parameters, "CSV")

    def query_arrow(
        self, sql: str, parameters: dict[str, Any] | None = None, use_strings: bool = False
    ) -> Any:
        assert use_strings
        return self._run(sql, parameters, "ArrowTable")

    def insert_arrow(self, table: str, data: Any) -> None:
        rows = data  # noqa: F841 (read by name by chDB's Python() table function)
        self._con.query(f"USE {self.database}")
        names = ", ".join(data.column_names)
        self._con.query(f"INSERT INTO {table} ({names}) SELECT {names} FROM Python(rows)")

    def close(self) -> None:
        self._con.close()


def test_a_server_url_runs_the_same_store_through_clickhouse_connect(
    request: pytest.FixtureRequest, duck: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import clickhouse_connect

    clients: list[StandInClient] = []

    def get_client(**kwargs: Any) -> StandInClient:
        clients.append(StandInClient(str(clickhouse_server.engine_path(request)), **kwargs))
        return clients[-1]

    monkeypatch.setattr(clickhouse_connect, "get_client", get_client)
    name = "server_path_test"
    store = connect(f"clickhouse://lp:s3cret@ch.example:8123/{name}?max_threads=2")
    try:
        assert clients[0].kwargs["host"] == "ch.example" and clients[0].kwargs["port"] == 8123
        assert clients[0].kwargs["settings"]["final"] == "1"
        assert clients[0].kwargs["settings"]["max_threads"] == "2"
        records = demo_records(events=1_500, seed=4)
        for target in (duck, store):
            ingest_records(target, records)
            ingest_records(target, records[: len(records) // 3])
        window = WINDOWS[1]
        assert figures(store, window, member_ids(store)) == figures(duck, window, member_ids(duck))
        assert store.get_in("events", "id", ["e0000001", "nope"], columns=("id",)) == [
            {"id": "e0000001"}
        ]
    finally:
        store.close()
        clickhouse_server.drop_database(name)


def test_a_second_chdb_directory_in_one_process_is_refused_clearly(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    clickhouse_server.engine_path(request)  # the session's engine is up
    with pytest.raises(StoreError, match="database=OTHER"):
        connect(f"chdb://{tmp_path / 'elsewhere'}")


def test_the_cli_imports_into_chdb(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from labelpulse.cli import app

    path = tmp_path / "demo.ndjson"
    demo.write_ndjson(path, members=6, days=3, events=500, end=DEMO_END)
    urls = clickhouse_server.fresh_database(request, tmp_path)
    url = next(urls)
    try:
        runner = CliRunner()
        for _ in range(2):
            result = runner.invoke(app, ["--db", url, "import", str(path)])
            assert result.exit_code == 0, result.output
        store = connect(url)
        try:
            assert count(store, "events") == 500
            assert check_state(store).differences == 0
        finally:
            store.close()
    finally:
        for _ in urls:
            pass
