"""The embedded default backend: one DuckDB file, one writing process."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import duckdb
import pyarrow as pa

from labelpulse.errors import StoreError, UsageError
from labelpulse.events import EVENT_COLUMNS, EVENT_SCHEMA, DirectoryRecord
from labelpulse.store.base import (
    RECORD_TABLES,
    AppendOutcome,
    PlainImports,
    check_record_table,
    checked_rows,
    count_repeat,
    directory_row,
    lookup_sql,
    refuse_conflicts,
    upsert_action,
    where_sql,
)
from labelpulse.store.columns import (
    FIRSTS_COLUMNS,
    REVIEW_COLUMNS,
    STATE_COLUMNS,
    Dialect,
    columns_ddl,
)
from labelpulse.store.compile import UnboundTables
from labelpulse.store.merge import merge_steps
from labelpulse.store.slots import CEILING_PER_CORE, Slots
from labelpulse.store.state import (
    ALL_EVENTS,
    SUBMITTED_STATES,
    TOUCHED_COLUMNS,
    firsts_sql,
    reviews_sql,
    state_sql,
)
from labelpulse.store.work import (
    WORK_COLUMNS,
    WORK_INPUT,
    in_list,
    input_columns,
    rebuild_sql,
    typed_sql,
    work_sql,
)
from labelpulse.validation import as_arrow

# The `work_tasks` rows, from the stored work rows.
WORK_TASKS = "INSERT INTO work_tasks SELECT task, min(time_us) FROM work_events GROUP BY task;"

# The `work_events` table, made from the log and the state.
WORK_EVENTS = (
    f"CREATE TABLE work_events ({columns_ddl(WORK_COLUMNS, 'duckdb')}); "
    f"INSERT INTO work_events {rebuild_sql('duckdb')} ORDER BY time_us;"
)

# The `state` table made again from the whole log (a migration that adds a column).
STATE_AGAIN = (
    f"DROP TABLE state; "
    f"CREATE TABLE state ({columns_ddl(STATE_COLUMNS, 'duckdb')}, PRIMARY KEY (annotation)); "
    f"INSERT INTO state {state_sql('duckdb', ALL_EVENTS)} ORDER BY completed_us NULLS LAST;"
)

# The `task_firsts` rows, from the stored state, in time order.
TASK_FIRSTS = f"INSERT INTO task_firsts {firsts_sql('duckdb', 'state')} ORDER BY first_us;"

# The tasks a batch touches (`_update_firsts`), by task id (in any project): what the index on
# `task_firsts (task)` finds.
_TOUCHED_TASKS = "task IN (SELECT task FROM firsts_tasks)"
_FIRSTS_LIST = ", ".join(c.name for c in FIRSTS_COLUMNS)
# A stored `task_firsts` row `f` equal to a new one `n` (NULL authors equal).
_SAME_FIRST = " AND ".join(
    f"n.{c.name} IS NOT DISTINCT FROM f.{c.name}" if c.nullable else f"n.{c.name} = f.{c.name}"
    for c in FIRSTS_COLUMNS
)

# Each migration moves the schema from version N-1 to N; they run in order, each in a transaction.
MIGRATIONS: tuple[str, ...] = (
    f"""
    CREATE TABLE events ({columns_ddl(EVENT_COLUMNS, "duckdb")});
    CREATE TABLE state ({columns_ddl(STATE_COLUMNS, "duckdb")}, PRIMARY KEY (annotation));
    CREATE TABLE members (
      id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, email VARCHAR, role VARCHAR NOT NULL
    );
    CREATE TABLE workspaces (id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL);
    CREATE TABLE projects (id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, workspace VARCHAR);
    CREATE TABLE memberships (
      member VARCHAR NOT NULL, target_kind VARCHAR NOT NULL, target VARCHAR NOT NULL,
      PRIMARY KEY (member, target_kind, target)
    );
    """,
    """
    CREATE TABLE accounts (
      member VARCHAR PRIMARY KEY, password_hash VARCHAR NOT NULL, updated_us BIGINT NOT NULL
    );
    CREATE TABLE tokens (
      id VARCHAR PRIMARY KEY, member VARCHAR NOT NULL, name VARCHAR NOT NULL,
      scope VARCHAR NOT NULL, secret_hash VARCHAR NOT NULL, created_us BIGINT NOT NULL,
      revoked_us BIGINT
    );
    CREATE TABLE secrets (name VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
    """,
    """
    CREATE TABLE external_ids (
      source VARCHAR NOT NULL, kind VARCHAR NOT NULL, external_id VARCHAR NOT NULL,
      internal_id VARCHAR NOT NULL, PRIMARY KEY (source, kind, external_id)
    );
    """,
    f"CREATE TABLE review_actions ({columns_ddl(REVIEW_COLUMNS, 'duckdb')}); "
    f"INSERT INTO review_actions {reviews_sql('duckdb', ALL_EVENTS, 'state')} ORDER BY time_us;",
    # Sign-in sessions kept by the server (the cookie holds only a random id, stored hashed), so
    # that signing out, a password reset, a role change or disabling a member ends them; and the
    # members who may not sign in or use their tokens (their work stays in the reports).
    """
    CREATE TABLE sessions (
      id VARCHAR PRIMARY KEY, member VARCHAR NOT NULL, role VARCHAR NOT NULL,
      created_us BIGINT NOT NULL, expires_us BIGINT NOT NULL
    );
    CREATE TABLE disabled_members (member VARCHAR PRIMARY KEY, disabled_us BIGINT NOT NULL);
    """,
    # Every event with its work type and the times that make window counts plain counts
    # (`store/work.py`): what the work, insights and items reports read.
    WORK_EVENTS,
    # The tasks with work rows, each with its earliest row's time: a batch finds which of its
    # tasks have stored rows here (two narrow columns, one row a task), then reads work_events
    # only from that time on (its rows are inserted in time order, so zone maps skip the older
    # row groups), not the whole table. No primary key: an index would be written out whole at
    # every checkpoint, and a batch's lookup is a hash join either way.
    f"CREATE TABLE work_tasks (task VARCHAR NOT NULL, first_us BIGINT NOT NULL); {WORK_TASKS}",
    # The reviewers table's times (`reviewing_*`): the table made again with its new columns.
    f"DROP TABLE work_events; {WORK_EVENTS}",
    # `moved` (a row in another item than its annotation's): the table made again.
    f"DROP TABLE work_events; {WORK_EVENTS}",
    # A project's task count and deadline (the forecast's), and pay rates (issue 16).
    """
    ALTER TABLE projects ADD COLUMN IF NOT EXISTS tasks BIGINT;
    ALTER TABLE projects ADD COLUMN IF NOT EXISTS deadline VARCHAR;
    CREATE TABLE IF NOT EXISTS rates (
      member VARCHAR NOT NULL, project VARCHAR NOT NULL, effective VARCHAR NOT NULL,
      currency VARCHAR NOT NULL, per_hour DOUBLE, per_accepted DOUBLE, per_region DOUBLE,
      PRIMARY KEY (member, project, effective)
    );
    """,
    # PAY: closed pay periods and the figures they kept (issue 16).
    """
    CREATE TABLE IF NOT EXISTS pay_periods (
      first_day VARCHAR PRIMARY KEY, last_day VARCHAR NOT NULL, tz VARCHAR NOT NULL,
      closed_us BIGINT NOT NULL, closed_by VARCHAR NOT NULL
    );
    CREATE TABLE IF NOT EXISTS pay_paid (
      period VARCHAR NOT NULL, for_period VARCHAR NOT NULL, member VARCHAR NOT NULL,
      project VARCHAR NOT NULL, currency VARCHAR NOT NULL, accepted BIGINT NOT NULL,
      active_us BIGINT NOT NULL, regions BIGINT NOT NULL, amount VARCHAR NOT NULL,
      PRIMARY KEY (period, for_period, member, project, currency)
    );
    """,
    # The state's `regions` (what its author added; pay's): the table made again from the log,
    # in completion order, as batches leave it (the reports' windows skip row groups by it).
    STATE_AGAIN,
    # `pay_prev_us` (pay's audit list counts its item-days as rows): the table made again.
    f"DROP TABLE work_events; {WORK_EVENTS}",
    # FIRSTS: each done task's first qualifying annotation, what the forecasts read instead of
    # grouping the whole state by task at every report (issue 16). A batch finds its tasks'
    # rows by the index on `task` (`DuckDBStore._update_firsts`).
    f"CREATE TABLE IF NOT EXISTS task_firsts ({columns_ddl(FIRSTS_COLUMNS, 'duckdb')}); "
    f"DELETE FROM task_firsts; {TASK_FIRSTS} "
    "CREATE INDEX IF NOT EXISTS task_firsts_task ON task_firsts (task);",
)

_COLUMNS = EVENT_SCHEMA.names
_SAME_CONTENT = " AND ".join(f"a.{c} IS NOT DISTINCT FROM b.{c}" for c in _COLUMNS)
_COLUMN_LIST = ", ".join(_COLUMNS)
# The write-ahead log an import lets grow before DuckDB checkpoints (`DuckDBStore.importing`).
_IMPORT_CHECKPOINT = "512MB"
# What DuckDB may hold in memory during an import (it spills past it).
_IMPORT_MEMORY = "768MB"
# What DuckDB may hold in memory while a statement reads the whole log (a migration, a rebuild).
_WHOLE_LOG_MEMORY = "1GB"
# What DuckDB may hold in memory during an export (`DuckDBStore.exporting`): with the rest of
# the process (~190 MB with the database open at 10M events), under the 500 MB an export of
# 3.5M items is allowed.
_EXPORT_MEMORY = "192MB"
# What a batch reads back of the stored events of the annotations it touches.
_KNOWN_COLUMNS = input_columns(TOUCHED_COLUMNS, WORK_INPUT)
REBUILD_WORK = rebuild_sql("duckdb")


class DuckDBStore(PlainImports):
    """A store in one DuckDB file (or `:memory:`)."""

    dialect: Dialect = "duckdb"

    def __init__(self, path: str) -> None:
        self.url = path
        try:
            self._con = duckdb.connect(path)
        except duckdb.Error as exc:
            raise StoreError(f"cannot open database {path!r}: {exc}") from exc
        self._lock = threading.RLock()
        # Reads run on a cursor of their thread's own (a connection to the same database), in
        # parallel with each other and with a write: a DuckDB connection refuses a second call
        # while one runs ("connection is busy"), and a lock would serve readers one at a time.
        self._readers = threading.local()
        self._cursors: list[tuple[threading.Thread, duckdb.DuckDBPyConnection]] = []
        self._closed = False
        # Cursors are made from a connection of their own, under a lock of their own: a new
        # reader thread does not wait for a write to end.
        self._factory = self._con.cursor()
        self._factory_lock = threading.Lock()
        # As many reads at once as there are cores: DuckDB runs every query of a database on
        # one pool of that many threads, and forty reads at once would queue a write's
        # statements (a POST) behind all of theirs, for seconds, for no more throughput. A slow
        # read leaves its slot to the others after a while (see `labelpulse.store.slots`).
        cores = max(2, os.cpu_count() or 2)
        self._reading = Slots(lambda: cores, ceiling=CEILING_PER_CORE * cores)
        self._con.execute("SET TimeZone = 'UTC'")
        # A long statement (a migration, a rebuild) would draw DuckDB's progress bar on the
        # terminal of whoever opened the store, over the CLI's own output.
        self._con.execute("SET enable_progress_bar = false")
        # No result relies on the physical order of rows (every ordered report says ORDER BY);
        # without this promise DuckDB inserts and scans in parallel.
        self._con.execute("SET preserve_insertion_order = false")
        self._tables = UnboundTables(self.dialect)
        self._cache: dict[str, Any] = {}
        self._migrate()

    # -- schema -------------------------------------------------------------------------------
    def _migrate(self) -> None:
        with self._lock:
            self._con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER)")
            version = self.schema_version()
            if version == len(MIGRATIONS):
                return
            with self._held_to(_WHOLE_LOG_MEMORY):
                for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
                    self._con.execute("BEGIN TRANSACTION")
                    try:
                        self._con.execute(step)
                        self._con.execute("DELETE FROM schema_version")
                        self._con.execute("INSERT INTO schema_version VALUES (?)", [number])
                        self._con.execute("COMMIT")
                    except duckdb.Error as exc:
                        self._con.execute("ROLLBACK")
                        raise StoreError(
                            f"migration to schema version {number} failed: {exc}"
                        ) from exc

    def _held_to(self, limit: str) -> AbstractContextManager[None]:
        """DuckDB holds at most `limit`, spilling to disk past it, and goes back to its default
        after: by default it may take 80% of the machine (it caches every block it reads), and
        making `work_events` anew at 10M events took 15 GB resident."""
        return self._setting("memory_limit", limit)

    @contextmanager
    def _setting(self, name: str, value: str) -> Iterator[None]:
        """DuckDB's setting `name` at `value`, then back to DuckDB's default (the store sets
        none otherwise). A setting is the whole database's, not a cursor's."""
        with self._lock:
            self._con.execute(f"SET {name} = '{value}'")
        try:
            yield
        finally:
            with self._lock:
                self._con.execute(f"RESET {name}")

    def schema_version(self) -> int:
        # On this thread's cursor, not under the write lock: GET /api/health answers while a
        # batch is being stored.
        rows = self._fetch("SELECT max(version) AS v FROM schema_version", [])
        value = rows[0]["v"] if rows else None
        return int(value) if value is not None else 0

    def _scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        """The first column of the first row, or None; the whole result is consumed."""
        rows = self._con.execute(sql, params or []).fetchall()
        return rows[0][0] if rows else None

    # -- writing ------------------------------------------------------------------------------
    def append(
        self,
        events: pa.Table,
        positions: Sequence[int],
        directory: Sequence[tuple[int, DirectoryRecord]],
        *,
        atomic: bool = False,
    ) -> AppendOutcome:
        outcome = AppendOutcome()
        with self._lock:
            con = self._con
            con.execute("BEGIN TRANSACTION")
            try:
                if events.num_rows:
                    self._append_events(events, positions, outcome)
                for _, record in directory:
                    if self._upsert_directory(record):
                        outcome.directory_stored += 1
                    else:
                        outcome.directory_unchanged += 1
                if atomic:
                    refuse_conflicts(outcome)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            finally:
                self._cache = {}
                con.execute("DROP TABLE IF EXISTS incoming")
                con.execute("DROP TABLE IF EXISTS fresh")
                con.execute("DROP TABLE IF EXISTS known")
                con.execute("DROP TABLE IF EXISTS known_events")
                con.execute("DROP TABLE IF EXISTS new_state")
                con.execute("DROP TABLE IF EXISTS fresh_work")
                con.execute("DROP TABLE IF EXISTS kept_work")
                con.execute("DROP TABLE IF EXISTS stored_tasks")
                con.execute("DROP TABLE IF EXISTS firsts_tasks")
                con.execute("DROP TABLE IF EXISTS stored_firsts")
                con.execute("DROP TABLE IF EXISTS firsts_again")
                con.execute("DROP TABLE IF EXISTS new_firsts")
        return outcome

    def _append_events(
        self, events: pa.Table, positions: Sequence[int], outcome: AppendOutcome
    ) -> None:
        con = self._con
        batch = events.append_column("pos", as_arrow(positions, pa.int64()))
        con.register("batch_arrow", batch)
        try:
            repeated = self._scalar("SELECT count(*) - count(DISTINCT id) FROM batch_arrow")
            if repeated:
                # Later copies of an id within the batch: identical ones are duplicates, others
                # conflict; the first copy (by position) goes on.
                con.execute(
                    "CREATE TEMP TABLE incoming AS SELECT *, "
                    "row_number() OVER (PARTITION BY id ORDER BY pos) AS rn FROM batch_arrow"
                )
                self._count_repeats(
                    f"""SELECT b.pos, b.id, ({_SAME_CONTENT}) AS same FROM incoming b
                        JOIN incoming a ON a.id = b.id AND a.rn = 1 WHERE b.rn > 1""",
                    outcome,
                )
                source = "(SELECT * FROM incoming WHERE rn = 1)"
            else:
                source = "batch_arrow"
            known = self._count_repeats(
                f"""SELECT b.pos, b.id, ({_SAME_CONTENT}) AS same FROM {source} b
                    JOIN events a ON a.id = b.id""",
                outcome,
            )
            if known:
                con.execute(
                    f"""CREATE TEMP TABLE fresh AS SELECT {_COLUMN_LIST} FROM {source} b
                        WHERE NOT EXISTS (SELECT 1 FROM events a WHERE a.id = b.id)"""
                )
                source = "fresh"
            outcome.stored = (
                events.num_rows
                if source == "batch_arrow"
                else int(self._scalar(f"SELECT count(*) FROM {source}"))
            )
            if outcome.stored:
                self._update_state(source)
                con.execute(
                    f"INSERT INTO events ({_COLUMN_LIST}) SELECT {_COLUMN_LIST} FROM {source}"
                )
        finally:
            con.unregister("batch_arrow")

    def _update_state(self, source: str) -> None:
        """Recompute the state, review actions and work rows of the annotations `source`
        touches (and the work rows of their tasks), before it is inserted.

        Their events are the new ones plus those stored already; the stored ones are read only
        for annotations the state table (by its primary key) shows to have any, so a batch of
        new annotations reads nothing of the log.
        """
        con = self._con
        con.execute(
            f"""CREATE TEMP TABLE known AS SELECT DISTINCT annotation FROM {source} b
                WHERE EXISTS (SELECT 1 FROM state s WHERE s.annotation = b.annotation)"""
        )
        both = "SELECT {0} FROM " + source
        # The tasks whose first may change: those the touched annotations were in (one may
        # move to another task, or stop counting as submitted) and those they are in now.
        con.execute(
            "CREATE TEMP TABLE firsts_tasks AS SELECT DISTINCT task FROM state "
            "WHERE annotation IN (SELECT annotation FROM known)"
        )
        # New annotations only (an API POST of new work, usually): nothing stored to replace,
        # and no scan of the log for their events, which cost most of a small batch's time.
        if self._scalar("SELECT count(*) FROM known"):
            con.execute("DELETE FROM state WHERE annotation IN (SELECT annotation FROM known)")
            con.execute(
                "DELETE FROM review_actions WHERE annotation IN (SELECT annotation FROM known)"
            )
            con.execute(
                f"""CREATE TEMP TABLE known_events AS SELECT {_KNOWN_COLUMNS}
                    FROM events WHERE annotation IN (SELECT annotation FROM known)"""
            )
            both += " UNION ALL SELECT {0} FROM known_events"
        touched = both.format(TOUCHED_COLUMNS)
        con.execute("CREATE TEMP TABLE new_state AS " + state_sql(self.dialect, touched))
        con.execute("INSERT INTO state SELECT * FROM new_state")
        con.execute("INSERT INTO review_actions " + reviews_sql(self.dialect, touched, "new_state"))
        self._update_firsts()
        self._update_work(source, both.format(WORK_INPUT))

    def _update_firsts(self) -> None:
        """Recompute the `task_firsts` rows of the tasks in `firsts_tasks` (those the touched
        annotations were in) and of the new state rows', without grouping the state by task.

        A task's new first is the least of its new state rows that count and its stored first
        (when that annotation was not recomputed): every other state row of the task is
        unchanged and came after the stored first. Only a task whose stored first was
        recomputed and now comes later (moved, no longer submitted, completed again later)
        reads its state rows again, and only those from the stored first's time on: `state`
        is in completion order, so its zone maps skip the older row groups. The stored rows are
        found by the index on `task` (by task id in any project: those deleted are those
        inserted again).
        """
        con = self._con
        con.execute("INSERT INTO firsts_tasks SELECT DISTINCT task FROM new_state")
        con.execute(
            "CREATE TEMP TABLE stored_firsts AS SELECT rowid AS rid, * FROM task_firsts "
            f"WHERE {_TOUCHED_TASKS}"
        )
        # The tasks whose stored first was recomputed and has no new row before it (or at it).
        con.execute(
            f"""CREATE TEMP TABLE firsts_again AS SELECT f.project, f.task, f.first_us
                FROM stored_firsts f
                WHERE f.annotation IN (SELECT annotation FROM new_state)
                AND NOT EXISTS (SELECT 1 FROM new_state s WHERE s.project = f.project
                  AND s.task = f.task AND s.last_action IN ({in_list(SUBMITTED_STATES)})
                  AND (s.completed_us < f.first_us OR (s.completed_us = f.first_us
                    AND s.annotation <= f.annotation)))"""
        )
        columns = "project, task, annotation, author, last_action, completed_us"
        rows = [
            f"SELECT {columns} FROM new_state",
            "SELECT project, task, annotation, author, 'submitted', first_us FROM stored_firsts "
            "WHERE annotation NOT IN (SELECT annotation FROM new_state)",
        ]
        since = self._scalar("SELECT min(first_us) FROM firsts_again")
        if since is not None:
            rows.append(
                f"SELECT {columns} FROM state WHERE completed_us >= {int(since)} "
                "AND (project, task) IN (SELECT project, task FROM firsts_again)"
            )
        candidates = "(" + " UNION ALL ".join(rows) + ")"
        con.execute("CREATE TEMP TABLE new_firsts AS " + firsts_sql(self.dialect, candidates))
        # Only the rows that change are deleted and inserted: most of a batch's tasks keep
        # their first, and each row changed costs its index entry at the commit.
        con.execute(
            f"""DELETE FROM task_firsts WHERE rowid IN (SELECT f.rid FROM stored_firsts f
                WHERE NOT EXISTS (SELECT 1 FROM new_firsts n WHERE {_SAME_FIRST}))"""
        )
        con.execute(
            f"INSERT INTO task_firsts SELECT {_FIRSTS_LIST} FROM new_firsts "
            f"EXCEPT SELECT {_FIRSTS_LIST} FROM stored_firsts"
        )

    def _update_work(self, source: str, touched: str) -> None:
        """Recompute the work rows of the tasks of the events `touched` selects (every event of
        the annotations the batch `source` touches): theirs from those events, the other
        annotations' from their stored rows (`store/work.py`).

        The stored rows are looked for only for tasks `work_tasks` lists, and only from the
        earliest of their first rows on: a batch of new tasks reads nothing of work_events, and
        one continuing recent tasks reads its newest row groups, however long the table.
        """
        con = self._con
        con.execute(
            "CREATE TEMP TABLE fresh_work AS " + typed_sql(self.dialect, touched, "new_state")
        )
        con.execute(
            """CREATE TEMP TABLE stored_tasks AS SELECT t.task, t.first_us FROM work_tasks t
               WHERE t.task IN (SELECT task FROM fresh_work)"""
        )
        kept = None
        since = self._scalar("SELECT min(first_us) FROM stored_tasks")
        if since is not None:
            stored = (
                f"FROM work_events WHERE time_us >= {int(since)} "
                "AND task IN (SELECT task FROM stored_tasks)"
            )
            con.execute(f"CREATE TEMP TABLE kept_work AS SELECT * {stored}")
            con.execute(f"DELETE {stored}")
            kept = (
                f"SELECT * FROM kept_work WHERE annotation NOT IN "
                f"(SELECT DISTINCT annotation FROM {source})"
            )
        con.execute(
            f"INSERT INTO work_events {work_sql(self.dialect, 'SELECT * FROM fresh_work', kept)}"
            " ORDER BY time_us"
        )
        firsts = "SELECT task, min(time_us) AS first_us FROM fresh_work GROUP BY task"
        if since is not None:
            # A batch may bring a stored task's rows older than its first.
            con.execute(
                f"""UPDATE work_tasks SET first_us = f.first_us FROM ({firsts}) AS f
                    WHERE work_tasks.task = f.task AND f.first_us < work_tasks.first_us"""
            )
        con.execute(
            f"""INSERT INTO work_tasks SELECT * FROM ({firsts}) AS f
                WHERE f.task NOT IN (SELECT task FROM stored_tasks)"""
        )

    def _count_repeats(self, sql: str, outcome: AppendOutcome) -> int:
        """Count (pos, id, same) rows as duplicates or conflicts; return how many there were."""
        rows = self._con.execute(sql).fetchall()
        for pos, record_id, same in rows:
            count_repeat(outcome, pos, record_id, same)
        return len(rows)

    def _upsert_directory(self, record: DirectoryRecord) -> bool:
        """Insert or update one directory record; False when it was already stored as is."""
        table, row = directory_row(record)
        key = RECORD_TABLES[table]
        values = list(row.values())
        existing = self._con.execute(
            f"SELECT * FROM {table} WHERE " + " AND ".join(f"{k} = ?" for k in key),
            [row[k] for k in key],
        ).fetchall()
        if existing and list(existing[0]) == values:
            return False
        marks = ", ".join("?" for _ in values)
        self._con.execute(f"INSERT OR REPLACE INTO {table} VALUES ({marks})", values)
        return True

    def put(self, table: str, row: Mapping[str, Any]) -> None:
        names, key, _ = checked_rows(table, [row])
        sql = (
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)}) "
            f"ON CONFLICT ({', '.join(key)}) {upsert_action(names, key)}"
        )
        with self._lock:
            self._con.execute(sql, list(row.values()))
            self._cache = {}

    def put_many(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        names, key, latest = checked_rows(table, rows)
        batch = pa.table({n: [row[n] for row in latest] for n in names})
        columns = ", ".join(names)
        with self._lock:
            self._con.register("put_many_rows", batch)
            try:
                self._con.execute(
                    f"INSERT INTO {table} ({columns}) SELECT {columns} FROM put_many_rows "
                    f"ON CONFLICT ({', '.join(key)}) {upsert_action(names, key)}"
                )
            finally:
                self._con.unregister("put_many_rows")
                self._cache = {}

    def get(self, table: str, **where: Any) -> list[dict[str, Any]]:
        check_record_table(table, list(where))
        sql, values = where_sql(f"SELECT * FROM {table}", where, "?")
        return self._fetch(sql + " ORDER BY ALL", values)

    def get_in(
        self,
        table: str,
        column: str,
        values: Sequence[Any],
        *,
        columns: Sequence[str] = (),
        **where: Any,
    ) -> list[dict[str, Any]]:
        check_record_table(table, [column, *columns, *where], lookup=True)
        if not values:
            return []
        sql, params = lookup_sql(
            table, column, columns, where, "?", "list_contains({mark}, {column})"
        )
        return self._fetch(sql, [*params, list(values)])

    def remove(self, table: str, **where: Any) -> int:
        check_record_table(table, list(where))
        if not where:
            raise UsageError(f"refusing to remove every row of {table}")
        sql, values = where_sql(f"DELETE FROM {table}", where, "?")
        with self._lock:
            rows = self._con.execute(sql + " RETURNING 1", values).fetchall()
            self._cache = {}
            return len(rows)

    @contextmanager
    def importing(self, status: Callable[[str], None] | None = None) -> Iterator[None]:
        """A long run of appends checkpoints every 512 MB of write-ahead log and at its end, not
        at every batch (every commit still goes to the log): DuckDB's automatic checkpoint, at
        each commit past 16 MB of log, rewrote the changed tables each batch, a quarter of an
        import's time. And DuckDB holds at most 768 MB, spilling past it: by default it may
        take 80% of the machine, and a 10M import's resident memory grew to 3.5 GB."""
        with (
            self._held_to(_IMPORT_MEMORY),
            self._setting("checkpoint_threshold", _IMPORT_CHECKPOINT),
        ):
            try:
                yield
            finally:
                with self._lock:
                    if status is not None:
                        status("writing the database file")
                    self._con.execute("CHECKPOINT")

    @contextmanager
    def exporting(self) -> Iterator[None]:
        """DuckDB holds at most `_EXPORT_MEMORY`, spilling past it: by default it keeps every
        block of the tables it reads cached (80% of the machine may go to it), and an export
        reads the whole window. Global to the database, so for a process of its own only."""
        with self._held_to(_EXPORT_MEMORY):
            yield

    def rebuild_state(self) -> None:
        with self._lock, self._held_to(_WHOLE_LOG_MEMORY):
            self._in_transaction(self._rebuild)

    def merge_member(self, old: str, new: str) -> None:
        steps = merge_steps(old, new)

        def merge() -> None:
            for statement, params in steps:
                self._con.execute(statement, params)
            self._rebuild()

        with self._lock, self._held_to(_WHOLE_LOG_MEMORY):
            self._in_transaction(merge)

    def _in_transaction(self, write: Callable[[], None]) -> None:
        """`write` in one transaction, committed whole or rolled back; the cache emptied."""
        self._con.execute("BEGIN TRANSACTION")
        try:
            write()
            self._con.execute("COMMIT")
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        finally:
            self._cache = {}

    def _rebuild(self) -> None:
        """The state, review-action, work and first-annotation tables made again from the
        whole log."""
        self._con.execute("DELETE FROM state")
        self._con.execute("INSERT INTO state " + state_sql(self.dialect, ALL_EVENTS))
        self._con.execute("DELETE FROM review_actions")
        self._con.execute(
            "INSERT INTO review_actions "
            + reviews_sql(self.dialect, ALL_EVENTS, "state")
            + " ORDER BY time_us"
        )
        self._con.execute("DELETE FROM work_events")
        self._con.execute(f"INSERT INTO work_events {REBUILD_WORK} ORDER BY time_us")
        self._con.execute("DELETE FROM work_tasks")
        self._con.execute(WORK_TASKS)
        self._con.execute("DELETE FROM task_firsts")
        self._con.execute(TASK_FIRSTS)

    # -- reading ------------------------------------------------------------------------------
    def _reader(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor for reading: it sees every committed write, like a connection."""
        cursor: duckdb.DuckDBPyConnection | None = getattr(self._readers, "cursor", None)
        if cursor is None:
            with self._factory_lock:
                if self._closed:
                    raise StoreError("the store is closed")
                # The web server's worker threads come and go: a gone thread's cursor closes.
                for thread, gone in self._cursors:
                    if not thread.is_alive():
                        gone.close()
                self._cursors = [(t, c) for t, c in self._cursors if t.is_alive()]
                cursor = self._factory.cursor()
                cursor.execute("SET TimeZone = 'UTC'")  # a setting of each connection
                self._cursors.append((threading.current_thread(), cursor))
            self._readers.cursor = cursor
        return cursor

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        cursor = self._reader()
        with self._reading.held():
            result = cursor.sql(sql, params=dict(params or {}))
            if result is None:
                return pa.table({})
            table: pa.Table = result.to_arrow_table()
        return table

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        return self._fetch(sql, dict(params or {}))

    def stream(
        self, sql: str, params: Mapping[str, Any] | None, size: int
    ) -> Iterator[list[dict[str, Any]]]:
        # On a cursor of its own, closed at the end: this thread's reads may go on meanwhile.
        with self._factory_lock:
            if self._closed:
                raise StoreError("the store is closed")
            cursor = self._factory.cursor()
        try:
            cursor.execute("SET TimeZone = 'UTC'")
            with self._reading.held():
                batches = cursor.sql(sql, params=dict(params or {})).to_arrow_reader(size)
            for batch in batches:
                yield batch.to_pylist()
        finally:
            cursor.close()

    def _fetch(self, sql: str, params: list[Any] | dict[str, Any]) -> list[dict[str, Any]]:
        reader = self._reader()
        with self._reading.held():
            cursor = reader.execute(sql, params)
            names = [column[0] for column in cursor.description or ()]
            fetched = cursor.fetchall()
        return [dict(zip(names, row, strict=True)) for row in fetched]

    @property
    def cache(self) -> dict[str, Any]:
        return self._cache

    def metric_tables(self) -> UnboundTables:
        return self._tables

    def close(self) -> None:
        with self._lock, self._factory_lock:
            self._closed = True
            for _, cursor in self._cursors:
                cursor.close()
            self._cursors.clear()
            self._factory.close()
            self._con.close()
