"""One batch of events into ClickHouse: dedupe, conflicts, the state of the touched annotations.

ClickHouse has no multi-statement transactions, so a batch is checked in full before anything
permanent is written, and its writes go in an order a repeat of the batch heals: the state,
review and work rows first, the events last (a batch cut short after its state rows stores its
events again when it is sent again, and recomputes the same rows).

Scratch tables (Memory engine, named per batch) hold the batch on the server, so every step
is one SQL statement over it on either connection.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from labelpulse.errors import StoreError
from labelpulse.store.base import AppendOutcome, count_repeat
from labelpulse.store.clickhouse.connection import Connection
from labelpulse.store.clickhouse.schema import (
    EVENT_COLUMNS,
    FIRSTS_COLUMNS,
    REVIEW_COLUMNS,
    STATE_COLUMNS,
    TASK_IDS_FROM_LOG,
    WORK_EVENT_COLUMNS,
)
from labelpulse.store.state import TOUCHED_COLUMNS, firsts_sql, reviews_sql, state_sql
from labelpulse.store.work import WORK_INPUT, input_columns, typed_sql, work_sql
from labelpulse.validation import as_arrow

_SAME = " AND ".join(f"(a.{c} <=> b.{c})" for c in EVENT_COLUMNS)
_EVENT_LIST = ", ".join(EVENT_COLUMNS)
_STATE_LIST = ", ".join(STATE_COLUMNS)
_REVIEW_LIST = ", ".join(REVIEW_COLUMNS)
_WORK_LIST = ", ".join(WORK_EVENT_COLUMNS)
_FIRSTS_LIST = ", ".join(FIRSTS_COLUMNS)
# What a batch reads back of the stored events of the annotations it touches.
_INPUT_LIST = input_columns(TOUCHED_COLUMNS, WORK_INPUT)


class Scratch:
    """Memory tables for one batch, dropped together."""

    def __init__(self, con: Connection) -> None:
        self._con = con
        self._prefix = f"_lp_{uuid.uuid4().hex[:12]}"
        self._names: list[str] = []

    def name(self, role: str) -> str:
        name = f"{self._prefix}_{role}"
        self._names.append(name)
        return name

    def create_as(self, role: str, select: str, params: dict[str, Any] | None = None) -> str:
        name = self.name(role)
        self._con.execute(f"CREATE TABLE {name} ENGINE = Memory AS {select}", params)
        return name

    def drop(self) -> None:
        for name in reversed(self._names):
            self._con.execute(f"DROP TABLE IF EXISTS {name}")
        self._names.clear()


@contextmanager
def scratch(con: Connection) -> Iterator[Scratch]:
    tables = Scratch(con)
    try:
        yield tables
    except BaseException:
        with suppress(StoreError):  # the error that stopped the batch is the one to see
            tables.drop()
        raise
    tables.drop()


@dataclass
class Prepared:
    """A checked batch: `source` names the scratch table of the events to store."""

    source: str
    count: int


def prepare(
    con: Connection,
    tables: Scratch,
    events: pa.Table,
    positions: Sequence[int],
    outcome: AppendOutcome,
) -> Prepared:
    """Put the batch's new events in a scratch table; count duplicates and conflicts (within
    the batch: the first copy by position goes on; against the stored events). Writes nothing
    permanent."""
    batch = events.append_column("pos", as_arrow(positions, pa.int64()))
    if pc.count_distinct(batch.column("id")).as_py() < batch.num_rows:
        batch = _first_copies(batch, outcome)
    incoming = tables.name("in")
    con.execute(f"CREATE TABLE {incoming} (pos Int64, {_ddl(EVENT_COLUMNS)}) ENGINE = Memory")
    con.insert(incoming, batch)
    seen = tables.create_as("seen", stored_ids_sql(incoming))
    if not con.arrow(f"SELECT count() AS n FROM {seen}").column("n")[0].as_py():
        return Prepared(incoming, batch.num_rows)
    for row in con.arrow(stored_copies_sql(incoming, seen)).to_pylist():
        count_repeat(outcome, row["pos"], row["id"], bool(row["same"]))
    fresh = tables.create_as(
        "new", f"SELECT * FROM {incoming} WHERE id NOT IN (SELECT id FROM {seen})"
    )
    count = con.arrow(f"SELECT count() AS n FROM {fresh}").column("n")[0].as_py()
    return Prepared(fresh, int(count))


def store(con: Connection, tables: Scratch, prepared: Prepared, version: int) -> None:
    """Write the state, review and work rows of the annotations the batch touches (and the work
    and first-annotation rows of their tasks), then its events."""
    source = prepared.source
    known = tables.create_as("known", known_annotations_sql(source))
    remember_annotations(con, source)
    has_known = con.arrow(f"SELECT count() AS n FROM {known}").column("n")[0].as_py() > 0
    touched = source
    was_in = None
    if has_known:
        touched = tables.create_as(
            "touched",
            f"SELECT {_INPUT_LIST} FROM {source} UNION ALL SELECT {_INPUT_LIST} "
            f"FROM events WHERE annotation IN (SELECT annotation FROM {known})",
        )
        was_in = tables.create_as("was_in", tasks_of_known_sql(known))
    fresh_state = replace_state(con, tables, touched, known if has_known else None, version)
    replace_firsts(con, tables, fresh_state, was_in, version)
    replace_work(con, tables, touched, fresh_state, version)
    con.execute(f"INSERT INTO events ({_EVENT_LIST}) SELECT {_EVENT_LIST} FROM {source}")
    remember_ids(con, source)


def stored_ids_sql(incoming: str) -> str:
    """The ids of the batch in the scratch table `incoming` that are stored already, with their
    events' (actor, time_us): point lookups in the `event_ids` key-value table, one per id of
    the batch, whatever the size of the log."""
    return f"SELECT id, actor, time_us FROM event_ids WHERE id IN (SELECT id FROM {incoming})"


def stored_copies_sql(incoming: str, seen: str) -> str:
    """Each event of the batch whose id is stored (`seen`): its position, id and whether the
    stored event is identical (every column, NULL-safe). The stored events are read by their
    sort key (actor, time_us, id), so only their granules."""
    stored = (
        f"SELECT {_EVENT_LIST} FROM events "
        f"WHERE (actor, time_us, id) IN (SELECT actor, time_us, id FROM {seen})"
    )
    return (
        f"SELECT b.pos AS pos, b.id AS id, ({_SAME}) AS same FROM {incoming} AS b "
        f"INNER JOIN ({stored}) AS a ON a.id = b.id ORDER BY b.pos"
    )


def known_annotations_sql(source: str) -> str:
    """The annotations of the events in the scratch table `source` that have a state row
    already: point lookups in the `annotation_ids` key-value table, one per annotation."""
    return (
        f"SELECT annotation FROM annotation_ids "
        f"WHERE annotation IN (SELECT annotation FROM {source})"
    )


def remember_annotations(con: Connection, source: str) -> None:
    """Add the annotations of the events in `source` to `annotation_ids`, before their state
    rows are written: an annotation listed without a state row (a batch cut short) only makes
    the next batch read back its stored events, which it may have none of; a state row whose
    annotation is missing would have the next batch recompute it from that batch alone."""
    con.execute(f"INSERT INTO annotation_ids (annotation) SELECT DISTINCT annotation FROM {source}")


def remember_ids(con: Connection, source: str) -> None:
    """Add the ids of the events just stored (from the scratch table `source`) to `event_ids`.
    After the events, never before: a batch cut short between the two is sent again, finds its
    ids unknown and stores its events again, which the `events` engine collapses (identical
    copies share a sort key); ids stored before their events would turn a resent batch into
    duplicates of events that were never stored."""
    con.execute(
        f"INSERT INTO event_ids (id, actor, time_us) SELECT id, actor, time_us FROM {source}"
    )


def replace_state(
    con: Connection, tables: Scratch, touched: str, known: str | None, version: int
) -> str:
    """Recompute the state and review rows of the annotations of the events in the table
    `touched` (all of each one's events, at least TOUCHED_COLUMNS), as rows of version
    `version`; tombstone the rows they replace under another key (an author that changed).
    `known` names the annotations that may have rows already; None when none has (a batch of
    new annotations reads no stored rows), "*" when any may (a rebuild). Returns the scratch
    table of the new state rows."""
    events = f"SELECT {TOUCHED_COLUMNS} FROM {touched}"
    fresh_state = tables.create_as("state", state_sql("clickhouse", events))
    reviews = reviews_sql("clickhouse", events, fresh_state)
    fresh_reviews = tables.create_as("reviews", reviews)
    params = {"v": version}
    state_rows = f"SELECT {_STATE_LIST}, {{v:UInt64}}, 0 FROM {fresh_state}"
    review_rows = f"SELECT {_REVIEW_LIST}, {{v:UInt64}}, 0 FROM {fresh_reviews}"
    if known is not None:
        # A stored row whose key is not among the new rows (its annotation's author changed, or
        # a damaged row) gets a tombstone. NULL authors compare as '' and a flag: NOT IN has no
        # NULL-safe form.
        where = "" if known == "*" else f"annotation IN (SELECT annotation FROM {known}) AND "
        state_key = "(annotation, ifNull(author, ''), isNull(author))"
        review_key = "(event, time_us, ifNull(author, ''), isNull(author))"
        state_rows += (
            f" UNION ALL SELECT {_STATE_LIST}, {{v:UInt64}}, 1 FROM state WHERE {where}"
            f"{state_key} NOT IN (SELECT {state_key} FROM {fresh_state})"
        )
        review_rows += (
            f" UNION ALL SELECT {_REVIEW_LIST}, {{v:UInt64}}, 1 FROM review_actions "
            f"WHERE {where}{review_key} NOT IN (SELECT {review_key} FROM {fresh_reviews})"
        )
    con.execute(f"INSERT INTO state ({_STATE_LIST}, _version, _deleted) {state_rows}", params)
    con.execute(
        f"INSERT INTO review_actions ({_REVIEW_LIST}, _version, _deleted) {review_rows}", params
    )
    return fresh_state


def tasks_of_known_sql(known: str) -> str:
    """The tasks whose first may change when the annotations `known` names are recomputed:
    those their state rows are in, and those whose `task_firsts` row names one of them (so
    that a batch cut short after its state rows, sent again, still recomputes a task an
    annotation left)."""
    among = f"annotation IN (SELECT annotation FROM {known})"
    return (
        f"SELECT project, task FROM state WHERE {among} "
        f"UNION DISTINCT SELECT project, task FROM task_firsts WHERE {among}"
    )


def replace_firsts(
    con: Connection, tables: Scratch, fresh_state: str, was_in: str | None, version: int
) -> None:
    """Recompute the `task_firsts` rows of the tasks of the new state rows in `fresh_state`
    and of those in `was_in` (None: none) from the state as it now stands, as rows of version
    `version`; a tombstone for each of those tasks that had a row and is no longer done."""
    tasks_sql = f"SELECT project, task FROM {fresh_state}"
    if was_in is not None:
        tasks_sql += f" UNION DISTINCT SELECT project, task FROM {was_in}"
    tasks = tables.create_as("firsts_tasks", tasks_sql)
    among = f"(project, task) IN (SELECT project, task FROM {tasks})"
    fresh = tables.create_as("firsts", firsts_sql("clickhouse", "state", among))
    con.execute(
        f"INSERT INTO task_firsts ({_FIRSTS_LIST}, _version, _deleted) "
        f"SELECT {_FIRSTS_LIST}, {{v:UInt64}}, 0 FROM {fresh} UNION ALL "
        f"SELECT {_FIRSTS_LIST}, {{v:UInt64}}, 1 FROM task_firsts WHERE {among} "
        f"AND (project, task) NOT IN (SELECT project, task FROM {fresh})",
        {"v": version},
    )


def rebuild_firsts(con: Connection, version: int) -> None:
    """Every `task_firsts` row, from the whole state, as rows of version `version`; then a
    tombstone for each stored row the rebuild did not write (as `rebuild_work`)."""
    params = {"v": version}
    con.execute(
        f"INSERT INTO task_firsts ({_FIRSTS_LIST}, _version, _deleted) "
        f"SELECT {_FIRSTS_LIST}, {{v:UInt64}}, 0 FROM ({firsts_sql('clickhouse', 'state')})",
        params,
    )
    con.execute(
        f"INSERT INTO task_firsts ({_FIRSTS_LIST}, _version, _deleted) "
        f"SELECT {_FIRSTS_LIST}, {{v:UInt64}}, 1 FROM task_firsts WHERE _version < {{v:UInt64}}",
        params,
    )


def replace_work(
    con: Connection, tables: Scratch, touched: str, fresh_state: str, version: int
) -> None:
    """Recompute the `work_events` rows of the tasks of the events in the table `touched` (every
    event of the annotations recomputed, at least WORK_INPUT), whose new state rows are in
    `fresh_state`, as rows of version `version` (`store/work.py`): theirs from those events, the
    other annotations' of the same tasks from their stored rows. Rows are keyed by their event,
    which never goes, so nothing needs a tombstone."""
    fresh = tables.create_as(
        "work", typed_sql("clickhouse", f"SELECT {WORK_INPUT} FROM {touched}", fresh_state)
    )
    known = tables.create_as("known_tasks", known_tasks_sql(fresh))
    remember_tasks(con, fresh, known)
    found = con.arrow(f"SELECT count() AS n, min(first_us) AS lo FROM {known}").to_pylist()[0]
    kept = kept_work_sql(fresh, known, found["lo"]) if found["n"] else None
    rows = work_sql("clickhouse", f"SELECT * FROM {fresh}", kept)
    con.execute(
        f"INSERT INTO work_events ({_WORK_LIST}, _version, _deleted) "
        f"SELECT *, {{v:UInt64}}, 0 FROM ({rows})",
        {"v": version},
    )


def rebuild_work(con: Connection, state: str, version: int) -> None:
    """Every `work_events` row, from the whole log and the state rows in the table `state`, as
    rows of version `version`; then a tombstone for each stored row the rebuild did not write
    (one no event has: damage), which FINAL shows with an older version; and `task_ids` anew."""
    params = {"v": version}
    rows = work_sql(
        "clickhouse", typed_sql("clickhouse", f"SELECT {WORK_INPUT} FROM events", state), None
    )
    con.execute(
        f"INSERT INTO work_events ({_WORK_LIST}, _version, _deleted) "
        f"SELECT *, {{v:UInt64}}, 0 FROM ({rows})",
        params,
    )
    con.execute(
        f"INSERT INTO work_events ({_WORK_LIST}, _version, _deleted) "
        f"SELECT *, {{v:UInt64}}, 1 FROM work_events WHERE _version < {{v:UInt64}}",
        params,
    )
    con.execute(TASK_IDS_FROM_LOG)


def known_tasks_sql(fresh: str) -> str:
    """The tasks of the rows in the scratch table `fresh` that have `work_events` rows already,
    with the time of their earliest: point lookups in the `task_ids` key-value table, one per
    task."""
    return f"SELECT task, first_us FROM task_ids WHERE task IN (SELECT task FROM {fresh})"


def kept_work_sql(fresh: str, known: str, lo: int) -> str:
    """The stored `work_events` rows of the tasks `known` names, but of annotations other than
    those recomputed in `fresh`. None is older than `lo`, the earliest of those tasks' first
    rows: the sort key (time_us, id) skips the granules before it, and the bloom filter on
    `task` most of the others (a batch's known tasks are few: those it continues)."""
    return (
        f"SELECT * FROM work_events WHERE time_us >= {int(lo)} "
        f"AND task IN (SELECT task FROM {known}) "
        f"AND annotation NOT IN (SELECT annotation FROM {fresh})"
    )


def remember_tasks(con: Connection, fresh: str, known: str) -> None:
    """Write the tasks of the rows in `fresh` to `task_ids`, with the earliest time of their
    rows, stored (`known`) or new, before the rows are written (as `remember_annotations`: a
    task listed too early, or too early a time, only costs the next batch a wider read)."""
    con.execute(
        f"INSERT INTO task_ids (task, first_us) SELECT task, min(t) FROM ("
        f"SELECT task, time_us AS t FROM {fresh} UNION ALL SELECT task, first_us FROM {known}"
        ") GROUP BY task"
    )


def _first_copies(batch: pa.Table, outcome: AppendOutcome) -> pa.Table:
    """The batch without later copies of an id (by position): identical ones are duplicates,
    others conflicts."""
    ids = batch.column("id").to_pylist()
    pos = batch.column("pos").to_pylist()
    first: dict[str, int] = {}
    later: list[tuple[int, int]] = []  # (row, its id's first row)
    for row in sorted(range(len(ids)), key=pos.__getitem__):
        if ids[row] in first:
            later.append((row, first[ids[row]]))
        else:
            first[ids[row]] = row
    content = batch.drop_columns(["pos"])
    for row, original in later:
        same = _same(
            content.slice(row, 1).to_pylist()[0], content.slice(original, 1).to_pylist()[0]
        )
        count_repeat(outcome, pos[row], ids[row], same)
    return batch.take(pa.array(sorted(first.values()), pa.int64()))


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    def equal(x: Any, y: Any) -> bool:
        if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
            return True
        return bool(x == y)

    return all(equal(a[k], b[k]) for k in a)


def _ddl(columns: dict[str, str]) -> str:
    return ", ".join(f"{name} {kind}" for name, kind in columns.items())
