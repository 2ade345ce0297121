"""One batch into PostgreSQL: COPY, then dedupe, conflicts, state and directory in one transaction.

A batch is one transaction in two halves. `copy_events` COPYs the events straight into
`events`, in a savepoint, on the guess that their ids are neither stored yet nor repeated in the
batch: the usual case, and the primary key checks it for free as the rows go in. Meanwhile, in
this thread, DuckDB computes the state of the batch's annotations from its events alone. Then
`finish` takes `pg_advisory_xact_lock(APPEND_LOCK)`, and everything that reads what others
write — which ids are stored already, the state of the annotations the batch touches, the
directory — runs under it, until the commit releases it.

Why the COPY may go before the lock: the primary key makes a concurrent insert of the same id
wait for the other transaction, then fail, so no id is ever stored twice; and the state, the
one thing computed from other batches' events, is settled under the lock. There, the
annotations that have a state already (stored by a committed batch) are found, their stored
events read (the batch's own uncommitted rows left out), and their state computed again from
all their events; the guess stands for the rest, annotations no committed batch has touched.
Two writers that insert shared ids in opposite orders can wait for each other; PostgreSQL
aborts one as a deadlock, and the store stores that batch again (`PostgresStore.append`,
`pipeline`).

When an id is stored already, or twice in the batch, the COPY fails on the primary key, the
savepoint is rolled back, and `finish` goes the careful way under the lock: the batch's later
copies of an id sorted out (in DuckDB), the rest copied into a temporary table and matched with
the stored events by id (duplicates and conflicts counted), and only its new events inserted.

Why one lock and not row locks or SERIALIZABLE: a batch's correctness depends on *absent* rows
(an id not stored yet, an annotation without state), which row locks cannot hold, and two
batches that share an annotation must not both recompute its state from a log missing the
other's events. SERIALIZABLE would detect such overlaps only to abort a batch, to be retried
whole, and its predicate locks over hundreds of thousands of rows cost more than they save. The
lock makes writers take turns for the state part, and under READ COMMITTED each statement after
it sees every batch committed before it was granted. Readers never wait for it.

The state of the touched annotations is computed by the state SQL rendered for DuckDB
(`store/state.py`, in an in-memory DuckDB) and copied in: the same SQL as the DuckDB store, so
the same state by construction, and several times faster than the same query run by
PostgreSQL. `rebuild_state` and `labelpulse check` run the template rendered for PostgreSQL, so
every check of the state against a rebuild also holds the two renderings equal.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from labelpulse.errors import InvalidRecordsError, RecordError
from labelpulse.events import ARROW_TYPES, EVENT_SCHEMA, DirectoryRecord
from labelpulse.store.base import (
    RECORD_TABLES,
    AppendOutcome,
    count_repeat,
    directory_row,
    refuse_conflicts,
)
from labelpulse.store.columns import FIRSTS_COLUMNS, columns_ddl, names
from labelpulse.store.postgres.schema import EVENT_COLUMN_LIST, EVENT_DDL, T
from labelpulse.store.state import TOUCHED_COLUMNS, firsts_sql, reviews_sql, state_sql
from labelpulse.store.work import WORK_COLUMNS, WORK_INPUT, input_columns, typed_sql, work_sql
from labelpulse.validation import as_arrow

# Keys of the transaction-level advisory locks (any two fixed numbers; "lp" and a digit).
APPEND_LOCK = 0x6C70_0001
MIGRATE_LOCK = 0x6C70_0002
# Held, for a whole session, by the one import that builds the report indexes at its end.
IMPORT_LOCK = 0x6C70_0003
# Rows per CSV chunk of a COPY (see `copy_in`).
COPY_CHUNK = 25_000

_SAME_CONTENT = " AND ".join(f"a.{c} IS NOT DISTINCT FROM b.{c}" for c in EVENT_SCHEMA.names)
# The columns of the stored events that the state, review actions and work rows are computed
# from.
_KNOWN_EVENTS = pa.schema(
    [EVENT_SCHEMA.field(name) for name in input_columns(TOUCHED_COLUMNS, WORK_INPUT).split(", ")]
)
_KNOWN = pa.schema([EVENT_SCHEMA.field("annotation")])
_WORK = pa.schema([(c.name, ARROW_TYPES[c.type]) for c in WORK_COLUMNS])
_WORK_LIST = names(WORK_COLUMNS)
_FIRSTS_LIST = names(FIRSTS_COLUMNS)
# The tasks whose first a batch recomputes from the state, as a condition on a state row.
_TOUCHED_TASKS = "(project, task) IN (SELECT project, task FROM firsts_tasks)"


def append(
    con: psycopg.Connection[Any],
    engine: duckdb.DuckDBPyConnection,
    events: pa.Table,
    positions: Sequence[int],
    directory: Sequence[tuple[int, DirectoryRecord]],
    atomic: bool,
) -> AppendOutcome:
    """Store a validated batch in one transaction on `con` (in autocommit outside it), with
    `engine`, a DuckDB connection of this batch's own, for the state."""
    with nul_characters_named(events, positions), con.transaction():
        copied = copy_events(con, engine, events, positions)
        return finish(con, engine, copied, directory, atomic)


@contextmanager
def nul_characters_named(events: pa.Table, positions: Sequence[int]) -> Iterator[None]:
    """PostgreSQL's refusal of a NUL character as an InvalidRecordsError naming each field."""
    try:
        yield
    except psycopg.errors.CharacterNotInRepertoire as exc:
        details = [e.as_dict() for e in _nul_characters(events, positions)]
        if not details:
            raise
        raise InvalidRecordsError(
            f"{len(details)} field(s) hold the NUL character, which PostgreSQL cannot store; "
            "nothing of this batch was stored",
            details=details,
        ) from exc


@dataclass(frozen=True)
class Copied:
    """A batch whose events are in `events` (uncommitted) when `copied`, with each record's
    position (`pos`), and the state of its annotations as the batch alone gives it."""

    batch: pa.Table
    copied: bool
    state: _State | None


def copy_events(
    con: psycopg.Connection[Any],
    engine: duckdb.DuckDBPyConnection,
    events: pa.Table,
    positions: Sequence[int],
) -> Copied:
    """The first half of a batch, in the open transaction of `con`, before the append lock:
    COPY its events into `events` in a savepoint, on the guess that their ids are new and
    not repeated, while DuckDB computes their annotations' state as if the batch held all
    their events. A refused guess (a stored or repeated id) is rolled back to the savepoint
    and left to `finish`, under the lock."""
    # Each step looks up a batch's rows in a big table by key. Without statistics on the
    # temporary tables, the planner would often merge-join one with the big table's whole
    # index, a cost that grows with the log; index lookups grow with the batch.
    con.execute("SET LOCAL enable_mergejoin = off")
    con.execute("SET LOCAL enable_hashjoin = off")
    batch = events.append_column("pos", as_arrow(positions, pa.int64()))
    if not batch.num_rows:
        return Copied(batch, True, None)
    empty = _KNOWN_EVENTS.empty_table()
    try:
        with con.transaction():  # a savepoint
            state = _copy_events_meanwhile(con, batch, lambda: _guess(engine, batch, empty))
    except psycopg.errors.UniqueViolation:
        return Copied(batch, False, None)
    return Copied(batch, True, state)


def finish(
    con: psycopg.Connection[Any],
    engine: duckdb.DuckDBPyConnection,
    copied: Copied,
    directory: Sequence[tuple[int, DirectoryRecord]],
    atomic: bool,
) -> AppendOutcome:
    """The second half of a batch, in the transaction `copy_events` began: take the append
    lock, then store what the COPY could not, the state and the directory."""
    outcome = AppendOutcome()
    con.execute("SELECT pg_advisory_xact_lock(%s)", [APPEND_LOCK])
    if copied.batch.num_rows:
        _store_events(con, engine, copied, outcome)
    for _, record in directory:
        if _upsert_directory(con, record):
            outcome.directory_stored += 1
        else:
            outcome.directory_unchanged += 1
    if atomic:
        refuse_conflicts(outcome)
    return outcome


def _first_copies(
    engine: duckdb.DuckDBPyConnection, batch: pa.Table, outcome: AppendOutcome
) -> pa.Table:
    """The batch (with each record's position, `pos`), each id once: later copies of an id
    that are identical to its first (by position) are duplicates, others conflict."""
    if pc.count_distinct(batch.column("id")).as_py() == batch.num_rows:
        return batch
    engine.register("batch_rows", batch)
    engine.execute(
        "CREATE TEMP TABLE numbered AS SELECT *, "
        "row_number() OVER (PARTITION BY id ORDER BY pos) AS rn FROM batch_rows"
    )
    rows = engine.execute(
        f"""SELECT b.pos, b.id, ({_SAME_CONTENT}) FROM numbered b
            JOIN numbered a ON a.id = b.id AND a.rn = 1 WHERE b.rn > 1 ORDER BY b.pos"""
    ).fetchall()
    _count_repeats(rows, outcome)
    first: pa.Table = engine.sql(
        f"SELECT {EVENT_COLUMN_LIST}, pos FROM numbered WHERE rn = 1"
    ).to_arrow_table()
    return first


def _store_events(
    con: psycopg.Connection[Any],
    engine: duckdb.DuckDBPyConnection,
    copied: Copied,
    outcome: AppendOutcome,
) -> None:
    """Insert the batch's new events, unless the COPY did, and update the state of the
    annotations they touch (under the append lock: nothing else writes events or state until
    the commit)."""
    batch = copied.batch
    guess = copied.state
    if not copied.copied:
        batch = _set_aside_stored_ids(con, _first_copies(engine, batch, outcome), outcome)
        if not batch.num_rows:
            return
        con.execute(
            f"INSERT INTO events ({EVENT_COLUMN_LIST}) SELECT {EVENT_COLUMN_LIST} FROM incoming",
            prepare=False,
        )
    outcome.stored = batch.num_rows
    known, stored = _stored_events_of_known_annotations(con, batch)
    if guess is None:
        state = _new_state(engine, batch, stored)
    elif len(known):
        # The guess holds for annotations new to the log; the others' state comes again from
        # all their events, the stored ones included.
        state = _with_known(engine, guess, batch, known, stored)
    else:
        state = guess
    # The tasks whose first `_store_firsts` recomputes from the state: those the known
    # annotations were in (one may have moved away, or stopped counting as submitted).
    con.execute(
        "CREATE TEMP TABLE firsts_tasks ON COMMIT DROP AS SELECT DISTINCT project, task "
        "FROM state WHERE annotation IN (SELECT annotation FROM known)",
        prepare=False,
    )
    if len(known):
        for table in ("state", "review_actions"):
            con.execute(
                f"DELETE FROM {table} WHERE annotation IN (SELECT annotation FROM known)",
                prepare=False,
            )
    copy_in(con, "state", state.rows)
    copy_in(con, "review_actions", state.reviews)
    _store_firsts(con, engine, state.rows, bool(len(known)))
    alone = None if guess is None else guess.work
    if alone is None:  # the careful way: no guess was made
        alone = _work_alone(engine, batch, state.rows)
    _store_work(con, engine, batch, known, stored, state, alone)


def _store_firsts(
    con: psycopg.Connection[Any], engine: duckdb.DuckDBPyConnection, rows: pa.Table, known: bool
) -> None:
    """Bring `task_firsts` up to date with the batch's new state `rows` (`known`: some of
    their annotations had a state before).

    The tasks in `firsts_tasks` (those the batch's known annotations were in, whose first may
    have moved away or come later) are recomputed from the state as it now stands, their
    state rows found by the index on (project, task). Every other task's new first is the
    least of its stored first and the new rows' (the task's other state rows are unchanged
    and came after its stored first): those, computed by DuckDB from the batch's rows alone,
    are upserted where they come first. An import's batch, of new annotations mostly, so
    reads no state back; recomputing every task from `state` made a 1M import 15-20% slower.
    """
    if known:
        con.execute(f"DELETE FROM task_firsts WHERE {_TOUCHED_TASKS}", prepare=False)
        con.execute(
            "INSERT INTO task_firsts " + firsts_sql("postgres", "state", _TOUCHED_TASKS),
            prepare=False,
        )
    engine.register("batch_state", rows)
    try:
        fresh: pa.Table = engine.sql(firsts_sql("duckdb", "batch_state")).to_arrow_table()
    finally:
        engine.unregister("batch_state")
    if not fresh.num_rows:
        return
    con.execute(
        f"CREATE TEMP TABLE batch_firsts ({columns_ddl(FIRSTS_COLUMNS, 'postgres')}) "
        "ON COMMIT DROP",
        prepare=False,
    )
    copy_in(con, "batch_firsts", fresh)
    con.execute(
        f"""INSERT INTO task_firsts AS t ({_FIRSTS_LIST}) SELECT {_FIRSTS_LIST} FROM batch_firsts
            ON CONFLICT (project, task) DO UPDATE SET annotation = excluded.annotation,
              author = excluded.author, first_us = excluded.first_us
            WHERE (excluded.first_us, excluded.annotation) < (t.first_us, t.annotation)""",
        prepare=False,
    )


def _work_alone(engine: duckdb.DuckDBPyConnection, batch: pa.Table, state: pa.Table) -> pa.Table:
    """The `work_events` rows of the batch's events as if the batch held every event of their
    tasks, their annotations' author from `state` (`store/work.py`), by time."""
    return _work_rows(engine, batch, _KNOWN_EVENTS.empty_table(), state, None)


def _work_rows(
    engine: duckdb.DuckDBPyConnection,
    batch: pa.Table,
    stored: pa.Table,
    state: pa.Table,
    kept: pa.Table | None,
) -> pa.Table:
    """`work_sql` in `engine` (the DuckDB rendering, as for the state): the rows of the events
    of `batch` and `stored`, their authors from `state`, with the `kept` rows of the other
    annotations of their tasks (None: there are none), by time."""
    engine.register("work_batch", batch)
    engine.register("work_stored", stored)
    engine.register("work_state", state)
    events = f"SELECT {WORK_INPUT} FROM work_batch UNION ALL SELECT {WORK_INPUT} FROM work_stored"
    fresh = typed_sql("duckdb", events, "work_state")
    if kept is not None:
        engine.register("kept_work", kept)
    sql = work_sql("duckdb", fresh, None if kept is None else "SELECT * FROM kept_work")
    rows: pa.Table = engine.sql(sql + " ORDER BY time_us").to_arrow_table()
    for name in ("work_batch", "work_stored", "work_state", "kept_work"):
        engine.unregister(name)
    return rows


def _store_work(
    con: psycopg.Connection[Any],
    engine: duckdb.DuckDBPyConnection,
    batch: pa.Table,
    known: pa.Array,
    stored: pa.Table,
    state: _State,
    alone: pa.Table,
) -> None:
    """Store the `work_events` rows of the tasks the batch touches, given `alone`, its rows as
    if it held every event of them (`_work_alone`).

    Those rows stand for the tasks with no stored row and no `known` annotation: usually most
    of an import's batch, or all of it. The tasks that have either, and every task of an
    annotation with events in them (so that each task is recomputed whole, and each
    annotation), have their rows computed again, as DuckDB's `_update_work` does: the
    batch's annotations' from their events (the batch's and the `stored` ones), the other
    annotations' from their stored rows, read by the task index, and deleted with them.
    """
    stored_tasks = stored.column("task")
    con.execute(
        f"CREATE TEMP TABLE touched_tasks (task {T} NOT NULL) ON COMMIT DROP", prepare=False
    )
    touched = pc.unique(pa.chunked_array([batch.column("task"), stored_tasks]))
    copy_in(con, "touched_tasks", pa.table({"task": touched}))
    before = copy_out(
        con,
        f"SELECT {_WORK_LIST} FROM work_events WHERE task IN (SELECT task FROM touched_tasks)",
        _WORK,
    )
    tasks = batch.column("task")
    annotations = batch.column("annotation")
    again = pc.unique(
        pa.chunked_array(
            [
                before.column("task"),
                stored_tasks,
                tasks.filter(pc.is_in(annotations, value_set=known)),
            ],
            tasks.type,
        )
    )
    # Close the tasks to recompute over the annotations with events in them, and back.
    while True:
        mine = pc.unique(
            pa.chunked_array([known, annotations.filter(pc.is_in(tasks, value_set=again))])
        )
        wider = pc.unique(
            pa.chunked_array([again, tasks.filter(pc.is_in(annotations, value_set=mine))])
        )
        if len(wider) == len(again):
            break
        again = wider
    if not len(again):
        copy_in(con, "work_events", alone)
        return
    con.execute(
        "DELETE FROM work_events WHERE task IN (SELECT task FROM touched_tasks)", prepare=False
    )
    kept = before.filter(pc.invert(pc.is_in(before.column("annotation"), value_set=known)))
    recomputed = _work_rows(
        engine,
        batch.filter(pc.is_in(annotations, value_set=mine)),
        stored,
        state.rows,
        kept if kept.num_rows else None,
    )
    standing = alone.filter(pc.invert(pc.is_in(alone.column("task"), value_set=again)))
    copy_in(con, "work_events", pa.concat_tables([standing, recomputed.cast(standing.schema)]))


@dataclass(frozen=True)
class _State:
    """The new state rows of the annotations a batch touches, and their review actions; for a
    guess, also the batch's work rows as if it held every event of their tasks."""

    rows: pa.Table
    reviews: pa.Table
    work: pa.Table | None = None


def _stored_events_of_known_annotations(
    con: psycopg.Connection[Any], batch: pa.Table
) -> tuple[pa.Array, pa.Table]:
    """The batch's annotations that have a state already (found by the state's primary key),
    left in the temporary table `known`, and their stored events other than the batch's own
    (found by the log's annotation index): a batch of new annotations reads nothing of the
    log."""
    con.execute(
        f"CREATE TEMP TABLE batch_annotations (annotation {T} NOT NULL) ON COMMIT DROP",
        prepare=False,
    )
    copy_in(con, "batch_annotations", pa.table({"annotation": pc.unique(batch["annotation"])}))
    con.execute(
        """CREATE TEMP TABLE known ON COMMIT DROP AS
           SELECT b.annotation FROM batch_annotations b
           WHERE EXISTS (SELECT 1 FROM state s WHERE s.annotation = b.annotation)""",
        prepare=False,
    )
    known = copy_out(con, "SELECT annotation FROM known", _KNOWN).column("annotation")
    if not len(known):
        return known.combine_chunks(), _KNOWN_EVENTS.empty_table()
    stored = copy_out(
        con,
        f"""SELECT {", ".join(_KNOWN_EVENTS.names)} FROM events
            WHERE annotation IN (SELECT annotation FROM known)""",
        _KNOWN_EVENTS,
    )
    # The batch's own events are in the log already, uncommitted: its ids are stored nowhere
    # else (the primary key saw to it), so they are exactly the batch's.
    own = pc.is_in(stored.column("id"), value_set=batch.column("id"))
    return known.combine_chunks(), stored.filter(pc.invert(own))


def _with_known(
    engine: duckdb.DuckDBPyConnection,
    guess: _State,
    batch: pa.Table,
    known: pa.Array,
    stored: pa.Table,
) -> _State:
    """`guess` (the state from the batch alone) with the `known` annotations' state and
    review actions computed again from their events in the batch and the `stored` ones."""
    again = _new_state(
        engine, batch.filter(pc.is_in(batch.column("annotation"), value_set=known)), stored
    )

    def others(table: pa.Table) -> pa.Table:
        return table.filter(pc.invert(pc.is_in(table.column("annotation"), value_set=known)))

    return _State(
        pa.concat_tables([others(guess.rows), again.rows]),
        pa.concat_tables([others(guess.reviews), again.reviews]),
    )


def _guess(engine: duckdb.DuckDBPyConnection, batch: pa.Table, empty: pa.Table) -> _State:
    """The state of the batch's annotations, and its work rows, from the batch alone."""
    state = _new_state(engine, batch, empty)
    return _State(state.rows, state.reviews, _work_alone(engine, batch, state.rows))


def _new_state(engine: duckdb.DuckDBPyConnection, batch: pa.Table, stored: pa.Table) -> _State:
    """The state (and review actions) of the annotations of `batch`, from its events and the
    `stored` events of those annotations."""
    engine.register("fresh", batch)
    engine.register("known_events", stored)
    both = (
        f"SELECT {TOUCHED_COLUMNS} FROM fresh UNION ALL SELECT {TOUCHED_COLUMNS} FROM known_events"
    )
    rows: pa.Table = engine.sql(state_sql("duckdb", both)).to_arrow_table()
    engine.register("new_state", rows)
    reviews: pa.Table = engine.sql(reviews_sql("duckdb", both, "new_state")).to_arrow_table()
    for name in ("fresh", "known_events", "new_state"):
        engine.unregister(name)
    return _State(rows, reviews)


def _copy_events_meanwhile(
    con: psycopg.Connection[Any], batch: pa.Table, work: Callable[[], _State]
) -> _State:
    """COPY the batch into `events` from a thread of its own while `work` runs in this one,
    which does not touch the connection until the thread is joined: `work`'s result, or the
    first error of either."""
    failed: list[BaseException] = []

    def copy_events() -> None:
        try:
            copy_in(con, "events", batch.drop_columns(["pos"]))
        except BaseException as exc:  # raised again in the caller's thread
            failed.append(exc)

    thread = threading.Thread(target=copy_events, name="labelpulse-copy", daemon=True)
    thread.start()
    try:
        result = work()
    finally:
        thread.join()
    if failed:
        raise failed[0]
    return result


def _set_aside_stored_ids(
    con: psycopg.Connection[Any], batch: pa.Table, outcome: AppendOutcome
) -> pa.Table:
    """The batch without its events whose id is stored already (counted as duplicates when
    equal to the stored event, else as conflicts); its new events are left in the temporary
    table `incoming`."""
    con.execute(
        f"CREATE TEMP TABLE incoming ({EVENT_DDL}, pos BIGINT NOT NULL) ON COMMIT DROP",
        prepare=False,
    )
    copy_in(con, "incoming", batch)
    repeats = con.execute(
        f"""SELECT b.pos, b.id, ({_SAME_CONTENT}) FROM incoming b
            JOIN events a ON a.id = b.id ORDER BY b.pos""",
        prepare=False,
    ).fetchall()
    _count_repeats(repeats, outcome)
    con.execute("DELETE FROM incoming b USING events a WHERE a.id = b.id", prepare=False)
    stored_already = pa.array([pos for pos, _, _ in repeats], pa.int64())
    kept: pa.Table = batch.filter(
        pc.invert(pc.is_in(batch.column("pos"), value_set=stored_already))
    )
    return kept


def copy_in(con: psycopg.Connection[Any], table: str, rows: pa.Table) -> None:
    """Arrow rows into `table` (its columns named as the Arrow ones), by COPY in CSV.

    CSV because it is the fastest whole (measured on 250k events): Arrow writes it in C++ in
    0.18 s, PostgreSQL reads it in 0.46 s; the binary format reads in 0.36 s but psycopg builds
    it row by row in Python, 0.82 s, holding the GIL that validation needs meanwhile. In CSV an
    unquoted empty field is NULL and `""` an empty string; Arrow quotes every string, so both
    survive. Floats are written in their shortest form that reads back as the same double.

    The rows go `COPY_CHUNK` at a time: PostgreSQL reads one chunk while the next is written.
    """
    if not rows.num_rows:
        return
    columns = ", ".join(rows.column_names)
    options = pacsv.WriteOptions(include_header=False)
    with (
        con.cursor() as cur,
        cur.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)") as copy,
    ):
        for start in range(0, rows.num_rows, COPY_CHUNK):
            buffer = io.BytesIO()
            pacsv.write_csv(rows.slice(start, COPY_CHUNK), buffer, options)
            copy.write(buffer.getbuffer())


def copy_out(con: psycopg.Connection[Any], select: str, schema: pa.Schema) -> pa.Table:
    """The rows of a SELECT as Arrow of `schema`, by COPY in CSV (see `copy_in`): PostgreSQL
    writes NULL as nothing, an empty string as `""`, booleans as t/f."""
    buffer = bytearray()
    with con.cursor() as cur, cur.copy(f"COPY ({select}) TO STDOUT (FORMAT csv)") as copy:
        for chunk in copy:
            buffer += chunk
    if not buffer:
        return schema.empty_table()
    return pacsv.read_csv(
        io.BytesIO(buffer),
        read_options=pacsv.ReadOptions(column_names=schema.names),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=schema,
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            true_values=["t"],
            false_values=["f"],
        ),
    )


def _nul_characters(events: pa.Table, positions: Sequence[int]) -> list[RecordError]:
    """The string fields of a batch that hold U+0000 (valid JSON, but not PostgreSQL text)."""
    found: list[RecordError] = []
    ids = events.column("id")
    for name in events.column_names:
        column = events.column(name)
        if not pa.types.is_string(column.type):
            continue
        held = pc.fill_null(pc.match_substring(column, "\x00"), False)
        for index in pc.indices_nonzero(held).to_pylist():
            found.append(
                RecordError(
                    positions[index],
                    ids[index].as_py(),
                    name,
                    "holds the NUL character (U+0000), which PostgreSQL cannot store",
                )
            )
    return found


def _count_repeats(rows: Sequence[tuple[Any, ...]], outcome: AppendOutcome) -> None:
    """Count (pos, id, same) rows as duplicates or conflicts."""
    for pos, record_id, same in rows:
        count_repeat(outcome, pos, record_id, same)


def _upsert_directory(con: psycopg.Connection[Any], record: DirectoryRecord) -> bool:
    """Insert or update one directory record; False when it was already stored as is."""
    table, values = directory_row(record)
    if table == "memberships":
        inserted = con.execute(
            "INSERT INTO memberships VALUES (%s, %s, %s) ON CONFLICT DO NOTHING RETURNING 1",
            list(values.values()),
        ).fetchall()
        return bool(inserted)
    names = list(values)
    key = RECORD_TABLES[table]
    updated = [n for n in names if n not in key]
    sql = (
        f"INSERT INTO {table} AS t ({', '.join(names)}) "
        f"VALUES ({', '.join(f'%({n})s' for n in names)}) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET "
        + ", ".join(f"{n} = excluded.{n}" for n in updated)
        + f" WHERE ({', '.join(f't.{n}' for n in updated)}) IS DISTINCT FROM "
        f"({', '.join(f'excluded.{n}' for n in updated)}) RETURNING 1"
    )
    return bool(con.execute(sql, values).fetchall())
